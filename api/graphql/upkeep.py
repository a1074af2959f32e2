"""Queries and mutations for a compact's upkeep: disputes, consultations, notices, reports, compliance."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.commitment_types import DisputeStage
from api.graphql.context import Context
from api.graphql.mutations import _command
from api.graphql.types import Tenant, Tier
from api.graphql.upkeep_types import (
    AnnualReport,
    BoardReferral,
    Compliance,
    ComplianceFinding,
    Consultation,
    Dispute,
    FundingChange,
    FundingNotice,
    ShortPeriodReason,
)
from domain import commitments, consultations, funding_notices, tenancy
from domain.clock import today
from domain.compliance import YEAR
from domain.errors import InvalidInput, NotFound
from domain.matters import resolve_matter
from projections import annual_report, compliance, tenant_directory


async def _tenant(ctx: Context, slug: str) -> Tenant:
    row = await ctx.loaders.tenant.load(slug)
    if row is None:
        raise NotFound(f"There is no tenant '{slug}'.")
    return Tenant.from_row(row)


async def _dispute(ctx: Context, tenant: str, key: str) -> Dispute:
    rows = await ctx.loaders.disputes.load(tenant)
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise NotFound(f"The dispute '{key}' of '{tenant}' was recorded but cannot be read back.")
    return Dispute.from_row(row, today())


async def _consultation(ctx: Context, tenant: str, key: str) -> Consultation:
    rows = await ctx.loaders.consultations.load(tenant)
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise NotFound(f"The consultation '{key}' of '{tenant}' was recorded but cannot be read back.")
    return Consultation.from_row(row, ctx.actor.can_audit(tenant))


async def _notice(ctx: Context, tenant: str, key: str) -> FundingNotice:
    rows = await ctx.loaders.notices.load(tenant)
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise NotFound(f"The funding notice '{key}' of '{tenant}' was recorded but cannot be read back.")
    return FundingNotice.from_row(row)


@strawberry.type(description="A tenant that adopted a code covering a matter, and the code.")
class CodeAdoption:
    tenant: Tenant
    code_key: str
    code_title: str
    adopted_on: date


@strawberry.type(
    description="A tenant governed by an annual-review commitment whose compact has had no review for a year."
)
class ReviewGap:
    tenant: Tenant
    last_review_on: date | None
    published_on: date = strawberry.field(description="The day its compact came into force.")


ADOPTIONS = """
SELECT DISTINCT c.tenant_id, c.key, c.title, c.adopted_on
FROM codes c JOIN code_matters m ON m.tenant_id = c.tenant_id AND m.key = c.key
WHERE m.matter = $1 AND c.adopted_on <= $2 AND m.from_on <= $2
  AND (c.superseded_on IS NULL OR c.superseded_on > $2) AND (c.withdrawn_on IS NULL OR c.withdrawn_on > $2)
ORDER BY c.tenant_id, c.key
"""
# Each tenant's compact's first day in force (a draft's adoption), and its last review by $1.
REVIEW_GAPS = """
SELECT v.tenant_id, min(CASE WHEN v.draft THEN v.adopted_on ELSE v.effective_on END) AS published_on,
       (SELECT max(r.held_on) FROM annual_reviews r WHERE r.tenant_id = v.tenant_id AND r.held_on <= $1)
           AS last_review_on
