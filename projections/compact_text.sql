-- Every version of each tenant's compact text (compact_text.py). Applied at every start; every statement
-- is idempotent. No foreign key reaches another read model's tables: each read model is rebuilt on its own.
-- Each version keeps its whole set of sections, so "in force on a date" is one indexed lookup.
CREATE TABLE IF NOT EXISTS compact_versions (
    tenant_id text COLLATE "C" NOT NULL,
    version int NOT NULL,
    title text NOT NULL,
    effective_on date NOT NULL,
    rationale text,
    recorded_at timestamptz NOT NULL,
    recorded_by text NOT NULL,
    recorded_as text,
    position bigint NOT NULL,
    PRIMARY KEY (tenant_id, version)
);
-- The role each version was recorded in: the public sees it in place of the person.
ALTER TABLE compact_versions ADD COLUMN IF NOT EXISTS recorded_as text;
-- A draft published for consultation is in force only once adopted (adopted_on, as known at
-- adopted_recorded_at); a version recorded in force has draft = false.
ALTER TABLE compact_versions ADD COLUMN IF NOT EXISTS draft boolean NOT NULL DEFAULT false;
ALTER TABLE compact_versions ADD COLUMN IF NOT EXISTS consultation_closes_on date;
ALTER TABLE compact_versions ADD COLUMN IF NOT EXISTS adopted_on date;
ALTER TABLE compact_versions ADD COLUMN IF NOT EXISTS adopted_recorded_at timestamptz;
CREATE INDEX IF NOT EXISTS compact_versions_in_force_idx
    ON compact_versions (tenant_id, effective_on DESC, version DESC);
CREATE TABLE IF NOT EXISTS compact_sections (
    tenant_id text COLLATE "C" NOT NULL,
    version int NOT NULL,
    ordinal int NOT NULL,
    key text NOT NULL,
    heading text NOT NULL,
    body text NOT NULL,
    matters text[] NOT NULL,
    PRIMARY KEY (tenant_id, version, key),
    FOREIGN KEY (tenant_id, version) REFERENCES compact_versions (tenant_id, version)
);
-- Matters a section only promises to develop: they do not count as covered in the lookup.
ALTER TABLE compact_sections ADD COLUMN IF NOT EXISTS planned text[] NOT NULL DEFAULT '{}';
-- Each version's commitments, with the section that holds each (domain/commitments.py).
CREATE TABLE IF NOT EXISTS compact_commitments (
    tenant_id text COLLATE "C" NOT NULL,
    version int NOT NULL,
    key text NOT NULL,
    section_key text NOT NULL,
    ordinal int NOT NULL,
    kind text NOT NULL,
    firmness text NOT NULL CHECK (firmness IN ('IN_FORCE', 'PLANNED')),
    summary text NOT NULL,
    bound text[] NOT NULL,
    period_amount int,
    period_unit text,
    exceptions text[] NOT NULL,
    steps jsonb NOT NULL,
    quote text NOT NULL,
    PRIMARY KEY (tenant_id, version, key),
    FOREIGN KEY (tenant_id, version) REFERENCES compact_versions (tenant_id, version)
);
CREATE INDEX IF NOT EXISTS compact_commitments_kind_idx ON compact_commitments (tenant_id, version, kind);
