"""Each tenant's webhook subscriptions, with the status and delivery log the delivery worker keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.events import tenant_of
from domain.webhooks import Webhook
from projections.base import MEMBERS, ProjectionSpec, ReadModelView, Table

NAME = "webhooks"

CREATED = """
INSERT INTO webhooks (tenant_id, id, url, events, include_private, created_at, created_by)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""
DELETED = "UPDATE webhooks SET deleted_at = %s WHERE tenant_id = %s AND id = %s"


class WebhooksView(ReadModelView):
    projection_name = NAME


class Webhooks(Projection[WebhooksView]):
    name = NAME
    topics = (get_topic(Webhook.WebhookCreated), get_topic(Webhook.WebhookDeleted))

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: Webhook.WebhookCreated, tracking: Tracking) -> None:
        tenant = tenant_of(e.originator_id)
        row = (tenant, e.originator_id, e.url, list(e.events), e.include_private, e.timestamp, e.actor)
        self.view.apply(tracking, (CREATED, row))

    @process_event.register
    def _(self, e: Webhook.WebhookDeleted, tracking: Tracking) -> None:
        self.view.apply(tracking, (DELETED, (e.timestamp, tenant_of(e.originator_id), e.originator_id)))


# Its table (webhooks.sql): the tenant's own business, like its disputes.
READ_MODEL = ProjectionSpec(
    Webhooks, WebhooksView, tables=(Table("webhooks", order_by="tenant_id, id", readers=MEMBERS),)
)


@dataclass(frozen=True)
class DeliveryRow:
    id: str
    event: str
    status: str
    attempts: int
    last_attempt_at: datetime | None
    response_status: int | None


@dataclass(frozen=True)
class WebhookRow:
    id: str
    tenant: str
    url: str
    events: list[str]
    include_private: bool
    status: str
    created_at: datetime


WEBHOOKS = """
SELECT w.tenant_id, w.id, w.url, w.events, w.include_private, w.created_at,
       CASE WHEN t.disabled_at IS NOT NULL THEN 'DISABLED' ELSE 'ACTIVE' END AS status
FROM webhooks w LEFT JOIN webhook_targets t ON t.webhook_id = w.id
WHERE w.tenant_id = $1 AND ($2::text IS NULL OR w.id = $2) AND w.deleted_at IS NULL
ORDER BY w.created_at, w.id
"""


async def webhooks_of(conn: asyncpg.Connection, tenant: str, only: str | None = None) -> list[WebhookRow]:
    """The tenant's subscriptions that are not deleted, oldest first (or only the one named)."""
    return [
        WebhookRow(
            r["id"],
            r["tenant_id"],
            r["url"],
            list(r["events"]),
            r["include_private"],
            r["status"],
            r["created_at"],
        )
        for r in await conn.fetch(WEBHOOKS, tenant, only)
    ]


async def deliveries_of(conn: asyncpg.Connection, webhook: str, first: int) -> list[DeliveryRow]:
    """A subscription's most recent deliveries, newest first."""
    return [
        DeliveryRow(
            r["id"], r["event"], r["status"], r["attempts"], r["last_attempt_at"], r["response_status"]
        )
        for r in await conn.fetch(
            "SELECT id, event, status, attempts, last_attempt_at, response_status FROM webhook_deliveries"
            " WHERE webhook_id = $1 ORDER BY notification_id DESC LIMIT $2",
            webhook,
            first,
        )
    ]
