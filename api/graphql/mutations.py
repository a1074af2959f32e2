"""The GraphQL mutations: each runs a service command, waits for the read models, answers from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import strawberry
from litestar.concurrency import sync_to_thread
from strawberry.types import Info

from api.graphql.context import Context, Loaders
from api.graphql.types import (
    AmendmentProposal,
    AnnualReview,
    BodyKind,
    Champion,
    Code,
    Compact,
    CompactStatus,
    ContactInput,
    Party,
    SectionInput,
    Sector,
    SteeringRoleKind,
    SteeringTerm,
    Tenant,
    Tier,
    _steering_after,
)
from api.graphql.upkeep_types import ProjectLessonsInput
from domain import register, tenancy
from domain.errors import NotFound
from projections.base import LATEST
from services.registry import Recorded


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
        await _command(
            ctx,
            ctx.services.tenants.create_tenant,
            slug=slug,
            name=name,
            tier=tenancy.Tier(tier.value),
            parent=parent,
        )
        row = await ctx.loaders.tenant.load(slug)
        if row is None:
            raise NotFound(f"The tenant '{slug}' was recorded but cannot be read back.")
        return Tenant.from_row(row)

    @strawberry.mutation(
        description="Publish version 1 of a tenant's compact (editor of the tenant). With `draft`, it is out "
        "for consultation (until `consultationClosesOn`) and in force only once adopted (`adoptCompact`)."
    )
    async def publish_compact(
        self,
        info: Info[Context, None],
        tenant: str,
        title: str,
        effective_on: date,
        sections: list[SectionInput],
        draft: bool = False,
        consultation_closes_on: date | None = None,
    ) -> Compact:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.compacts.publish,
            tenant=tenant,
            title=title,
            effective_on=effective_on,
            sections=[s.to_domain() for s in sections],
            draft=draft,
            consultation_closes_on=consultation_closes_on,
        )
        if draft:
            row = await ctx.loaders.drafts.load((tenant, effective_on, LATEST))
            if row is None:
                raise NotFound(f"The draft compact of '{tenant}' was recorded but cannot be read back.")
            return Compact.from_row(row, CompactStatus.DRAFT)
        return await _compact_after(ctx, tenant, effective_on)

    @strawberry.mutation(
        description="Adopt a draft compact: in force from `adoptedOn`, after its consultation."
    )
    async def adopt_compact(self, info: Info[Context, None], tenant: str, adopted_on: date) -> Compact:
        ctx = info.context
        await _command(ctx, ctx.services.compacts.adopt, tenant=tenant, adopted_on=adopted_on)
        return await _compact_after(ctx, tenant, adopted_on)

    @strawberry.mutation(description="Add, replace or remove sections from a date; version + 1.")
    async def amend_compact(
        self,
        info: Info[Context, None],
        tenant: str,
        effective_on: date,
        rationale: str,
        upsert_sections: list[SectionInput] | None = None,
        remove_sections: list[str] | None = None,
    ) -> Compact:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.compacts.amend,
            tenant=tenant,
            effective_on=effective_on,
            rationale=rationale,
            upsert=[s.to_domain() for s in upsert_sections or []],
            remove=list(remove_sections or []),
        )
        return await _compact_after(ctx, tenant, effective_on)

    @strawberry.mutation(
        description="Put an amendment forward for consultation; nothing changes until adopted."
    )
    async def propose_amendment(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        effective_on: date,
        rationale: str,
        proposed_on: date,
        consultation_closes_on: date | None = None,
        upsert_sections: list[SectionInput] | None = None,
        remove_sections: list[str] | None = None,
    ) -> AmendmentProposal:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.compacts.propose,
            tenant=tenant,
            key=key,
            effective_on=effective_on,
            rationale=rationale,
            upsert=[s.to_domain() for s in upsert_sections or []],
            remove=list(remove_sections or []),
            proposed_on=proposed_on,
            consultation_closes_on=consultation_closes_on,
        )
        return await _proposal_after(ctx, tenant, key)

    @strawberry.mutation(description="Adopt a proposed amendment: the compact's next version, from its date.")
    async def adopt_amendment(
        self, info: Info[Context, None], tenant: str, key: str, adopted_on: date
    ) -> Compact:
        ctx = info.context
        await _command(
            ctx, ctx.services.compacts.adopt_proposal, tenant=tenant, key=key, adopted_on=adopted_on
        )
        proposal = await _proposal_after(ctx, tenant, key)
        return await _compact_after(ctx, tenant, proposal.effective_on)

    @strawberry.mutation(description="Reject a proposed amendment, with the reason.")
    async def reject_amendment(
        self, info: Info[Context, None], tenant: str, key: str, on: date, reason: str
    ) -> AmendmentProposal:
        ctx = info.context
        await _command(
            ctx, ctx.services.compacts.reject_proposal, tenant=tenant, key=key, on=on, reason=reason
        )
        return await _proposal_after(ctx, tenant, key)

    @strawberry.mutation(description="Record an annual review of the compact.")
    async def record_annual_review(
        self,
        info: Info[Context, None],
        tenant: str,
        held_on: date,
        achievements: list[str] | None = None,
        aspirations: list[str] | None = None,
        issues: list[str] | None = None,
        amendments: list[str] | None = None,
        projects: list[ProjectLessonsInput] | None = None,
    ) -> AnnualReview:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.compacts.hold_annual_review,
            tenant=tenant,
            held_on=held_on,
            achievements=list(achievements or []),
            aspirations=list(aspirations or []),
            issues=list(issues or []),
            amendments=list(amendments or []),
            projects=tuple(p.to_domain() for p in projects or []),
        )
        rows = await ctx.loaders.reviews.load(tenant)
        return AnnualReview.from_row(next(r for r in rows if r.held_on == held_on))

    @strawberry.mutation(description="Sign a party to the compact in the Register of Parties.")
    async def sign_compact(
        self,
        info: Info[Context, None],
        tenant: str,
        party: str,
        sector: Sector,
        signed_on: date,
        kind: BodyKind | None = None,  # type: ignore[valid-type]
        contact: ContactInput | None = None,
    ) -> Party:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.compacts.sign,
            tenant=tenant,
            party=party,
            sector=register.Sector(sector.value),
            signed_on=signed_on,
            kind=kind,
            contact=contact.to_domain() if contact else None,
        )
        rows = await ctx.loaders.parties.load((tenant, signed_on, LATEST))
        key = register.party_key(party)
        row = next(r for r in rows if register.party_key(r.name) == key)
        return Party.from_row(tenant, row)

    @strawberry.mutation(description="Record a party leaving the register on a date, with the reason.")
    async def withdraw_party(
        self, info: Info[Context, None], tenant: str, party: str, on: date, reason: str
    ) -> bool:
        ctx = info.context
        await _command(ctx, ctx.services.compacts.withdraw, tenant=tenant, party=party, on=on, reason=reason)
        return True

    @strawberry.mutation(
        description="Erase a person's data (platform-admin): the key goes, the events stay and still verify."
    )
    async def erase_data_subject(self, info: Info[Context, None], subject: str) -> bool:
        ctx = info.context
        await _command(ctx, ctx.services.compacts.erase_person, subject=subject)
        return True

    @strawberry.mutation(description="Record or replace a signed party's point of contact (private).")
    async def record_party_contact(
        self, info: Info[Context, None], tenant: str, party: str, contact: ContactInput
    ) -> bool:
        ctx = info.context
        await _command(
            ctx, ctx.services.compacts.record_contact, tenant=tenant, party=party, contact=contact.to_domain()
        )
        return True

    @strawberry.mutation(
        description="Record a party's champion standing down on a date; `role` says which, where a party "
        "names several."
    )
    async def stand_down_champion(
        self, info: Info[Context, None], tenant: str, party: str, on: date, role: str | None = None
    ) -> bool:
        ctx = info.context
        await _command(
            ctx, ctx.services.compacts.stand_down_champion, tenant=tenant, party=party, on=on, role=role
        )
        return True

    @strawberry.mutation(
        description="Appoint a party's Compact Champion. A party may name several, one per `role` (a cabinet "
        "member and an officer); a new one in a role replaces the current one in it."
    )
    async def appoint_champion(
        self,
        info: Info[Context, None],
        tenant: str,
        party: str,
        name: str,
        appointed_on: date,
        role: str | None = None,
    ) -> Champion:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.compacts.appoint_champion,
            tenant=tenant,
            party=party,
            name=name,
            appointed_on=appointed_on,
            role=role,
        )
        rows = await ctx.loaders.champions.load((tenant, appointed_on, LATEST))
        key = register.party_key(party)
        wanted = " ".join(role.split()) if role else None
        row = next(r for r in rows if register.party_key(r.party) == key and r.role == wanted)
        return Champion.from_row(tenant, row)

    @strawberry.mutation(
        description="Give someone a steering group role from a date (a chair replaces the last)."
    )
    async def assign_steering_role(
        self,
        info: Info[Context, None],
        tenant: str,
        role: SteeringRoleKind,  # type: ignore[valid-type]
        holder: str,
        since: date,
        party: str | None = None,
        code: str | None = None,
    ) -> list[SteeringTerm]:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.steering.assign,
            tenant=tenant,
            role=role,
            holder=holder,
            party=party,
            code=code,
            since=since,
        )
        return await _steering_after(ctx, tenant, since)

    @strawberry.mutation(description="End someone's steering group role on a date.")
    async def end_steering_role(
        self,
        info: Info[Context, None],
        tenant: str,
        role: SteeringRoleKind,  # type: ignore[valid-type]
        holder: str,
        on: date,
        code: str | None = None,
    ) -> list[SteeringTerm]:
        ctx = info.context
        await _command(
            ctx, ctx.services.steering.end, tenant=tenant, role=role, holder=holder, code=code, on=on
        )
        return await _steering_after(ctx, tenant, on)

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
        await _command(
            ctx,
            ctx.services.codes.adopt,
            tenant=tenant,
            key=key,
            title=title,
            matters=matters,
            adopted_on=adopted_on,
        )
        return await _code_after(ctx, tenant, key, adopted_on)

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
        await _command(
            ctx,
            ctx.services.codes.draft,
            tenant=tenant,
            key=key,
            title=title,
            matters=matters,
            lead=lead,
            drafted_on=drafted_on,
        )
        return await _code_after(ctx, tenant, key, drafted_on)

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
        await _command(
            ctx,
            ctx.services.codes.review,
            tenant=tenant,
            key=key,
            reviewed_on=reviewed_on,
            next_review_due=next_review_due,
            notes=notes,
        )
        return await _code_after(ctx, tenant, key, reviewed_on)

    @strawberry.mutation(
        description="Merge a code into another: it is SUPERSEDED, the other covers its matters."
    )
    async def merge_code(self, info: Info[Context, None], tenant: str, key: str, into: str, on: date) -> Code:
        ctx = info.context
        await _command(ctx, ctx.services.codes.merge, tenant=tenant, key=key, into=into, on=on)
        return await _code_after(ctx, tenant, key, on)

    @strawberry.mutation(description="Withdraw a code of practice on a date, with the reason.")
    async def withdraw_code(
        self, info: Info[Context, None], tenant: str, key: str, on: date, reason: str
    ) -> Code:
        ctx = info.context
        await _command(ctx, ctx.services.codes.withdraw, tenant=tenant, key=key, on=on, reason=reason)
        return await _code_after(ctx, tenant, key, on)

    @strawberry.mutation(description="Record a signed party endorsing an adopted code.")
    async def endorse_code(
        self, info: Info[Context, None], tenant: str, key: str, party: str, on: date
    ) -> Code:
        ctx = info.context
        await _command(ctx, ctx.services.codes.endorse, tenant=tenant, key=key, party=party, on=on)
        return await _code_after(ctx, tenant, key, on)


async def _code_after(ctx: Context, tenant: str, key: str, on: date) -> Code:
    rows = await ctx.loaders.codes.load((tenant, on, LATEST))
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise NotFound(f"The code '{key}' of '{tenant}' was recorded but cannot be read back.")
    return Code.from_row(row)


async def _proposal_after(ctx: Context, tenant: str, key: str) -> AmendmentProposal:
    rows = await ctx.loaders.proposals.load(tenant)
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise NotFound(f"The proposal '{key}' of '{tenant}' was recorded but cannot be read back.")
    return AmendmentProposal.from_row(row)


async def _command(ctx: Context, command: Callable[..., Recorded], **kwargs: Any) -> Recorded:
    """Run a service command off the event loop, then wait until the read models include it."""
    # No read connection is held while the command and the wait run; the reads after it begin anew.
    await ctx.loaders.reads.end()
    recorded = await sync_to_thread(command, ctx.actor, **kwargs)
    await ctx.services.waiter.wait_for(recorded, ctx.services.read_your_writes_timeout)
    # What the request's loaders read before this write is stale now: a document with two mutations
    # must answer the second from the state after both.
    ctx.loaders = Loaders(ctx.loaders.reads, ctx.loaders.actor)
    return recorded


async def _compact_after(ctx: Context, tenant: str, effective_on: date) -> Compact:
    """The compact as the read model holds it, now that it includes the command's own write."""
    row = await ctx.loaders.compact.load((tenant, effective_on, LATEST))
    if row is None:
        raise NotFound(f"The compact of '{tenant}' was recorded but cannot be read back.")
    return Compact.from_row(row)
