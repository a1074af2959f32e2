"""The tier walk in GraphQL: which compact covers a matter, which commitment governs, and why (Essex 2)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from api.graphql.codes import Code
from api.graphql.common import RecordedAt, moment
from api.graphql.context import Context
from api.graphql.nodes import TenantType, tenant
from api.graphql.text import Commitment, Section
from domain import commitments, matters
from domain import lookup as lookup_walk
from domain.errors import NotFound
from domain.lookup import Level
from domain.matters import MATTERS
from domain.tenancy import Tier
from projections.queries import tiered_lookup
from projections.tenant_directory import TenantRow


@strawberry.type(description="A matter of the platform's controlled vocabulary; aliases match it too.")
class Matter:
    key: str
    title: str
    aliases: list[str]


@strawberry.type(description="One tenant consulted by a lookup, and why it did or did not answer.")
class LookupStep:
    tenant: TenantType
    covered: bool
    reason: str


def tenants_of(chain: list[Level]) -> dict[str, TenantType]:
    """The chain's tenants as the chain's own query read them from the directory: no second query."""
    rows = [TenantRow(level.slug, level.name, level.tier.value, level.parent) for level in chain]
    return {row.slug: tenant(row) for row in rows}


async def _sections(root: Lookup, info: Info[Context, None]) -> list[Section]:
    """The answering compact's sections on the matter, as they read on the day."""
    level = root.answering
    if level is None:
        return []
    row = await info.context.loaders.compact.load((level.slug, root.day, root.recorded))
    if row is None:
        return []
    return [Section.of(level.slug, row.version, s) for s in row.sections if s.key in level.sections]


async def _codes(root: Lookup, info: Info[Context, None]) -> list[Code]:
    """The answering compact's codes of good practice on the matter, in force on the day."""
    level = root.answering
    if level is None:
        return []
    rows = await info.context.loaders.codes.load((level.slug, root.day, root.recorded))
    return [Code.from_row(c) for c in rows if c.key in level.codes(root.day)]


@strawberry.type(description="Which compact governs a matter for a locality on a date, and why.")
class Lookup:
    answered_by: TenantType | None
    # Read only when the document asks for them: the tier walk alone needs neither, and an integrator
    # asking "who governs" would otherwise pay for two more queries.
    sections: list[Section] = strawberry.field(resolver=_sections)
    codes: list[Code] = strawberry.field(resolver=_codes)
    trail: list[LookupStep] = strawberry.field()
    explanation: str = strawberry.field()
    # The level that answered, and the moment asked about: what `sections` and `codes` read.
    answering: strawberry.Private[Level | None]
    day: strawberry.Private[date]
    recorded: strawberry.Private[datetime]


@strawberry.type(
    description="The commitment of a kind that governs a locality on a date, and the walk to it."
)
class Governing:
    commitment: Commitment | None = strawberry.field(description="Null when nothing up the chain governs.")
    trail: list[LookupStep]
    explanation: str


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
        answer = lookup_walk.walk(chain, known, day, uniform_at)
        by_slug = {level.slug: level for level in chain}
        tenants = tenants_of(chain)
        trail = [LookupStep(tenant=tenants[s.slug], covered=s.covered, reason=s.reason) for s in answer.trail]
        return Lookup(
            answered_by=tenants.get(answer.answered_by) if answer.answered_by else None,
            trail=trail,
            explanation=answer.explanation,
            answering=by_slug[answer.answered_by] if answer.answered_by is not None else None,
            day=day,
            recorded=recorded,
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
        kind: commitments.CommitmentKind,
        as_of: date | None = None,
        uniform_at: Tier | None = None,
        recorded_at: RecordedAt = None,
    ) -> Governing:
        _, day, recorded = moment(locality, as_of, recorded_at)
        wanted = kind
        async with info.context.read() as conn:
            chain = await tiered_lookup.governing_chain_of(conn, locality, wanted, day, recorded)
        if not chain:
            raise NotFound(f"There is no tenant '{locality}' to look up from.")
        found = lookup_walk.govern(chain, wanted, day, uniform_at)
        tenants = tenants_of(chain)
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
