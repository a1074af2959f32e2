-- The registry's tables. Applied at every start; every statement is idempotent.

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

-- Read model: the directory of tenants (projections/tenant_directory.py).
CREATE TABLE IF NOT EXISTS tenants (
    tenant_id text COLLATE "C" PRIMARY KEY,
    name text NOT NULL,
    tier text NOT NULL CHECK (tier IN ('NATIONAL', 'REGIONAL', 'COUNTY', 'DISTRICT')),
    parent_id text COLLATE "C" REFERENCES tenants (tenant_id),
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    position bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS tenants_parent_idx ON tenants (parent_id, tenant_id);
CREATE INDEX IF NOT EXISTS tenants_tier_idx ON tenants (tier, tenant_id);

-- Every tenant with each of its ancestors (and itself at depth 0): the tiered lookup reads
-- a locality's whole chain in one indexed query instead of one query per level.
CREATE TABLE IF NOT EXISTS tenant_ancestors (
    tenant_id text COLLATE "C" NOT NULL REFERENCES tenants (tenant_id),
    ancestor_id text COLLATE "C" NOT NULL REFERENCES tenants (tenant_id),
    depth int NOT NULL CHECK (depth >= 0),
    PRIMARY KEY (tenant_id, depth)
);
CREATE INDEX IF NOT EXISTS tenant_ancestors_ancestor_idx ON tenant_ancestors (ancestor_id);

-- The role GraphQL reads run as: it owns nothing and may only read the read models.
DO $$
BEGIN
    CREATE ROLE compacts_reader NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO compacts_reader;
GRANT SELECT ON tenants, tenant_ancestors TO compacts_reader;
