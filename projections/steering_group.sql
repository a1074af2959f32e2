-- Steering group terms (steering_group.py). Applied at every start; every statement is idempotent.
CREATE TABLE IF NOT EXISTS steering_terms (
    tenant_id text COLLATE "C" NOT NULL,
    term int NOT NULL,
    role text NOT NULL,
    holder text NOT NULL,
    party text,
    code text,
    since date NOT NULL,
    until date,
    PRIMARY KEY (tenant_id, term)
);
