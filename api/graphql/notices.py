"""Funding-change notices in GraphQL: each notice, the commitment it was given under, and their mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context, Loaders
from api.graphql.run import Reader, execute
from api.graphql.text import Commitment, Period, referenced
from domain import commands
from domain.commitments import GovernedBy
from domain.funding_notices import FundingChange
from domain.tenancy import Tier
from projections.funding_notices import NoticeRow


@strawberry.type(
    description="Written notice from a party of the compact before a voluntary body's funding changes."
)
class FundingNotice:
    key: str
    public_body: str = strawberry.field(description="The party that gave notice.")
    voluntary_body: str
    change: FundingChange
    given_on: date
    effective_on: date
    rationale: str
    minimum: Period | None = strawberry.field(
        description="The notice the commitment governing it on the day sets; null where none does."
    )
    short: bool = strawberry.field(description="Less notice than that.")
    exceptional_circumstances: str | None
    governed_by_ref: strawberry.Private[GovernedBy | None]

    @strawberry.field(
        description="The funding-notice commitment it was given under; null where none governed."
    )
    async def governed_by(self, info: Info[Context, None]) -> Commitment | None:
        return await referenced(info, self.governed_by_ref)

    @classmethod
    def from_row(cls, row: NoticeRow) -> FundingNotice:
        return cls(
            key=row.key,
            public_body=row.public_body,
            voluntary_body=row.voluntary_body,
            change=FundingChange(row.change),
            given_on=row.given_on,
            effective_on=row.effective_on,
            rationale=row.rationale,
            minimum=Period.of(row.minimum),
            short=row.short,
            exceptional_circumstances=row.exceptional_circumstances,
            governed_by_ref=row.governed_by,
        )


def notice(tenant: str, key: str) -> Reader[FundingNotice]:
    async def read(loaders: Loaders) -> FundingNotice | None:
        rows = await loaders.notices.load(tenant)
        return next((FundingNotice.from_row(r) for r in rows if r.key == key), None)

    return read


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record a party's written notice of a change to a voluntary body's funding, judged by "
        "the funding-notice commitment governing the day it is given; the party must be one it binds."
    )
    async def give_funding_notice(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        public_body: str,
        voluntary_body: str,
        change: FundingChange,
        given_on: date,
        effective_on: date,
        rationale: str,
        exceptional_circumstances: str | None = None,
        uniform_at: Tier | None = None,
    ) -> FundingNotice:
        ctx = info.context
        command = commands.GiveFundingNotice(
            tenant=tenant,
            key=key,
            public_body=public_body,
            voluntary_body=voluntary_body,
            change=change,
            given_on=given_on,
            effective_on=effective_on,
            rationale=rationale,
            exceptional_circumstances=exceptional_circumstances,
            uniform_at=uniform_at,
        )
        what = f"The funding notice '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.notices.give, command, notice(tenant, key), what)

    @strawberry.mutation(description="Record the exceptional circumstances that made a funding notice short.")
    async def record_exceptional_circumstances(
        self, info: Info[Context, None], tenant: str, key: str, circumstances: str
    ) -> FundingNotice:
        ctx = info.context
        command = commands.RecordExceptionalCircumstances(tenant=tenant, key=key, circumstances=circumstances)
        what = f"The funding notice '{key}' of '{tenant}'"
        return await execute(
            ctx, ctx.services.notices.record_circumstances, command, notice(tenant, key), what
        )
