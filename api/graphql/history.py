"""A tenant's history in GraphQL, for auditors: its events in order, the hash chain, signed checkpoints."""

from __future__ import annotations

import base64
from dataclasses import asdict
from datetime import datetime

import strawberry
from litestar.concurrency import sync_to_thread
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.common import DEFAULT_PAGE, PageInfo, page_asked
from api.graphql.context import Context
from api.graphql.response_cache import answered_elsewhere
from domain.errors import InvalidInput, NotFound
from projections import tenant_history
from services.audit import require_auditor


@strawberry.type(description="One event of a tenant's history, with its link in the hash chain.")
class HistoryEvent:
    position: int
    type: str
    recorded_at: datetime
    actor: str | None
    payload: JSON
    hash: str
    previous_hash: str


@strawberry.type
class HistoryEdge:
    cursor: str
    node: HistoryEvent


@strawberry.type(description="A page of a tenant's history, oldest first.")
class HistoryConnection:
    edges: list[HistoryEdge]
    page_info: PageInfo


@strawberry.type(description="A signed statement of a tenant's chain head at a position (Ed25519, by `kid`).")
class Checkpoint:
    tenant: str
    position: int
    head_hash: str
    signed_at: str
    kid: str
    signature: str = strawberry.field(description="Base64url Ed25519 signature; the key is in the JWKS.")


@strawberry.type(description="The tenant's hash chain recomputed from the event store.")
class Verification:
    ok: bool
    checked: int
    first_bad_position: int | None
    head_hash: str | None


def _history_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"history:{position}".encode()).decode()


def _history_position(cursor: str, argument: str) -> int:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    prefix, _, position = decoded.partition(":")
    if prefix != "history" or not position.isdigit():
        raise InvalidInput(f"The cursor is not one this registry gave out; start again without `{argument}`.")
    return int(position)


@strawberry.type
class Query:
    @strawberry.field(
        description="A tenant's events in order (auditors and editors of the tenant, platform-admins): "
        "`first` after `after`, or the `last` before `before` (at most 100 a page)."
    )
    async def history(
        self,
        info: Info[Context, None],
        tenant: str,
        first: int | None = DEFAULT_PAGE,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> HistoryConnection:
        require_auditor(info.context.actor, tenant, "read the history")
        page = page_asked(info, first, last, after, before)
        if await info.context.loaders.tenant.load(tenant) is None:
            raise NotFound(f"There is no tenant '{tenant}'.")
        start = _history_position(page.after, "after") if page.after is not None else 0
        end = _history_position(page.before, "before") if page.before is not None else None
        async with info.context.read() as conn:
            rows, more = await tenant_history.history_page(
                conn, tenant, start, page.size, end, backward=page.backward
            )
        edges = [
            HistoryEdge(
                cursor=_history_cursor(r.position),
                node=HistoryEvent(
                    position=r.position,
                    type=r.type,
                    recorded_at=r.recorded_at,
                    actor=r.actor,
                    payload=r.payload,
                    hash=r.hash,
                    previous_hash=r.previous_hash,
                ),
            )
            for r in rows
        ]
        return HistoryConnection(edges=edges, page_info=page.info([e.cursor for e in edges], more))

    @strawberry.field(description="The tenant's signed checkpoints (public: copy them out of the system).")
    async def checkpoints(self, info: Info[Context, None], tenant: str) -> list[Checkpoint]:
        answered_elsewhere(info.context)
        made = await sync_to_thread(info.context.services.audit.checkpoints, tenant)
        return [Checkpoint(**asdict(c)) for c in made]

    @strawberry.field(description="Recompute the tenant's hash chain from the event store and compare.")
    async def verify_history(self, info: Info[Context, None], tenant: str) -> Verification:
        answered_elsewhere(info.context)
        result = await sync_to_thread(info.context.services.audit.verify_history, info.context.actor, tenant)
        return Verification(
            ok=result.ok,
            checked=result.checked,
            first_bad_position=result.first_bad_position,
            head_hash=result.head_hash,
        )
