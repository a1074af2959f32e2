"""The Tenant type, a compact's host with a field per feature, and the queries and mutation of tenants."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from strawberry.types import Info

from api.graphql.codes import Code
from api.graphql.common import RecordedAt, moment, page_asked
from api.graphql.compacts import (
    AmendmentProposal,
    AnnualReview,
    Compact,
    CompactDiff,
    CompactStatus,
    CompactVersion,
    compact_diff,
    versions,
)
from api.graphql.consultations import Consultation
from api.graphql.context import Context, Loaders
from api.graphql.disputes import BoardReferral, Dispute
from api.graphql.nodes import register_tenant
from api.graphql.notices import FundingNotice
from api.graphql.register import Champion, Party, PartyConnection, party_page
from api.graphql.run import execute
from api.graphql.steering import SteeringTerm, steering_on
from api.graphql.text import Commitment
from domain import commands, register
from domain.clock import today
from domain.tenancy import Tier
from projections import tenant_directory
from projections.tenant_directory import TenantRow


@strawberry.type(description="A borough, district, county, region or the nation, hosting one compact.")
class Tenant:
    slug: str
    name: str
    tier: Tier
    parent_slug: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: TenantRow) -> Tenant:
        return cls(slug=row.slug, name=row.name, tier=Tier(row.tier), parent_slug=row.parent)

    @strawberry.field(description="The tenant one tier up; null for the national compact.")
    async def parent(self, info: Info[Context, None]) -> Tenant | None:
        if self.parent_slug is None:
            return None
        row = await info.context.loaders.tenant.load(self.parent_slug)
        return Tenant.from_row(row) if row else None

    @strawberry.field(description="The tenants directly below this one, by slug.")
    async def children(self, info: Info[Context, None]) -> list[Tenant]:
        rows = await info.context.loaders.children.load(self.slug)
        return [Tenant.from_row(r) for r in rows]

    # The compact

    @strawberry.field(description="The compact in force on `asOf` (default today); null when none is.")
    async def compact(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> Compact | None:
        row = await info.context.loaders.compact.load(moment(self.slug, as_of, recorded_at))
        return Compact.from_row(row) if row else None

    @strawberry.field(
        description="The draft out for consultation on `asOf` (default today): published, not yet adopted."
    )
    async def draft_compact(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> Compact | None:
        row = await info.context.loaders.drafts.load(moment(self.slug, as_of, recorded_at))
        return Compact.from_row(row, CompactStatus.DRAFT) if row else None

    @strawberry.field(description="The commitments of the compact in force on `asOf` (default today).")
    async def commitments(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Commitment]:
        row = await info.context.loaders.compact.load(moment(self.slug, as_of, recorded_at))
        if row is None:
            return []
        return [Commitment.of(self.slug, row.version, s.key, c) for s in row.sections for c in s.commitments]

    @strawberry.field(description="Every version of the compact, oldest first.")
    async def compact_versions(self, info: Info[Context, None]) -> list[CompactVersion]:
        return await versions(info, self.slug, self.name)

    @strawberry.field(description="What changed from version `from` to version `to`, word by word.")
    async def compact_diff(
        self,
        info: Info[Context, None],
        from_: Annotated[int, strawberry.argument(name="from")],
        to: int,
    ) -> CompactDiff:
        return await compact_diff(info, self.slug, from_, to)

    # The Register of Parties

    @strawberry.field(description="The Register of Parties on `asOf` (default today), by name.")
    async def parties(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Party]:
        rows = await info.context.loaders.parties.load(moment(self.slug, as_of, recorded_at))
        return [Party.from_row(self.slug, r) for r in rows]

    @strawberry.field(
        description="The Register of Parties on `asOf`, a page at a time (at most 100 a page): `first` after "
        "`after`, or the `last` before `before`."
    )
    async def party_register(
        self,
        info: Info[Context, None],
        as_of: date | None = None,
        first: int = 50,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> PartyConnection:
        return await party_page(info, self.slug, as_of, page_asked(info, first, last, after, before))

    @strawberry.field(description="Parties signed on `asOf` (default today) that have no current champion.")
    async def parties_without_champion(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Party]:
        when = moment(self.slug, as_of, recorded_at)
        parties = await info.context.loaders.parties.load(when)
        champions = await info.context.loaders.champions.load(when)
        championed = {register.party_key(c.party) for c in champions}
        return [Party.from_row(self.slug, r) for r in parties if register.party_key(r.name) not in championed]

    # Codes of Good Practice and the steering group

    @strawberry.field(
        description="The codes on `asOf` (default today); codes in development only for the tenant's members."
    )
    async def codes(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Code]:
        rows = await info.context.loaders.codes.load(moment(self.slug, as_of, recorded_at))
        # Drafts are private to the tenant's editors and auditors (and platform admins).
        members = info.context.actor.can_audit(self.slug)
        return [Code.from_row(r) for r in rows if members or r.status != "IN_DEVELOPMENT"]

    @strawberry.field(description="Who held which steering group role on `asOf` (default today).")
    async def steering_group(
        self, info: Info[Context, None], as_of: date | None = None
    ) -> list[SteeringTerm]:
        return await steering_on(info.context, self.slug, as_of or today())

    # Amendments and reviews

    @strawberry.field(description="Every proposed amendment, in the order proposed, with its status.")
    async def amendment_proposals(self, info: Info[Context, None]) -> list[AmendmentProposal]:
        return [AmendmentProposal.from_row(r) for r in await info.context.loaders.proposals.load(self.slug)]

    @strawberry.field(description="Every annual review, oldest first.")
    async def annual_reviews(self, info: Info[Context, None]) -> list[AnnualReview]:
        return [AnnualReview.from_row(r) for r in await info.context.loaders.reviews.load(self.slug)]

    # Upkeep: referrals, disputes, consultations, funding notices

    @strawberry.field(
        description="Parties referred to the compact's board, with or without a dispute: for the tenant's "
        "members only (empty for anyone else)."
    )
    async def board_referrals(self, info: Info[Context, None]) -> list[BoardReferral]:
        return [BoardReferral.from_row(r) for r in await info.context.loaders.referrals.load(self.slug)]

    @strawberry.field(
        description="Disputes, oldest first: for the tenant's members only (empty for anyone else)."
    )
    async def disputes(self, info: Info[Context, None], as_of: date | None = None) -> list[Dispute]:
        on = as_of or today()
        return [Dispute.from_row(r, on) for r in await info.context.loaders.disputes.load(self.slug)]

    @strawberry.field(description="Consultations once open (announced ones too for members), oldest first.")
    async def consultations(self, info: Info[Context, None]) -> list[Consultation]:
        members = info.context.actor.can_audit(self.slug)
        rows = await info.context.loaders.consultations.load(self.slug)
        return [Consultation.from_row(r, members) for r in rows]

    @strawberry.field(description="Funding-change notices given under the compact, oldest first.")
    async def funding_notices(self, info: Info[Context, None]) -> list[FundingNotice]:
        return [FundingNotice.from_row(r) for r in await info.context.loaders.notices.load(self.slug)]

    @strawberry.field(description="The current champions of each party on `asOf` (default today).")
    async def champions(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Champion]:
        rows = await info.context.loaders.champions.load(moment(self.slug, as_of, recorded_at))
        return [Champion.from_row(self.slug, r) for r in rows]


register_tenant(Tenant.from_row)


@strawberry.type
class Query:
    @strawberry.field(description="Every tenant, or those of one tier, by slug.")
    async def tenants(self, info: Info[Context, None], tier: Tier | None = None) -> list[Tenant]:
        async with info.context.read() as conn:
            rows = await tenant_directory.list_tenants(conn, tier.value if tier else None)
        return [Tenant.from_row(r) for r in rows]

    @strawberry.field(description="One tenant by slug; null when there is none.")
    async def tenant(self, info: Info[Context, None], slug: str) -> Tenant | None:
        row = await info.context.loaders.tenant.load(slug)
        return Tenant.from_row(row) if row else None


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Create a tenant in the tiers (platform-admin).")
    async def create_tenant(
        self,
        info: Info[Context, None],
        slug: str,
        name: str,
        tier: Tier,
        parent: Annotated[str | None, strawberry.argument(description="The parent's slug.")] = None,
    ) -> Tenant:
        async def read(loaders: Loaders) -> Tenant | None:
            row = await loaders.tenant.load(slug)
            return Tenant.from_row(row) if row else None

        ctx = info.context
        command = commands.CreateTenant(slug=slug, name=name, tier=tier, parent=parent)
        return await execute(ctx, ctx.services.tenants.create_tenant, command, read, f"The tenant '{slug}'")
