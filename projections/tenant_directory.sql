-- The directory of tenants (tenant_directory.py). Applied at every start; every statement is idempotent.
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
