-- infra's roles and the security of its own tables, applied at every start after the numbered migrations
-- (infra/migrations/: the event store, checkpoints, person keys, idempotency keys, which no replay can make
-- again); every statement is idempotent. Each read model's tables are its own (projections/*.sql, made and
-- secured by projections/catalogue.py after this).

-- The role GraphQL reads run as: it owns nothing and may only read (the read models' grants are
-- projections/catalogue.py's).
DO $$
BEGIN
    CREATE ROLE compacts_reader NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- made before, or by a database migrating now
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
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- made before, or by a database migrating now
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
-- The tenant history links each event in the format chain_link_formats gives it (infra/chain.py).
GRANT SELECT ON chain_link_formats TO compacts_worker;
-- A catch-up batch stages its rows in temporary tables (COPY is refused into a table under row-level
-- security; ADR 0017). PostgreSQL gives TEMPORARY to PUBLIC by default; this holds where that was revoked.
DO $$
BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO compacts_worker', current_database());
EXCEPTION WHEN insufficient_privilege THEN NULL;  -- not the database's owner: PUBLIC's grant must do
END
$$;

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
    FOREACH t IN ARRAY ARRAY['checkpoints', 'idempotent_requests', 'webhook_targets', 'webhook_deliveries'] LOOP
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
-- A tenant's webhooks' health and delivery log: its members' business. Not the sealed secret: readers are
-- granted the other columns only.
GRANT SELECT (webhook_id, tenant_id, url, events, include_private, created_position, deleted, failures,
              disabled_at) ON webhook_targets TO compacts_reader;
GRANT SELECT ON webhook_deliveries TO compacts_reader;
CREATE POLICY reader ON webhook_targets FOR SELECT TO compacts_reader USING (compacts_member(tenant_id));
CREATE POLICY reader ON webhook_deliveries FOR SELECT TO compacts_reader USING (compacts_member(tenant_id));
