-- Each tenant's events in order, with the hash chain as it was published (tenant_history.py).
-- Verification recomputes the chain from the event store. Applied at every start; every statement is
-- idempotent.
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
