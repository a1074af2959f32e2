"""Compliance in GraphQL: what the governing commitments say is missing or late, and who owes a review."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.nodes import TenantType, tenant
from api.graphql.text import Commitment, referenced
from domain import compliance as rules
from domain.clock import today
from domain.commitments import CommitmentKind, GovernedBy
from domain.compliance import YEAR
from domain.errors import NotFound
from domain.tenancy import Tier
from projections import tenant_directory
from projections.queries import compliance


@strawberry.type(
    description="A governing commitment broken: what, by whom or what, since when, and under which."
)
class ComplianceFinding:
    kind: CommitmentKind
    subject: str = strawberry.field(description="The party, code, consultation, notice or dispute concerned.")
    detail: str
    due_on: date | None
    explanation: str = strawberry.field(description="How the tier walk found the commitment that governs.")
    governed_by_ref: strawberry.Private[GovernedBy]

    @strawberry.field(description="The commitment broken: its tenant, section and summary.")
    async def governed_by(self, info: Info[Context, None]) -> Commitment:
        found = await referenced(info, self.governed_by_ref)
        assert found is not None
        return found

    @classmethod
    def from_domain(cls, f: rules.Finding) -> ComplianceFinding:
        return cls(
            kind=f.kind,
            subject=f.subject,
            detail=f.detail,
            due_on=f.due_on,
            explanation=f.governed_by.explanation,
            governed_by_ref=f.governed_by,
        )


@strawberry.type(description="What the governing commitments say is missing or late on a date.")
class Compliance:
    as_of: date
    findings: list[ComplianceFinding]
    ungoverned: list[CommitmentKind] = strawberry.field(
        description="Kinds of commitment that nothing up the chain governs on the date: nothing is checked."
    )
    not_checked: list[str] = strawberry.field(
        description="What a governing commitment asks that the registry cannot judge, and why."
    )
    includes_private: bool = strawberry.field(
        description="Whether private records (disputes) were checked: only for the tenant's members."
    )


@strawberry.type(
    description="A tenant governed by an annual-review commitment whose compact has had no review for a year."
)
class ReviewGap:
    tenant: TenantType
    last_review_on: date | None
    published_on: date = strawberry.field(description="The day its compact came into force.")


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
class Query:
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
        if await ctx.loaders.tenant.load(tenant) is None:
            raise NotFound(f"There is no tenant '{tenant}'.")
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


@strawberry.type
class ReviewQuery:
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
                found = await compliance.governing(conn, r["tenant_id"], CommitmentKind.ANNUAL_REVIEW, on)
                if found is not None and found.placed is not None:
                    late.append(r)
        tenants = await ctx.loaders.tenant.load_many([r["tenant_id"] for r in late])
        return [
            ReviewGap(tenant=tenant(t), last_review_on=r["last_review_on"], published_on=r["published_on"])
            for r, t in zip(late, tenants, strict=True)
            if t is not None
        ]