FROM compact_versions v
WHERE NOT v.draft OR v.adopted_on IS NOT NULL
GROUP BY v.tenant_id
HAVING min(CASE WHEN v.draft THEN v.adopted_on ELSE v.effective_on END) <= $1
ORDER BY v.tenant_id
"""


@strawberry.type
class UpkeepQuery:
    @strawberry.field(
        description="What happened to a tenant's compact in a calendar year; disputes only for members."
    )
    async def annual_report(self, info: Info[Context, None], tenant: str, year: int) -> AnnualReport:
        if not 1900 <= year <= 2200:
            raise InvalidInput(f"{year} is not a year this registry can report on.")
        ctx = info.context
        found = await _tenant(ctx, tenant)
        async with ctx.read() as conn:
            made = await annual_report.annual_report(
                conn, tenant, found.name, year, members=ctx.actor.can_audit(tenant)
            )
        return AnnualReport.from_domain(made)

    @strawberry.field(
        description=(
            "What the commitments governing the tenant (its own, or found up the tiers) say is missing or "
            "late on `asOf` (default today); disputes only for the tenant's members."
        )
    )
    async def compliance(
        self, info: Info[Context, None], tenant: str, as_of: date | None = None
    ) -> Compliance:
        ctx = info.context
        await _tenant(ctx, tenant)
        on = as_of or today()
        members = ctx.actor.can_audit(tenant)
        async with ctx.read() as conn:
            found = await compliance.compliance_of(conn, tenant, on, members=members)
        return Compliance(
            as_of=on,
            findings=[ComplianceFinding.from_domain(f) for f in found.findings],
            ungoverned=list(found.ungoverned),
            not_checked=found.not_checked,
            includes_private=members,
        )

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
                tenant=Tenant.from_row(t),
                code_key=r["key"],
                code_title=r["title"],
                adopted_on=r["adopted_on"],
            )
            for r, t in zip(rows, tenants, strict=True)
            if t is not None
        ]

    @strawberry.field(
        description=(
            "Tenants governed by an annual-review commitment (their own or one up the tiers) whose compact "
            "has had no review in the year up to `asOf` (default today)."
        )
    )
    async def tenants_without_annual_review(
        self, info: Info[Context, None], as_of: date | None = None, tier: Tier | None = None
    ) -> list[ReviewGap]:
        on = as_of or today()
        ctx = info.context
        async with ctx.read() as conn:
            rows = await conn.fetch(REVIEW_GAPS, on)
            listed = {t.slug for t in await tenant_directory.list_tenants(conn, tier.value if tier else None)}
            late = []
            for r in rows:
                if r["tenant_id"] not in listed or YEAR.after(r["last_review_on"] or r["published_on"]) >= on:
                    continue
                found = await compliance.governing(
                    conn, r["tenant_id"], commitments.CommitmentKind.ANNUAL_REVIEW, on
                )
                if found is not None and found.placed is not None:
                    late.append(r)
        tenants = await ctx.loaders.tenant.load_many([r["tenant_id"] for r in late])
        return [
            ReviewGap(
                tenant=Tenant.from_row(t), last_review_on=r["last_review_on"], published_on=r["published_on"]
            )
            for r, t in zip(late, tenants, strict=True)
            if t is not None
        ]


@strawberry.type
class UpkeepMutation:
    @strawberry.mutation(
        description="Record a dispute raised by one signed party against another; it follows the dispute "
        "process that governs on the day, with any time limits that process sets."
    )
    async def raise_dispute(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        raised_by: str,
        against: str,
        commitment: str,
        summary: str,
        raised_on: date,
    ) -> Dispute:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.disputes.raise_dispute,
            tenant=tenant,
            key=key,
            raised_by=raised_by,
            against=against,
            commitment=commitment,
            summary=summary,
            raised_on=raised_on,
        )
        return await _dispute(ctx, tenant, key)

    @strawberry.mutation(
        description="Take a dispute to the next step of its process, with who handles it and why."
    )
    async def escalate_dispute(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        to: DisputeStage,  # type: ignore[valid-type]
        on: date,
        handled_by: str,
        reason: str,
    ) -> Dispute:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.disputes.escalate,
            tenant=tenant,
            key=key,
            to=commitments.DisputeStage(to),
            on=on,
            handled_by=handled_by,
            reason=reason,
        )
        return await _dispute(ctx, tenant, key)

    @strawberry.mutation(description="Record a dispute resolved at its current stage, with the outcome.")
    async def resolve_dispute(
        self, info: Info[Context, None], tenant: str, key: str, on: date, outcome: str
    ) -> Dispute:
        ctx = info.context
        await _command(ctx, ctx.services.disputes.resolve, tenant=tenant, key=key, on=on, outcome=outcome)
        return await _dispute(ctx, tenant, key)

    @strawberry.mutation(description="Record a dispute withdrawn, with the outcome.")
    async def withdraw_dispute(
        self, info: Info[Context, None], tenant: str, key: str, on: date, outcome: str
    ) -> Dispute:
        ctx = info.context
        await _command(ctx, ctx.services.disputes.withdraw, tenant=tenant, key=key, on=on, outcome=outcome)
        return await _dispute(ctx, tenant, key)

    @strawberry.mutation(
        description="Refer a signed party found working outside the commitments to the compact's board, "
        "with or without a dispute (Harrow, 'Keeping the Compact Live')."
    )
    async def refer_party_to_board(
        self,
        info: Info[Context, None],
        tenant: str,
        party: str,
        on: date,
        finding: str,
        dispute: str | None = None,
    ) -> BoardReferral:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.compacts.refer_to_board,
            tenant=tenant,
            party=party,
            on=on,
            finding=finding,
            dispute=dispute,
        )
        rows = await ctx.loaders.referrals.load(tenant)
        return BoardReferral.from_row(rows[-1])

    @strawberry.mutation(
        description="Open a consultation, judged by the consultation commitment governing its opening day; "
        "one shorter than the period that commitment sets shows in compliance until its reason is recorded."
    )
    async def open_consultation(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        title: str,
        consulted: list[str],
        opens_on: date,
        closes_on: date,
        short_reason: ShortPeriodReason | None = None,
        short_explanation: str | None = None,
        uniform_at: Tier | None = None,
    ) -> Consultation:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.consultations.open,
            tenant=tenant,
            key=key,
            title=title,
            consulted=consulted,
            opens_on=opens_on,
            closes_on=closes_on,
            short_reason=consultations.ShortPeriodReason(short_reason.value) if short_reason else None,
            short_explanation=short_explanation,
            uniform_at=tenancy.Tier(uniform_at.value) if uniform_at else None,
        )
        return await _consultation(ctx, tenant, key)

    @strawberry.mutation(description="Record a response received while a consultation was open.")
    async def record_consultation_response(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        respondent: str,
        received_on: date,
        summary: str,
    ) -> Consultation:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.consultations.record_response,
            tenant=tenant,
            key=key,
            respondent=respondent,
            received_on=received_on,
            summary=summary,
        )
        return await _consultation(ctx, tenant, key)

    @strawberry.mutation(description="Close a consultation on or after its announced closing date.")
    async def close_consultation(
        self, info: Info[Context, None], tenant: str, key: str, on: date
    ) -> Consultation:
        ctx = info.context
        await _command(ctx, ctx.services.consultations.close, tenant=tenant, key=key, on=on)
        return await _consultation(ctx, tenant, key)

    @strawberry.mutation(
        description="Record why a consultation ran for less than the period its governing commitment sets."
    )
    async def explain_short_consultation(
        self, info: Info[Context, None], tenant: str, key: str, reason: ShortPeriodReason, explanation: str
    ) -> Consultation:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.consultations.explain_short_period,
            tenant=tenant,
            key=key,
            reason=consultations.ShortPeriodReason(reason.value),
            explanation=explanation,
        )
        return await _consultation(ctx, tenant, key)

    @strawberry.mutation(
        description="Publish the feedback of a closed consultation: what was heard, what changed."
    )
    async def publish_consultation_feedback(
        self, info: Info[Context, None], tenant: str, key: str, on: date, feedback: str
    ) -> Consultation:
        ctx = info.context
        await _command(
            ctx, ctx.services.consultations.publish_feedback, tenant=tenant, key=key, on=on, feedback=feedback
        )
        return await _consultation(ctx, tenant, key)

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
        await _command(
            ctx,
            ctx.services.notices.give,
            tenant=tenant,
            key=key,
            public_body=public_body,
            voluntary_body=voluntary_body,
            change=funding_notices.FundingChange(change.value),
            given_on=given_on,
            effective_on=effective_on,
            rationale=rationale,
            exceptional_circumstances=exceptional_circumstances,
            uniform_at=tenancy.Tier(uniform_at.value) if uniform_at else None,
        )
        return await _notice(ctx, tenant, key)

    @strawberry.mutation(description="Record the exceptional circumstances that made a funding notice short.")
    async def record_exceptional_circumstances(
        self, info: Info[Context, None], tenant: str, key: str, circumstances: str
    ) -> FundingNotice:
        ctx = info.context
        await _command(
            ctx,
            ctx.services.notices.record_circumstances,
            tenant=tenant,
            key=key,
            circumstances=circumstances,
        )
        return await _notice(ctx, tenant, key)
