"""The compact's steering group in GraphQL: who holds which role, and the mutations that change it."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.run import run
from domain import commands
from domain.steering_group import SteeringRole


@strawberry.type(description="A seat on the compact's steering group.")
class SteeringTerm:
    role: SteeringRole
    holder: str
    party: str | None
    code: str | None = strawberry.field(description="The code of practice a code lead leads.")
    since: date


async def steering_on(ctx: Context, tenant: str, on: date) -> list[SteeringTerm]:
    rows = await ctx.loaders.steering.load((tenant, on))
    return [
        SteeringTerm(role=SteeringRole(r.role), holder=r.holder, party=r.party, code=r.code, since=r.since)
        for r in rows
    ]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Give someone a steering group role from a date (a chair replaces the last)."
    )
    async def assign_steering_role(
        self,
        info: Info[Context, None],
        tenant: str,
        role: SteeringRole,
        holder: str,
        since: date,
        party: str | None = None,
        code: str | None = None,
    ) -> list[SteeringTerm]:
        ctx = info.context
        command = commands.AssignSteeringRole(
            tenant=tenant, role=role, holder=holder, since=since, party=party, code=code
        )
        await run(ctx, ctx.services.steering.assign, command)
        return await steering_on(ctx, tenant, since)

    @strawberry.mutation(description="End someone's steering group role on a date.")
    async def end_steering_role(
        self,
        info: Info[Context, None],
        tenant: str,
        role: SteeringRole,
        holder: str,
        on: date,
        code: str | None = None,
    ) -> list[SteeringTerm]:
        ctx = info.context
        command = commands.EndSteeringRole(tenant=tenant, role=role, holder=holder, on=on, code=code)
        await run(ctx, ctx.services.steering.end, command)
        return await steering_on(ctx, tenant, on)
