-- Webhook deliveries: what the delivery worker has taken from the event store, and each delivery's attempts.
-- No replay can make them again (a replay would send every event anew), so they are numbered migrations'.

-- Every subscription as the delivery worker has followed it through the event store, with its health: a
-- subscription whose delivery failed every attempt is disabled, and nothing more is sent to it.
CREATE TABLE webhook_targets (
    webhook_id text COLLATE "C" PRIMARY KEY,
    tenant_id text COLLATE "C" NOT NULL,
    url text NOT NULL,
    events text[] NOT NULL,
    include_private boolean NOT NULL,
    -- The signing secret as the event holds it, sealed; its key is in person_keys. Never granted to readers.
    sealed_secret text NOT NULL,
    created_position bigint NOT NULL,
    deleted boolean NOT NULL DEFAULT false,
    failures int NOT NULL DEFAULT 0,
    disabled_at timestamptz
);
CREATE INDEX webhook_targets_tenant_idx ON webhook_targets (tenant_id);

-- One row per event and subscription, made in the same transaction as the position below moves past the
-- event: none is lost or made twice by a crash. `body` is the exact text sent and signed.
CREATE TABLE webhook_deliveries (
    webhook_id text COLLATE "C" NOT NULL,
    notification_id bigint NOT NULL,
    tenant_id text COLLATE "C" NOT NULL,
    id text NOT NULL UNIQUE,
    event text NOT NULL,
    body text NOT NULL,
    status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_attempt_at timestamptz,
    response_status int,
    last_error text,
    PRIMARY KEY (webhook_id, notification_id)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (webhook_id, notification_id)
    WHERE status = 'PENDING';

-- How far through the event store the delivery worker has made deliveries: one row.
CREATE TABLE webhook_position (
    id int PRIMARY KEY CHECK (id = 1),
    notification_id bigint NOT NULL
);
INSERT INTO webhook_position VALUES (1, 0);
