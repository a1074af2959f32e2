"""The GraphQL schema: the contract's names, resolved from read models and services."""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from litestar.concurrency import sync_to_thread
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.errors import ErrorCodes
from domain import tenancy
from domain.errors import NotFound
from projections import tenant_directory
from projections.tenant_directory import TenantRow


@strawberry.enum(description="The level of a compact; a London borough is DISTRICT under REGIONAL.")
class Tier(Enum):
    NATIONAL = "NATIONAL"
    REGIONAL = "REGIONAL"
    COUNTY = "COUNTY"
    DISTRICT = "DISTRICT"


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


@strawberry.type
class Query:
    @strawberry.field(description="Every tenant, or those of one tier, by slug.")
    async def tenants(self, info: Info[Context, None], tier: Tier | None = None) -> list[Tenant]:
        async with info.context.services.pool.acquire() as conn:
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
        ctx = info.context
        recorded = await sync_to_thread(
            ctx.services.tenants.create_tenant,
            ctx.actor,
            slug=slug,
            name=name,
            tier=tenancy.Tier(tier.value),
            parent=parent,
        )
        await ctx.services.waiter.wait_for(recorded, ctx.services.read_your_writes_timeout)
        row = await ctx.loaders.tenant.load(slug)
        if row is None:
            raise NotFound(f"The tenant '{slug}' was recorded but cannot be read back.")
        return Tenant.from_row(row)


schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=[ErrorCodes])
