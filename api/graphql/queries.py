"""The GraphQL queries: tenants, the tiered lookup, matters, history and its verification."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import strawberry
from litestar.concurrency import sync_to_thread
from strawberry.types import Info

from api.graphql.commitment_types import Commitment, CommitmentKind, Governing
from api.graphql.context import Context
from api.graphql.types import (
    MAX_PAGE,
    Checkpoint,
    Code,
    HistoryConnection,
    HistoryEdge,
    HistoryEvent,
    Lookup,
    LookupStep,
    Matter,
    PageInfo,
    RecordedAt,
    Section,
    Tenant,
    Tier,
    Verification,
    _history_cursor,
    _history_position,
    moment,
)
from domain import commitments, matters, tenancy
from domain import lookup as lookup_walk
from domain.errors import InvalidInput, NotFound
from domain.matters import MATTERS
from projections import tenant_directory, tenant_history, tiered_lookup
from services.audit import require_auditor


@strawberry.type
class Query:
    @strawberry.field(
        description="The controlled vocabulary of matters, matched case-insensitively with aliases."
    )
    def matters(self) -> list[Matter]:
        return [Matter(key=m.key, title=m.title, aliases=list(m.aliases)) for m in MATTERS]

    @strawberry.field(
        description=(
            "Which compact governs `matter` for an organisation in `locality` on `asOf` (default today): "
            "most local first; with `uniformAt`, from the nearest level of that tier up, "
            "then most local first."
        )
    )
    async def lookup(
        self,
        info: Info[Context, None],
        locality: str,
        matter: str,
        as_of: date | None = None,
        uniform_at: Tier | None = None,
        recorded_at: RecordedAt = None,
    ) -> Lookup:
        known = matters.resolve_matter(matter)
        _, day, recorded = moment(locality, as_of, recorded_at)
        async with info.context.read() as conn:
            chain = await tiered_lookup.chain_of(conn, locality, known.key, day, recorded)
        if not chain:
            raise NotFound(f"There is no tenant '{locality}' to look up from.")
        answer = lookup_walk.walk(chain, known, day, tenancy.Tier(uniform_at.value) if uniform_at else None)
        by_slug = {level.slug: level for level in chain}
        loaders = info.context.loaders
        tenants = {
            slug: Tenant.from_row(row)
            for slug, row in zip(by_slug, await loaders.tenant.load_many(list(by_slug)), strict=True)
            if row is not None
        }
        trail = [LookupStep(tenant=tenants[s.slug], covered=s.covered, reason=s.reason) for s in answer.trail]
        sections: list[Section] = []
        codes: list[Code] = []
        if answer.answered_by is not None:
            level = by_slug[answer.answered_by]
            compact_row = await loaders.compact.load((level.slug, day, recorded))
            if compact_row is not None:
                sections = [
                    Section.of(level.slug, compact_row.version, s)
                    for s in compact_row.sections
                    if s.key in level.sections
                ]
            code_rows = await loaders.codes.load((level.slug, day, recorded))
            codes = [Code.from_row(c) for c in code_rows if c.key in level.codes(day)]
        return Lookup(
            answered_by=tenants.get(answer.answered_by) if answer.answered_by else None,
            sections=sections,
            codes=codes,
            trail=trail,
            explanation=answer.explanation,
        )

    @strawberry.field(
        description=(
            "Which commitment of `kind` governs `locality` on `asOf` (default today): walked like `lookup`, "
            "the most local compact in force with such a commitment in force answers; a PLANNED one is "
            "passed over. With `uniformAt`, from the nearest level of that tier up, then most local first."
        )
    )
    async def governing(
        self,
        info: Info[Context, None],
        locality: str,
        kind: CommitmentKind,  # type: ignore[valid-type]
        as_of: date | None = None,
        uniform_at: Tier | None = None,
        recorded_at: RecordedAt = None,
    ) -> Governing:
        _, day, recorded = moment(locality, as_of, recorded_at)
        wanted = commitments.CommitmentKind(kind)
        async with info.context.read() as conn:
            chain = await tiered_lookup.governing_chain_of(conn, locality, wanted, day, recorded)
        if not chain:
            raise NotFound(f"There is no tenant '{locality}' to look up from.")
        found = lookup_walk.govern(chain, wanted, day, tenancy.Tier(uniform_at.value) if uniform_at else None)
        rows = await info.context.loaders.tenant.load_many([level.slug for level in chain])
        tenants = {row.slug: Tenant.from_row(row) for row in rows if row is not None}
        commitment = (
            Commitment.of(found.tenant, found.version or 0, found.placed.section, found.placed.commitment)
            if found.tenant is not None and found.placed is not None
            else None
        )
        return Governing(
            commitment=commitment,
            trail=[
                LookupStep(tenant=tenants[s.slug], covered=s.covered, reason=s.reason) for s in found.trail
            ],
            explanation=found.explanation,
        )

    @strawberry.field(
        description="A tenant's events in order (auditors and editors of the tenant, platform-admins)."
    )
    async def history(
        self, info: Info[Context, None], tenant: str, first: int | None = 50, after: str | None = None
    ) -> HistoryConnection:
        require_auditor(info.context.actor, tenant, "read the history")
        first = 50 if first is None else first
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"`first` must be between 1 and {MAX_PAGE}.")
        if await info.context.loaders.tenant.load(tenant) is None:
            raise NotFound(f"There is no tenant '{tenant}'.")
        start = _history_position(after) if after is not None else 0
        async with info.context.read() as conn:
            rows, more = await tenant_history.history_page(conn, tenant, start, first)
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
        end = edges[-1].cursor if edges else None
        page = PageInfo(
            has_next_page=more,
            end_cursor=end,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
        )
        return HistoryConnection(edges=edges, page_info=page)

    @strawberry.field(description="The tenant's signed checkpoints (public: copy them out of the system).")
    async def checkpoints(self, info: Info[Context, None], tenant: str) -> list[Checkpoint]:
        made = await sync_to_thread(info.context.services.audit.checkpoints, tenant)
        return [Checkpoint(**asdict(c)) for c in made]

    @strawberry.field(description="Recompute the tenant's hash chain from the event store and compare.")
    async def verify_history(self, info: Info[Context, None], tenant: str) -> Verification:
        result = await sync_to_thread(info.context.services.audit.verify_history, info.context.actor, tenant)
        return Verification(
            ok=result.ok,
            checked=result.checked,
            first_bad_position=result.first_bad_position,
            head_hash=result.head_hash,
        )

    @strawberry.field(description="Every tenant, or those of one tier, by slug.")
    async def tenants(self, info: Info[Context, None], tier: Tier | None = None) -> list[Tenant]:
        async with info.context.read() as conn:
            rows = await tenant_directory.list_tenants(conn, tier.value if tier else None)
        return [Tenant.from_row(r) for r in rows]

    @strawberry.field(description="One tenant by slug; null when there is none.")
    async def tenant(self, info: Info[Context, None], slug: str) -> Tenant | None:
        row = await info.context.loaders.tenant.load(slug)
        return Tenant.from_row(row) if row else None
