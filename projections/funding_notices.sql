-- Funding-change notices (funding_notices.py). Public. Applied at every start; every statement is
-- idempotent.
CREATE TABLE IF NOT EXISTS funding_notices (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    public_body text NOT NULL,
    voluntary_body text NOT NULL,
    change text NOT NULL,
    given_on date NOT NULL,
    effective_on date NOT NULL,
    rationale text NOT NULL,
    minimum_amount int,
    minimum_unit text,
    governed_by jsonb,
    exceptional_circumstances text,
    PRIMARY KEY (tenant_id, key)
);
ALTER TABLE funding_notices DROP COLUMN IF EXISTS minimum_months;
ALTER TABLE funding_notices ADD COLUMN IF NOT EXISTS minimum_amount int;
ALTER TABLE funding_notices ADD COLUMN IF NOT EXISTS minimum_unit text;
ALTER TABLE funding_notices ADD COLUMN IF NOT EXISTS governed_by jsonb;
