-- Proposed amendments and their fate (amendment_proposals.py). Applied at every start; every statement is
-- idempotent.
CREATE TABLE IF NOT EXISTS amendment_proposals (
    tenant_id text COLLATE "C" NOT NULL,
    key text NOT NULL,
    rationale text NOT NULL,
    effective_on date NOT NULL,
    proposed_on date NOT NULL,
    consultation_closes_on date,
    upserted jsonb NOT NULL,
    removed text[] NOT NULL,
    status text NOT NULL CHECK (status IN ('PROPOSED', 'ADOPTED', 'REJECTED')),
    decided_on date,
    rejection_reason text,
    PRIMARY KEY (tenant_id, key)
);
