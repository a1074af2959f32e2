"""Webhooks in GraphQL: a tenant's subscriptions with their status and delivery log; create and delete."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.run import run
from domain import commands
from domain.actors import Actor, require_editor
from domain.errors import InvalidInput, NotFound
from domain.webhooks import DeliveryStatus, WebhookStatus
from projections.webhooks import WebhookRow, deliveries_of, webhooks_of
from services.registry import Recorded
from services.webhooks import CreatedWebhook

# The delivery log is read newest first, at most this many at a time.
MAX_DELIVERIES = 100


@strawberry.type(description="One event sent (or being sent) to a webhook, with its attempts.")
class Delivery:
    id: strawberry.ID = strawberry.field(
        description="The webhook-id header it is sent with, on every attempt."
    )
    event: str = strawberry.field(description="The event's type, as `history` names it.")
    status: DeliveryStatus
    attempts: int
    last_attempt_at: datetime | None
    response_status: int | None = strawberry.field(
        description="The receiver's HTTP status at the last attempt."
    )


@strawberry.type(description="A subscription to a tenant's events, sent signed to a URL (Standard Webhooks).")
class Webhook:
    id: strawberry.ID
    url: str
    events: list[str]
    include_private: bool = strawberry.field(description="Whether the tenant's private events are sent too.")
    status: WebhookStatus
    created_at: datetime

    @strawberry.field(description="The most recent deliveries, newest first.")
    async def deliveries(self, info: Info[Context, None], first: int = 20) -> list[Delivery]:
        if not 0 <= first <= MAX_DELIVERIES:
            raise InvalidInput(f"Ask for between 0 and {MAX_DELIVERIES} deliveries at a time.")
        async with info.context.loaders.reads.read() as conn:
            rows = await deliveries_of(conn, str(self.id), first)
        return [
            Delivery(
                id=strawberry.ID(r.id),
                event=r.event,
                status=DeliveryStatus(r.status),
                attempts=r.attempts,
                last_attempt_at=r.last_attempt_at,
                response_status=r.response_status,
            )
            for r in rows
        ]


@strawberry.type(
    description="A new webhook and its signing secret, which is shown this once and never again."
)
class WebhookCreated:
    webhook: Webhook
    secret: str = strawberry.field(
        description="The Standard Webhooks secret ('whsec_' and base64) that signs every delivery; "
        "keep it safe."
    )


def webhook_of(row: WebhookRow) -> Webhook:
    return Webhook(
        id=strawberry.ID(row.id),
        url=row.url,
        events=row.events,
        include_private=row.include_private,
        status=WebhookStatus(row.status),
        created_at=row.created_at,
    )


@strawberry.type
class Query:
    @strawberry.field(description="A tenant's webhooks (its editors, or a platform-admin).")
    async def webhooks(self, info: Info[Context, None], tenant: str) -> list[Webhook]:
        ctx = info.context
        require_editor(ctx.actor, tenant, "read webhooks")
        async with ctx.loaders.reads.read() as conn:
            rows = await webhooks_of(conn, tenant)
        return [webhook_of(r) for r in rows]


class _Kept:
    """What the service returned besides its position: the run helper passes on only the position."""

    created: CreatedWebhook | None = None


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Send a tenant's events to a URL, signed (Standard Webhooks); the answer holds the "
        "secret, "
        "shown this once. `events` names event types as `history` does, or '*' for all."
    )
    async def create_webhook(
        self,
        info: Info[Context, None],
        tenant: str,
        url: str,
        events: list[str],
        include_private: bool = False,
    ) -> WebhookCreated:
        ctx = info.context
        command = commands.CreateWebhook(
            tenant=tenant, url=url, events=tuple(events), include_private=include_private
        )
        kept = _Kept()

        def create(actor: Actor, command: commands.CreateWebhook) -> Recorded:
            kept.created = ctx.services.webhooks.create(actor, command)
            return kept.created.recorded

        await run(ctx, create, command)
        assert kept.created is not None
        async with ctx.loaders.reads.read() as conn:
            rows = await webhooks_of(conn, tenant, kept.created.id)
        if not rows:
            raise NotFound(f"The webhook '{kept.created.id}' was recorded but cannot be read back.")
        return WebhookCreated(webhook=webhook_of(rows[0]), secret=kept.created.secret)

    @strawberry.mutation(description="Stop sending events to a webhook; its secret is erased.")
    async def delete_webhook(self, info: Info[Context, None], id: strawberry.ID) -> bool:
        ctx = info.context
        await run(ctx, ctx.services.webhooks.delete, commands.DeleteWebhook(id=str(id)))
        return True
