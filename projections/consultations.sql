-- Consultations (consultations.py). Public once open; responses private. Applied at every start; every
-- statement is idempotent.
CREATE TABLE IF NOT EXISTS consultations (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    title text NOT NULL,
    consulted text[] NOT NULL,
    opens_on date NOT NULL,
    closes_on date NOT NULL,
    minimum_amount int,
    minimum_unit text,
    governed_by jsonb,
    uniform_at text,
    short_reason text,
    short_explanation text,
    closed_on date,
    feedback_on date,
    feedback text,
    PRIMARY KEY (tenant_id, key)
);
-- The period comes from the commitment that governed when the consultation opened, where one set it.
ALTER TABLE consultations DROP COLUMN IF EXISTS minimum_weeks;
ALTER TABLE consultations ADD COLUMN IF NOT EXISTS minimum_amount int;
ALTER TABLE consultations ADD COLUMN IF NOT EXISTS minimum_unit text;
ALTER TABLE consultations ADD COLUMN IF NOT EXISTS governed_by jsonb;
ALTER TABLE consultations ADD COLUMN IF NOT EXISTS uniform_at text;
CREATE TABLE IF NOT EXISTS consultation_responses (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    respondent text NOT NULL,
    received_on date NOT NULL,
    summary text NOT NULL,
    PRIMARY KEY (tenant_id, key, respondent),
    FOREIGN KEY (tenant_id, key) REFERENCES consultations (tenant_id, key)
);
