-- The registry's read models, roles, grants and row-level security, applied at every start after the
-- numbered migrations (infra/migrations/, the tables that cannot be rebuilt); every statement is idempotent.

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

-- Read model: every version of each tenant's compact text (projections/compact_text.py).
-- No foreign key reaches another projection's tables: each read model is rebuilt on its own.
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

-- Read model: the Register of Parties and Compact Champions (projections/register_of_parties.py).
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

-- Read model: Codes of Good Practice with their dates (projections/codes_of_practice.py).
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

-- Read model: proposed amendments and their fate (projections/amendment_proposals.py).
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

-- Read model: annual reviews (projections/annual_reviews.py).
CREATE TABLE IF NOT EXISTS annual_reviews (
    tenant_id text COLLATE "C" NOT NULL,
    held_on date NOT NULL,
    achievements text[] NOT NULL,
    aspirations text[] NOT NULL,
    issues text[] NOT NULL,
    amendments text[] NOT NULL,
    recorded_by text NOT NULL,
    PRIMARY KEY (tenant_id, held_on)
);

-- The rules tenants once set by hand are no read model now: figures come from commitments (ADR 0008).
DROP TABLE IF EXISTS compact_rules;
DROP TABLE IF EXISTS compact_rules_tracking;

-- Read model: disputes and their stages (projections/disputes.py). Private to the tenant.
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

-- Read model: consultations (projections/consultations.py). Public once open; responses private.
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

-- Read model: funding-change notices (projections/funding_notices.py). Public.
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

-- Read model: the four questions asked of each finished joint project at an annual review.
CREATE TABLE IF NOT EXISTS annual_review_projects (
    tenant_id text COLLATE "C" NOT NULL,
    held_on date NOT NULL,
    project text NOT NULL,
    went_well text NOT NULL,
    difficult text NOT NULL,
    different_next_time text NOT NULL,
    strategic_issues text NOT NULL,
    PRIMARY KEY (tenant_id, held_on, project),
    FOREIGN KEY (tenant_id, held_on) REFERENCES annual_reviews (tenant_id, held_on)
);

-- Read model: steering group terms (projections/steering_group.py).
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

-- Read model: each tenant's events in order, with the hash chain as it was published
-- (projections/tenant_history.py). Verification recomputes the chain from the event store.
CREATE TABLE IF NOT EXISTS tenant_events (
    tenant_id text COLLATE "C" NOT NULL,
    position bigint NOT NULL,
    notification_id bigint NOT NULL UNIQUE,
    originator_id text COLLATE "C" NOT NULL,
    originator_version bigint NOT NULL,
    type text NOT NULL,
    recorded_at timestamptz NOT NULL,
    actor text,
    payload jsonb NOT NULL,
    hash text NOT NULL,
    previous_hash text NOT NULL,
    PRIMARY KEY (tenant_id, position)
);

-- The role GraphQL reads run as: it owns nothing and may only read the read models.
DO $$
BEGIN
    CREATE ROLE compacts_reader NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;
GRANT USAGE ON SCHEMA public TO compacts_reader;
GRANT SELECT ON tenants, tenant_ancestors, compact_versions, compact_sections,
    party_memberships, party_contacts, champion_appointments, codes, code_matters, code_endorsements,
    steering_terms, amendment_proposals, annual_reviews, tenant_events, checkpoints, compact_commitments, disputes,
    dispute_stages, board_referrals, consultations, consultation_responses, funding_notices,
    annual_review_projects TO compacts_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotent_requests TO compacts_reader;

-- The role projections write as (projections/base.py): the read models and nothing else.
DO $$
BEGIN
    CREATE ROLE compacts_worker NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
EXCEPTION WHEN duplicate_object THEN NULL;
END
$$;
-- The migrating user lends the worker role to itself (SET LOCAL ROLE needs membership).
DO $$
BEGIN
    EXECUTE format('GRANT compacts_worker TO %I', current_user);
EXCEPTION WHEN OTHERS THEN NULL;  -- already a member, or a superuser who needs none
END
$$;
GRANT USAGE ON SCHEMA public TO compacts_worker;
GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, tenant_ancestors, compact_versions, compact_sections,
    party_memberships, party_contacts, champion_appointments, codes, code_matters, code_endorsements,
    steering_terms, amendment_proposals, annual_reviews, tenant_events, compact_commitments, disputes,
    dispute_stages, board_referrals, consultations, consultation_responses, funding_notices,
    annual_review_projects TO compacts_worker;

