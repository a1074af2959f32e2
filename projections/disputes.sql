-- Disputes and their stages (disputes.py). Private to the tenant. Applied at every start; every statement
-- is idempotent.
CREATE TABLE IF NOT EXISTS disputes (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    raised_by text NOT NULL,
    against text NOT NULL,
    commitment text NOT NULL,
    summary text NOT NULL,
    raised_on date NOT NULL,
    status text NOT NULL CHECK (status IN ('OPEN', 'RESOLVED', 'WITHDRAWN')),
    stage text NOT NULL,
    closed_on date,
    outcome text,
    steps jsonb NOT NULL DEFAULT '[]',
    governed_by jsonb,
    PRIMARY KEY (tenant_id, key)
);
-- The steps of the process the dispute follows, and the commitment that set them.
ALTER TABLE disputes ADD COLUMN IF NOT EXISTS steps jsonb NOT NULL DEFAULT '[]';
ALTER TABLE disputes ADD COLUMN IF NOT EXISTS governed_by jsonb;
CREATE TABLE IF NOT EXISTS dispute_stages (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    stage text NOT NULL,
    started_on date NOT NULL,
    deadline_on date,
    ended_on date,
    handled_by text,
    reason text,
    PRIMARY KEY (tenant_id, key, stage),
    FOREIGN KEY (tenant_id, key) REFERENCES disputes (tenant_id, key)
);
-- A step's deadline only where the compact sets a time limit.
ALTER TABLE dispute_stages ALTER COLUMN deadline_on DROP NOT NULL;
-- Referrals to the board, with or without a dispute. The earlier shape (one per dispute and party) is
-- replaced; `compacts rebuild` fills it again from the events.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_name = 'board_referrals' AND column_name = 'key') THEN
        DROP TABLE board_referrals;
    END IF;
END
$$;
CREATE TABLE IF NOT EXISTS board_referrals (
    tenant_id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    party text NOT NULL,
    referred_on date NOT NULL,
    finding text NOT NULL,
    dispute text,
    PRIMARY KEY (tenant_id, position)
);
