-- The tables no replay can make again, as release 0.1.0 made them. A database made before numbered
-- migrations has them already: `compacts migrate` records this one as applied (a baseline) without running it.

-- The event store, in the eventsourcing library's own layout, made here so that originator ids compare
-- bytewise (COLLATE "C"): ids are prefixed by the tenant's slug, so one tenant's events are one range of
-- the primary key. The library's own statements (its row type, its insert function) follow at every start.
CREATE TABLE registry_events (
    originator_id text COLLATE "C" NOT NULL,
    originator_version bigint NOT NULL,
    topic text,
    state bytea,
    notification_id bigserial,
    PRIMARY KEY (originator_id, originator_version)
) WITH (
    autovacuum_enabled = true,
    autovacuum_vacuum_threshold = 100000000,
    autovacuum_vacuum_scale_factor = 0.5,
    autovacuum_analyze_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.01
);
CREATE UNIQUE INDEX registry_events_notification_id_idx ON registry_events (notification_id ASC);

-- One key per person whose personal data the events hold sealed: deleting it erases the data
-- everywhere, while the events (and the hash chain over them) stay as they were. Never granted to the API.
CREATE TABLE person_keys (
    subject text COLLATE "C" PRIMARY KEY,
    key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Signed checkpoints of tenants' hash chains: public, made to be copied out of the system.
CREATE TABLE checkpoints (
    tenant_id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    head_hash text NOT NULL,
    signed_at text NOT NULL,
    kid text NOT NULL,
    signature text NOT NULL,
    PRIMARY KEY (tenant_id, position, kid)
);

-- Idempotency keys: a retried mutation with the same key and body gets the first answer again.
-- This is the one table the API itself writes (api/idempotency.py).
CREATE TABLE idempotent_requests (
    actor text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status int,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);
