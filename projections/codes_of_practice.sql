-- Codes of Good Practice with their dates (codes_of_practice.py). Applied at every start; every statement
-- is idempotent.
CREATE TABLE IF NOT EXISTS codes (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    title text NOT NULL,
    lead text,
    drafted_on date NOT NULL,
    drafted_recorded_at timestamptz NOT NULL,
    adopted_on date,
    adopted_recorded_at timestamptz,
    reviewed_on date,
    next_review_due date,
    withdrawn_on date,
    withdrawn_recorded_at timestamptz,
    withdrawal_reason text,
    superseded_on date,
    superseded_recorded_at timestamptz,
    superseded_by text,
    position bigint NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
-- Each matter a code covers, from the date it began to (a merge adds the merged code's matters).
CREATE TABLE IF NOT EXISTS code_matters (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    matter text NOT NULL,
    from_on date NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key, matter),
    FOREIGN KEY (tenant_id, key) REFERENCES codes (tenant_id, key)
);
CREATE INDEX IF NOT EXISTS code_matters_matter_idx ON code_matters (matter, tenant_id);
CREATE TABLE IF NOT EXISTS code_endorsements (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    party text NOT NULL,
    endorsed_on date NOT NULL,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, key, party),
    FOREIGN KEY (tenant_id, key) REFERENCES codes (tenant_id, key)
);
