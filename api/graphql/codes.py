"""Codes of Good Practice in GraphQL: each code's status on a date, who adopted which, and their mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context, Loaders
from api.graphql.nodes import TenantType, tenant
from api.graphql.run import Reader, execute
from domain import commands
from domain.clock import today
from domain.codes import CodeStatus
from domain.matters import resolve_matter
from projections.base import LATEST
from projections.codes_of_practice import CodeRow


@strawberry.type(description="A Code of Good Practice of a tenant's compact, as it stood on a date.")
class Code:
    key: str
    title: str
    status: CodeStatus
    matters: list[str]
    adopted_on: date | None
    lead: str | None = strawberry.field(description="Who leads its development.")
    next_review_due: date | None
    superseded_by: str | None = strawberry.field(description="The key of the code it was merged into.")
    endorsed_by: list[str] = strawberry.field(description="The parties that have endorsed it.")

    @classmethod
    def from_row(cls, row: CodeRow) -> Code:
        return cls(
            key=row.key,
            title=row.title,
            status=CodeStatus(row.status),
            matters=row.matters,
            adopted_on=row.adopted_on,
            lead=row.lead,
            next_review_due=row.next_review_due,
            superseded_by=row.superseded_by,
            endorsed_by=row.endorsed_by,
        )


@strawberry.type(description="A tenant that adopted a code covering a matter, and the code.")
class CodeAdoption:
    tenant: TenantType
    code_key: str
    code_title: str
    adopted_on: date


ADOPTIONS = """
SELECT DISTINCT c.tenant_id, c.key, c.title, c.adopted_on
FROM codes c JOIN code_matters m ON m.tenant_id = c.tenant_id AND m.key = c.key
WHERE m.matter = $1 AND c.adopted_on <= $2 AND m.from_on <= $2
  AND (c.superseded_on IS NULL OR c.superseded_on > $2) AND (c.withdrawn_on IS NULL OR c.withdrawn_on > $2)
ORDER BY c.tenant_id, c.key
"""


def code_on(tenant_slug: str, key: str, on: date) -> Reader[Code]:
    async def read(loaders: Loaders) -> Code | None:
        rows = await loaders.codes.load((tenant_slug, on, LATEST))
        return next((Code.from_row(r) for r in rows if r.key == key), None)

    return read


@strawberry.type
class Query:
    @strawberry.field(
        description="Which tenants had, on `asOf` (default today), adopted a code covering `matter`."
    )
    async def code_adoptions(
        self, info: Info[Context, None], matter: str, as_of: date | None = None
    ) -> list[CodeAdoption]:
        key = resolve_matter(matter).key
        ctx = info.context
        async with ctx.read() as conn:
            rows = await conn.fetch(ADOPTIONS, key, as_of or today())
        tenants = await ctx.loaders.tenant.load_many([r["tenant_id"] for r in rows])
        return [
            CodeAdoption(
                tenant=tenant(t), code_key=r["key"], code_title=r["title"], adopted_on=r["adopted_on"]
            )
            for r, t in zip(rows, tenants, strict=True)
            if t is not None
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record a code of practice adopted on a date, with the matters it covers."
    )
    async def adopt_code(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        title: str,
        matters: list[str],
        adopted_on: date,
    ) -> Code:
        ctx = info.context
        command = commands.AdoptCode(
            tenant=tenant, key=key, title=title, adopted_on=adopted_on, matters=tuple(matters)
        )
        read = code_on(tenant, key, adopted_on)
        return await execute(ctx, ctx.services.codes.adopt, command, read, f"The code '{key}' of '{tenant}'")

    @strawberry.mutation(description="Start a code of practice in development, with its lead.")
    async def draft_code(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        title: str,
        matters: list[str],
        drafted_on: date,
        lead: str | None = None,
    ) -> Code:
        ctx = info.context
        command = commands.DraftCode(
            tenant=tenant, key=key, title=title, drafted_on=drafted_on, matters=tuple(matters), lead=lead
        )
        read = code_on(tenant, key, drafted_on)
        return await execute(ctx, ctx.services.codes.draft, command, read, f"The code '{key}' of '{tenant}'")

    @strawberry.mutation(
        description="Record a review of an adopted code, and when the next is due if it says."
    )
    async def review_code(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        reviewed_on: date,
        next_review_due: date | None = None,
        notes: str = "",
    ) -> Code:
        ctx = info.context
        command = commands.ReviewCode(
            tenant=tenant, key=key, reviewed_on=reviewed_on, next_review_due=next_review_due, notes=notes
        )
        read = code_on(tenant, key, reviewed_on)
        return await execute(ctx, ctx.services.codes.review, command, read, f"The code '{key}' of '{tenant}'")

    @strawberry.mutation(
        description="Merge a code into another: it is SUPERSEDED, the other covers its matters."
    )
    async def merge_code(self, info: Info[Context, None], tenant: str, key: str, into: str, on: date) -> Code:
        ctx = info.context
        command = commands.MergeCode(tenant=tenant, key=key, into=into, on=on)
        read = code_on(tenant, key, on)
        return await execute(ctx, ctx.services.codes.merge, command, read, f"The code '{key}' of '{tenant}'")

    @strawberry.mutation(description="Withdraw a code of practice on a date, with the reason.")
    async def withdraw_code(
        self, info: Info[Context, None], tenant: str, key: str, on: date, reason: str
    ) -> Code:
        ctx = info.context
        command = commands.WithdrawCode(tenant=tenant, key=key, on=on, reason=reason)
        read = code_on(tenant, key, on)
        return await execute(
            ctx, ctx.services.codes.withdraw, command, read, f"The code '{key}' of '{tenant}'"
        )

    @strawberry.mutation(description="Record a signed party endorsing an adopted code.")
    async def endorse_code(
        self, info: Info[Context, None], tenant: str, key: str, party: str, on: date
    ) -> Code:
        ctx = info.context
        command = commands.EndorseCode(tenant=tenant, key=key, party=party, on=on)
        read = code_on(tenant, key, on)
        return await execute(
            ctx, ctx.services.codes.endorse, command, read, f"The code '{key}' of '{tenant}'"
        )
