"""The compact in GraphQL: versions, drafts, diffs, proposed amendments, annual reviews, their mutations."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.context import Context, Loaders
from api.graphql.run import Reader, execute
from api.graphql.text import Section, SectionInput
from domain import commands, compact, diff
from domain.actors import Role
from domain.errors import NotFound
from projections.amendment_proposals import ProposalRow
from projections.annual_reviews import ReviewRow
from projections.base import LATEST
from projections.compact_text import CompactRow, sections_of


@strawberry.enum(description="A compact in force, or a draft out for consultation.")
class CompactStatus(Enum):
    DRAFT = "DRAFT"
    IN_FORCE = "IN_FORCE"


@strawberry.type(description="A version of a tenant's compact: 1 when published, +1 per amendment.")
class Compact:
    title: str
    version: int
    effective_on: date
    sections: list[Section]
    status: CompactStatus = strawberry.field(
        default=CompactStatus.IN_FORCE,
        description="DRAFT: published for consultation and not yet adopted on the date asked about.",
    )
    consultation_closes_on: date | None = strawberry.field(
        default=None, description="For a draft: when its consultation closes."
    )
    adopted_on: date | None = strawberry.field(
        default=None, description="For a compact first published as a draft: the day it came into force."
    )

    @classmethod
    def from_row(cls, row: CompactRow, status: CompactStatus = CompactStatus.IN_FORCE) -> Compact:
        return cls(
            title=row.title,
            version=row.version,
            effective_on=row.effective_on,
            sections=[Section.of(row.tenant, row.version, s) for s in row.sections],
            status=status,
            consultation_closes_on=row.consultation_closes_on,
            adopted_on=row.adopted_on,
        )


@strawberry.type(description="One version of a compact: when it took effect, why, and who recorded it when.")
class CompactVersion:
    version: int
    title: str
    effective_on: date
    rationale: str | None = strawberry.field(description="Null for version 1, the publication.")
    recorded_at: datetime
    recorded_by: str = strawberry.field(
        description="Who recorded it: the person for the tenant's members, otherwise the role and council."
    )


def recorded_in_role(role: str | None, tenant_name: str) -> str:
    """Who recorded a version, as the public sees it: a role and a council, never a person."""
    if role == Role.PLATFORM_ADMIN.value:
        return "A platform administrator"
    if role == Role.EDITOR.value:
        return f"An editor for {tenant_name}"
    return f"An editor for {tenant_name} or a platform administrator"


@strawberry.type(description="A word of a changed section: same, added or removed.")
class WordChange:
    op: str
    text: str


@strawberry.type(description="A section in both versions that differs between them.")
class SectionChange:
    key: str
    before: Section
    after: Section
    words: list[WordChange]
    marked: str = strawberry.field(description="The text with [-removed-] and {+added+} words marked.")


@strawberry.type(description="What changed from one version of a compact to another.")
class CompactDiff:
    from_version: int
    to_version: int
    added: list[Section]
    removed: list[Section]
    changed: list[SectionChange]


@strawberry.type(description="An amendment put forward for consultation, and what became of it.")
class AmendmentProposal:
    key: str
    rationale: str
    effective_on: date
    proposed_on: date
    consultation_closes_on: date | None
    upsert_sections: list[Section]
    remove_sections: list[str]
    status: str = strawberry.field(description="PROPOSED, ADOPTED or REJECTED.")
    decided_on: date | None
    rejection_reason: str | None

    @classmethod
    def from_row(cls, row: ProposalRow) -> AmendmentProposal:
        return cls(
            key=row.key,
            rationale=row.rationale,
            effective_on=row.effective_on,
            proposed_on=row.proposed_on,
            consultation_closes_on=row.consultation_closes_on,
            upsert_sections=[Section.of_domain(compact.Section.from_dict(s)) for s in row.upserted],
            remove_sections=row.removed,
            status=row.status,
            decided_on=row.decided_on,
            rejection_reason=row.rejection_reason,
        )


@strawberry.type(description="The four questions asked at the end of a joint project.")
class ProjectLessons:
    project: str
    went_well: str
    difficult: str
    different_next_time: str
    strategic_issues: str


@strawberry.input(description="The answers to the four questions asked at the end of a joint project.")
class ProjectLessonsInput:
    project: str
    went_well: str
    difficult: str
    different_next_time: str
    strategic_issues: str

    def to_domain(self) -> compact.ProjectLessons:
        return compact.ProjectLessons(
            self.project, self.went_well, self.difficult, self.different_next_time, self.strategic_issues
        )


@strawberry.type(
    description="An annual review: achievements, aspirations, issues and the amendments it put forward."
)
class AnnualReview:
    held_on: date
    achievements: list[str]
    aspirations: list[str]
    issues: list[str]
    amendments: list[str] = strawberry.field(description="Keys of the proposed amendments it refers to.")
    projects: list[ProjectLessons] = strawberry.field(
        description="The four questions answered for each joint project finished that year."
    )

    @classmethod
    def from_row(cls, r: ReviewRow) -> AnnualReview:
        return cls(
            held_on=r.held_on,
            achievements=r.achievements,
            aspirations=r.aspirations,
            issues=r.issues,
            amendments=r.amendments,
            projects=[
                ProjectLessons(
                    project=p.project,
                    went_well=p.went_well,
                    difficult=p.difficult,
                    different_next_time=p.different_next_time,
                    strategic_issues=p.strategic_issues,
                )
                for p in r.projects
            ],
        )


# What the Tenant type answers about its compact (api/graphql/tenant.py holds the fields).


async def versions(info: Info[Context, None], slug: str, name: str) -> list[CompactVersion]:
    rows = await info.context.loaders.versions.load(slug)
    member = info.context.actor.can_audit(slug)
    return [
        CompactVersion(
            version=r.version,
            title=r.title,
            effective_on=r.effective_on,
            rationale=r.rationale,
            recorded_at=r.recorded_at,
            recorded_by=r.recorded_by if member else recorded_in_role(r.recorded_as, name),
        )
        for r in rows
    ]


async def compact_diff(info: Info[Context, None], slug: str, from_: int, to: int) -> CompactDiff:
    async with info.context.read() as conn:
        found = await sections_of(conn, slug, [from_, to])
    for version in (from_, to):
        if version not in found:
            raise NotFound(f"The compact of '{slug}' has no version {version}.")

    def domain_sections(version: int) -> list[compact.Section]:
        return [compact.Section(s.key, s.heading, s.text, tuple(s.matters)) for s in found[version]]

    result = diff.diff_sections(domain_sections(from_), domain_sections(to))
    return CompactDiff(
        from_version=from_,
        to_version=to,
        added=[Section.of_domain(s) for s in result.added],
        removed=[Section.of_domain(s) for s in result.removed],
        changed=[
            SectionChange(
                key=c.key,
                before=Section.of_domain(c.before),
                after=Section.of_domain(c.after),
                words=[WordChange(op=w.op, text=w.text) for w in c.words],
                marked=c.marked,
            )
            for c in result.changed
        ],
    )


# Reading a command's result back, once the read models include it.


def compact_on(tenant: str, day: date, status: CompactStatus = CompactStatus.IN_FORCE) -> Reader[Compact]:
    async def read(loaders: Loaders) -> Compact | None:
        loader = loaders.drafts if status is CompactStatus.DRAFT else loaders.compact
        row = await loader.load((tenant, day, LATEST))
        return Compact.from_row(row, status) if row else None

    return read


def proposal(tenant: str, key: str) -> Reader[AmendmentProposal]:
    async def read(loaders: Loaders) -> AmendmentProposal | None:
        rows = await loaders.proposals.load(tenant)
        return next((AmendmentProposal.from_row(r) for r in rows if r.key == key), None)

    return read


def review(tenant: str, held_on: date) -> Reader[AnnualReview]:
    async def read(loaders: Loaders) -> AnnualReview | None:
        rows = await loaders.reviews.load(tenant)
        return next((AnnualReview.from_row(r) for r in rows if r.held_on == held_on), None)

    return read


@strawberry.type
class Mutation:
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
        command = commands.PublishCompact(
            tenant=tenant,
            title=title,
            effective_on=effective_on,
            sections=tuple(s.to_domain() for s in sections),
            draft=draft,
            consultation_closes_on=consultation_closes_on,
        )
        status = CompactStatus.DRAFT if draft else CompactStatus.IN_FORCE
        ctx = info.context
        read = compact_on(tenant, effective_on, status)
        return await execute(ctx, ctx.services.compacts.publish, command, read, f"The compact of '{tenant}'")

    @strawberry.mutation(
        description="Adopt a draft compact: in force from `adoptedOn`, after its consultation."
    )
    async def adopt_compact(self, info: Info[Context, None], tenant: str, adopted_on: date) -> Compact:
        ctx = info.context
        command = commands.AdoptCompact(tenant=tenant, adopted_on=adopted_on)
        read = compact_on(tenant, adopted_on)
        return await execute(ctx, ctx.services.compacts.adopt, command, read, f"The compact of '{tenant}'")

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
        command = commands.AmendCompact(
            tenant=tenant,
            effective_on=effective_on,
            rationale=rationale,
            upsert=tuple(s.to_domain() for s in upsert_sections or []),
            remove=tuple(remove_sections or []),
        )
        read = compact_on(tenant, effective_on)
        return await execute(ctx, ctx.services.compacts.amend, command, read, f"The compact of '{tenant}'")

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
        command = commands.ProposeAmendment(
            tenant=tenant,
            key=key,
            effective_on=effective_on,
            rationale=rationale,
            proposed_on=proposed_on,
            upsert=tuple(s.to_domain() for s in upsert_sections or []),
            remove=tuple(remove_sections or []),
            consultation_closes_on=consultation_closes_on,
        )
        what = f"The proposal '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.compacts.propose, command, proposal(tenant, key), what)

    @strawberry.mutation(description="Adopt a proposed amendment: the compact's next version, from its date.")
    async def adopt_amendment(
        self, info: Info[Context, None], tenant: str, key: str, adopted_on: date
    ) -> Compact:
        ctx = info.context
        command = commands.AdoptAmendment(tenant=tenant, key=key, adopted_on=adopted_on)
        what = f"The proposal '{key}' of '{tenant}'"
        adopted = await execute(
            ctx, ctx.services.compacts.adopt_proposal, command, proposal(tenant, key), what
        )
        found = await compact_on(tenant, adopted.effective_on)(ctx.loaders)
        if found is None:
            raise NotFound(f"The compact of '{tenant}' was recorded but cannot be read back.")
        return found

    @strawberry.mutation(description="Reject a proposed amendment, with the reason.")
    async def reject_amendment(
        self, info: Info[Context, None], tenant: str, key: str, on: date, reason: str
    ) -> AmendmentProposal:
        ctx = info.context
        command = commands.RejectAmendment(tenant=tenant, key=key, on=on, reason=reason)
        what = f"The proposal '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.compacts.reject_proposal, command, proposal(tenant, key), what)

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
        command = commands.HoldAnnualReview(
            tenant=tenant,
            held_on=held_on,
            achievements=tuple(achievements or ()),
            aspirations=tuple(aspirations or ()),
            issues=tuple(issues or ()),
            amendments=tuple(amendments or ()),
            projects=tuple(p.to_domain() for p in projects or []),
        )
        what = f"The annual review of '{tenant}' held on {held_on.isoformat()}"
        return await execute(
            ctx, ctx.services.compacts.hold_annual_review, command, review(tenant, held_on), what
        )