-- Row-level security: ENABLE and FORCE on every read-model table, so no query can forget a
-- tenant filter. The API reads as compacts_reader with, per transaction, the tenants whose
-- private rows it may see (compacts.tenants, an array in PostgreSQL's text form: never split on commas,
-- so a tenant claim cannot smuggle in a second tenant), whether it is a platform admin (compacts.admin)
-- and who it is (compacts.actor): see api/reading.py.
CREATE OR REPLACE FUNCTION compacts_member(tenant text) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('compacts.admin', true), '') = 'on'
        OR tenant = ANY(coalesce(nullif(current_setting('compacts.tenants', true), ''), '{}')::text[])
$$;

DO $$
DECLARE
    t text;
    public_tables text[] := ARRAY[
        'tenants', 'tenant_ancestors', 'compact_versions', 'compact_sections', 'party_memberships',
        'champion_appointments', 'steering_terms', 'amendment_proposals', 'annual_reviews', 'checkpoints',
        'compact_commitments', 'funding_notices', 'annual_review_projects'];
    private_tables text[] := ARRAY['party_contacts', 'tenant_events', 'disputes', 'dispute_stages',
        'board_referrals', 'consultation_responses'];
    all_tables text[] := public_tables || private_tables
        || ARRAY['codes', 'code_matters', 'code_endorsements', 'consultations', 'idempotent_requests'];
BEGIN
    FOREACH t IN ARRAY all_tables LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        -- The owner (migrations, the projection worker) keeps every row: FORCE applies to it too.
        EXECUTE format('DROP POLICY IF EXISTS owner_all ON %I', t);
        EXECUTE format('CREATE POLICY owner_all ON %I FOR ALL TO %I USING (true) WITH CHECK (true)', t, current_user);
        EXECUTE format('DROP POLICY IF EXISTS reader ON %I', t);
        EXECUTE format('DROP POLICY IF EXISTS worker ON %I', t);
        IF t NOT IN ('idempotent_requests', 'checkpoints') THEN
            EXECUTE format('CREATE POLICY worker ON %I FOR ALL TO compacts_worker USING (true) WITH CHECK (true)', t);
        END IF;
    END LOOP;
    -- Published compacts, tiers, registers and their outcomes are public, across tenants.
    FOREACH t IN ARRAY public_tables LOOP
        EXECUTE format('CREATE POLICY reader ON %I FOR SELECT TO compacts_reader USING (true)', t);
    END LOOP;
    -- Personal contacts and the audit history: the tenant's members, its auditors, platform admins.
    FOREACH t IN ARRAY private_tables LOOP
        EXECUTE format('CREATE POLICY reader ON %I FOR SELECT TO compacts_reader USING (compacts_member(tenant_id))', t);
    END LOOP;
END
$$;
-- A code that was never adopted is a draft: its own tenant's business until adopted.
CREATE POLICY reader ON codes FOR SELECT TO compacts_reader
    USING (adopted_on IS NOT NULL OR compacts_member(tenant_id));
CREATE POLICY reader ON code_matters FOR SELECT TO compacts_reader
    USING (EXISTS (SELECT 1 FROM codes c WHERE c.tenant_id = code_matters.tenant_id AND c.key = code_matters.key));
CREATE POLICY reader ON code_endorsements FOR SELECT TO compacts_reader
    USING (EXISTS (SELECT 1 FROM codes c WHERE c.tenant_id = code_endorsements.tenant_id AND c.key = code_endorsements.key));
-- A consultation announced ahead of its opening day is the tenant's own business until then.
CREATE POLICY reader ON consultations FOR SELECT TO compacts_reader
    USING (opens_on <= (now() AT TIME ZONE 'Europe/London')::date OR compacts_member(tenant_id));
-- Each caller sees and writes only its own idempotency keys (the stored answers may hold private data).
CREATE POLICY reader ON idempotent_requests FOR ALL TO compacts_reader
    USING (actor = current_setting('compacts.actor', true))
    WITH CHECK (actor = current_setting('compacts.actor', true));
