-- infra's own tables: the event store, checkpoints, person keys, idempotency keys, and the roles. Applied
-- at every start; every statement is idempotent. Each read model's tables are its own (projections/*.sql,
-- made and secured by projections/catalogue.py after this).

-- The event store, in the eventsourcing library's own layout, created here so that
-- originator ids compare bytewise (COLLATE "C"): ids are prefixed by the tenant's slug,
-- so one tenant's events are one range of the primary key.
CREATE TABLE IF NOT EXISTS registry_events (
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
CREATE UNIQUE INDEX IF NOT EXISTS registry_events_notification_id_idx
    ON registry_events (notification_id ASC);

-- Signed checkpoints of tenants' hash chains: public, made to be copied out of the system.
CREATE TABLE IF NOT EXISTS checkpoints (
    tenant_id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    head_hash text NOT NULL,
    signed_at text NOT NULL,
    kid text NOT NULL,
    signature text NOT NULL,
    PRIMARY KEY (tenant_id, position, kid)
);

-- One key per person whose personal data the events hold sealed: deleting it erases the data
-- everywhere, while the events (and the hash chain over them) stay as they were. Never granted to the API.
CREATE TABLE IF NOT EXISTS person_keys (
    subject text COLLATE "C" PRIMARY KEY,
    key bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Idempotency keys: a retried mutation with the same key and body gets the first answer again.
-- This is the one table the API itself writes (api/idempotency.py).
CREATE TABLE IF NOT EXISTS idempotent_requests (
    actor text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status int,
    response bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);

-- The role GraphQL reads run as: it owns nothing and may only read (the read models' grants are
-- projections/catalogue.py's).
DO $$
BEGIN
    CREATE ROLE compacts_reader NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO compacts_reader;
GRANT SELECT ON checkpoints TO compacts_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotent_requests TO compacts_reader;

-- The role projections write as (projections/base.py): the read models and nothing else, granted by
-- projections/catalogue.py. Nothing here: not the event store, the person keys or the checkpoints.
DO $$
BEGIN
    CREATE ROLE compacts_worker NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;
-- The migrating user lends the worker role to itself (SET LOCAL ROLE needs membership).
DO $$
BEGIN
    EXECUTE format('GRANT compacts_worker TO %I', current_user);
EXCEPTION WHEN OTHERS THEN NULL;  -- already a member, or a superuser who needs none
END
$$;
GRANT USAGE ON SCHEMA public TO compacts_worker;

-- Row-level security: ENABLE and FORCE on every table the reading role may see, so no query can forget a
-- tenant filter (the read models' own policies are projections/catalogue.py's). The API reads as
-- compacts_reader with, per transaction, the tenants whose private rows it may see (compacts.tenants, an
-- array in PostgreSQL's text form: never split on commas, so a tenant claim cannot smuggle in a second
-- tenant), whether it is a platform admin (compacts.admin) and who it is (compacts.actor): see
-- api/reading.py.
CREATE OR REPLACE FUNCTION compacts_member(tenant text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('compacts.admin', true), '') = 'on'
        OR tenant = ANY(coalesce(nullif(current_setting('compacts.tenants', true), ''), '{}')::text[])
$$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['checkpoints', 'idempotent_requests'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        -- The owner (migrations, the auditors' store) keeps every row: FORCE applies to it too.
        EXECUTE format('DROP POLICY IF EXISTS owner_all ON %I', t);
        EXECUTE format('CREATE POLICY owner_all ON %I FOR ALL TO %I USING (true) WITH CHECK (true)', t, current_user);
        EXECUTE format('DROP POLICY IF EXISTS reader ON %I', t);
    END LOOP;
END
$$;
-- Signed checkpoints are public, across tenants.
CREATE POLICY reader ON checkpoints FOR SELECT TO compacts_reader USING (true);
-- Each caller sees and writes only its own idempotency keys (the stored answers may hold private data).
CREATE POLICY reader ON idempotent_requests FOR ALL TO compacts_reader
    USING (actor = current_setting('compacts.actor', true))
    WITH CHECK (actor = current_setting('compacts.actor', true));
