-- The Register of Parties and Compact Champions (register_of_parties.py). Applied at every start; every
-- statement is idempotent.
CREATE TABLE IF NOT EXISTS party_memberships (
    tenant_id text COLLATE "C" NOT NULL,
    party_key text NOT NULL,
    membership int NOT NULL,
    name text NOT NULL,
    sector text NOT NULL,
    kind text,
    signed_on date NOT NULL,
    signed_recorded_at timestamptz NOT NULL,
    withdrawn_on date,
    withdrawn_recorded_at timestamptz,
    withdrawal_reason text,
    PRIMARY KEY (tenant_id, party_key, membership)
);
-- Personal data: the tenant's members see it, the public never does.
CREATE TABLE IF NOT EXISTS party_contacts (
    tenant_id text COLLATE "C" NOT NULL,
    party_key text NOT NULL,
    subject text,
    name text NOT NULL,
    email text,
    phone text,
    recorded_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, party_key)
);
CREATE TABLE IF NOT EXISTS champion_appointments (
    tenant_id text COLLATE "C" NOT NULL,
    party_key text NOT NULL,
    appointment int NOT NULL,
    party text NOT NULL,
    name text NOT NULL,
    subject text,
    role text,
    appointed_on date NOT NULL,
    appointed_recorded_at timestamptz NOT NULL,
    ended_on date,
    ended_recorded_at timestamptz,
    PRIMARY KEY (tenant_id, party_key, appointment)
);

-- A party may name several champions, one per role.
ALTER TABLE champion_appointments ADD COLUMN IF NOT EXISTS role text;
