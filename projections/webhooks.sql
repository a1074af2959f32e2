-- Each tenant's webhook subscriptions (webhooks.py): where and what, never the secret. Applied at every
-- start; every statement is idempotent. Their delivery log and health are the delivery worker's
-- (infra/migrations/0003_webhook_deliveries.sql), kept where no replay can make them again.
CREATE TABLE IF NOT EXISTS webhooks (
    tenant_id text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    url text NOT NULL,
    events text[] NOT NULL,
    include_private boolean NOT NULL,
    created_at timestamptz NOT NULL,
    created_by text NOT NULL,
    deleted_at timestamptz,
    PRIMARY KEY (tenant_id, id)
);
