-- From which notification id on each link format of the tenants' hash chains is used (infra/chain.py,
-- ADR 0005); an event stored before the first row's id is linked by v1. Events stored before this migration
-- keep their v1 links; every later event is linked by v2, its stored bytes hashed as they are. A replay of
-- the history reads the same boundary and makes the same links again: no rebuild could recover it.
CREATE TABLE chain_link_formats (
    link_format smallint PRIMARY KEY,
    from_notification_id bigint NOT NULL UNIQUE
);
INSERT INTO chain_link_formats (link_format, from_notification_id)
SELECT 2, coalesce(max(notification_id), 0) + 1 FROM registry_events;
