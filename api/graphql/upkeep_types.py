"""GraphQL types for keeping a compact alive: disputes, consultations, notices, reports, compliance."""

from __future__ import annotations

from datetime import date
from enum import Enum

import strawberry
from strawberry.types import Info

from api.graphql.commitment_types import (
    Commitment,
    CommitmentKind,
    DisputeStage,
    DisputeStep,
    Period,
    referenced,
)
from api.graphql.context import Context
from domain import annual_report as report
from domain import commitments, compliance
from domain.compact import ProjectLessons as DomainLessons
from projections.consultations import ConsultationRow
from projections.disputes import DisputeRow, ReferralRow
from projections.funding_notices import NoticeRow


@strawberry.enum(description="Where a dispute stands.")
class DisputeStatus(Enum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"
    WITHDRAWN = "WITHDRAWN"


@strawberry.enum(description="Why a consultation may be shorter than the compact's minimum period.")
class ShortPeriodReason(Enum):
    URGENCY = "URGENCY"
    SENSITIVITY = "SENSITIVITY"
    CONFIDENTIALITY = "CONFIDENTIALITY"


@strawberry.enum(description="What a funding-change notice announces.")
class FundingChange(Enum):
    REDUCED = "REDUCED"
    ENDED = "ENDED"
    CHANGED = "CHANGED"


@strawberry.type(description="One step a dispute went through, with its deadline where the compact sets one.")
class DisputeStageRecord:
    stage: DisputeStage  # type: ignore[valid-type]
    started_on: date
    deadline_on: date | None = strawberry.field(
        description="Null where the dispute process that governs sets no time limit for this step."
    )
    ended_on: date | None
    handled_by: str | None
    reason: str | None
    overdue: bool = strawberry.field(
        description="Past its deadline: still running after it, or ended after it."
    )


@strawberry.type(description="A party referred to the compact board for working outside the commitments.")
class BoardReferral:
    party: str
    referred_on: date
    finding: str
    dispute: str | None = strawberry.field(description="The dispute it came out of, if any.")

    @classmethod
    def from_row(cls, row: ReferralRow) -> BoardReferral:
        return cls(party=row.party, referred_on=row.referred_on, finding=row.finding, dispute=row.dispute)


@strawberry.type(
    description="A dispute between two signed parties about a commitment (private to the tenant)."
)
class Dispute:
    key: str
    raised_by: str
    against: str
    commitment: str
    summary: str
    raised_on: date
    status: DisputeStatus
    stage: DisputeStage  # type: ignore[valid-type]
    closed_on: date | None
    outcome: str | None
    stages: list[DisputeStageRecord]
    referrals: list[BoardReferral]
    steps: list[DisputeStep] = strawberry.field(
        description="The steps of the process it follows: the governing commitment's, or the registry's "
        "three, with no time limits, where nothing governs."
    )
    governed_by_ref: strawberry.Private[commitments.GovernedBy | None]

    @strawberry.field(
        description="The dispute process it follows; null where no compact up the chain sets one."
    )
    async def governed_by(self, info: Info[Context, None]) -> Commitment | None:
        return await referenced(info, self.governed_by_ref)

    @classmethod
    def from_row(cls, row: DisputeRow, on: date) -> Dispute:
        return cls(
            key=row.key,
            raised_by=row.raised_by,
            against=row.against,
            commitment=row.commitment,
            summary=row.summary,
            raised_on=row.raised_on,
            status=DisputeStatus(row.status),
            stage=commitments.DisputeStage(row.stage),
            closed_on=row.closed_on,
            outcome=row.outcome,
            stages=[
                DisputeStageRecord(
                    stage=commitments.DisputeStage(s.stage),
                    started_on=s.started_on,
                    deadline_on=s.deadline_on,
                    ended_on=s.ended_on,
                    handled_by=s.handled_by,
                    reason=s.reason,
                    overdue=s.overdue_on(on),
                )
                for s in row.stages
            ],
            referrals=[BoardReferral.from_row(r) for r in row.referrals],
            steps=[DisputeStep.of(s) for s in row.steps],
            governed_by_ref=row.governed_by,
        )


@strawberry.type(description="A response to a consultation (private to the tenant).")
class ConsultationResponse:
    respondent: str
    received_on: date
    summary: str


@strawberry.type(
    description="A consultation: who is consulted, for how long, the responses and the feedback."
)
class Consultation:
    key: str
    title: str
    consulted: list[str]
    opens_on: date
    closes_on: date
    weeks: float
    minimum: Period | None = strawberry.field(
        description="The period the consultation commitment governing it on its opening day sets; null "
        "where none does."
    )
    short: bool = strawberry.field(description="Shorter than that period.")
    uniform_at: str | None = strawberry.field(
        description="The tier whose uniform rule was at stake (a national programme applied locally), if any."
    )
    short_reason: ShortPeriodReason | None
    short_explanation: str | None
    closed_on: date | None
    feedback_on: date | None
    feedback: str | None
    responses: list[ConsultationResponse] | None = strawberry.field(
        description="For the tenant's members only, else null."
    )
    governed_by_ref: strawberry.Private[commitments.GovernedBy | None]

    @strawberry.field(
        description="The consultation commitment it was opened under; null where none governed."
    )
    async def governed_by(self, info: Info[Context, None]) -> Commitment | None:
        return await referenced(info, self.governed_by_ref)

    @classmethod
    def from_row(cls, row: ConsultationRow, members: bool) -> Consultation:
        return cls(
            key=row.key,
            title=row.title,
            consulted=row.consulted,
            opens_on=row.opens_on,
            closes_on=row.closes_on,
            weeks=round(row.weeks, 1),
            minimum=Period.of(row.minimum),
            short=row.short,
            uniform_at=row.uniform_at,
            governed_by_ref=row.governed_by,
            short_reason=ShortPeriodReason(row.short_reason) if row.short_reason else None,
            short_explanation=row.short_explanation,
            closed_on=row.closed_on,
            feedback_on=row.feedback_on,
            feedback=row.feedback,
            responses=[
                ConsultationResponse(respondent=r.respondent, received_on=r.received_on, summary=r.summary)
                for r in row.responses
            ]
            if members
            else None,
        )


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
    governed_by_ref: strawberry.Private[commitments.GovernedBy | None]

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

    def to_domain(self) -> DomainLessons:
        return DomainLessons(
            self.project, self.went_well, self.difficult, self.different_next_time, self.strategic_issues
        )


@strawberry.type(
    description="A governing commitment broken: what, by whom or what, since when, and under which."
)
class ComplianceFinding:
    kind: CommitmentKind  # type: ignore[valid-type]
    subject: str = strawberry.field(description="The party, code, consultation, notice or dispute concerned.")
    detail: str
    due_on: date | None
    explanation: str = strawberry.field(description="How the tier walk found the commitment that governs.")
    governed_by_ref: strawberry.Private[commitments.GovernedBy]

    @strawberry.field(description="The commitment broken: its tenant, section and summary.")
    async def governed_by(self, info: Info[Context, None]) -> Commitment:
        found = await referenced(info, self.governed_by_ref)
        assert found is not None
        return found

    @classmethod
    def from_domain(cls, f: compliance.Finding) -> ComplianceFinding:
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
    ungoverned: list[CommitmentKind] = strawberry.field(  # type: ignore[valid-type]
        description="Kinds of commitment that nothing up the chain governs on the date: nothing is checked."
    )
    not_checked: list[str] = strawberry.field(
        description="What a governing commitment asks that the registry cannot judge, and why."
    )
    includes_private: bool = strawberry.field(
        description="Whether private records (disputes) were checked: only for the tenant's members."
    )


@strawberry.type
class ReportAmendment:
    version: int
    effective_on: date
    rationale: str
    changes: list[str] = strawberry.field(description="Each section added, removed or changed, word by word.")


@strawberry.type
class ReportParty:
    name: str
    on: date
    detail: str = strawberry.field(
        description="The sector of a party that signed; the reason of one that left."
    )


@strawberry.type
class ReportChampion:
    name: str
    party: str
    on: date


@strawberry.type
class ReportCodeChange:
    key: str
    title: str
    change: str = strawberry.field(description="DRAFTED, ADOPTED, REVIEWED, SUPERSEDED or WITHDRAWN.")
    on: date
    detail: str


@strawberry.type
class ReportConsultation:
    key: str
    title: str
    opens_on: date
    closes_on: date
    weeks: float
    minimum: str | None = strawberry.field(
        description="The period its governing commitment set; null if none."
    )
    short: bool
    short_reason: str | None
    responses: int | None = strawberry.field(description="For the tenant's members only, else null.")
    feedback_on: date | None


@strawberry.type
class StageCount:
    stage: DisputeStage  # type: ignore[valid-type]
    count: int


@strawberry.type(description="The year's disputes in numbers; names and details stay private.")
class ReportDisputes:
    raised: int
    resolved_by_stage: list[StageCount]
    withdrawn: int
    open_at_year_end: int
    referred_to_board: int


@strawberry.type
class ReportNotice:
    public_body: str
    voluntary_body: str
    change: FundingChange
    given_on: date
    effective_on: date
    minimum: str | None = strawberry.field(
        description="The notice its governing commitment set; null if none."
    )
    short: bool
    exceptional_circumstances: str | None


@strawberry.type
class ReportReview:
    held_on: date
    achievements: list[str]
    aspirations: list[str]
    issues: list[str]
    amendments: list[str]
    projects: list[str]


@strawberry.type(description="Everything that happened to a compact in a calendar year, from its events.")
class AnnualReport:
    year: int
    compact_title: str | None
    amendments: list[ReportAmendment]
    parties_joined: list[ReportParty]
    parties_left: list[ReportParty]
    champions_appointed: list[ReportChampion]
    champions_gone: list[ReportChampion]
    codes: list[ReportCodeChange]
    consultations: list[ReportConsultation]
    disputes: ReportDisputes | None = strawberry.field(
        description="For the tenant's members only, else null."
    )
    funding_notices: list[ReportNotice]
    reviews: list[ReportReview]
    markdown: str = strawberry.field(description="The report as a Markdown document.")
    html: str = strawberry.field(description="The report as an HTML page.")

    @classmethod
    def from_domain(cls, r: report.AnnualReport) -> AnnualReport:
        d = r.disputes
        return cls(
            year=r.year,
            compact_title=r.compact_title,
            amendments=[
                ReportAmendment(
                    version=a.version,
                    effective_on=a.effective_on,
                    rationale=a.rationale,
                    changes=list(a.changes),
                )
                for a in r.amendments
            ],
            parties_joined=[ReportParty(name=p.name, on=p.on, detail=p.detail) for p in r.parties_joined],
            parties_left=[ReportParty(name=p.name, on=p.on, detail=p.detail) for p in r.parties_left],
            champions_appointed=[
                ReportChampion(name=c.name, party=c.party, on=c.on) for c in r.champions_appointed
            ],
            champions_gone=[ReportChampion(name=c.name, party=c.party, on=c.on) for c in r.champions_gone],
            codes=[
                ReportCodeChange(key=c.key, title=c.title, change=c.change, on=c.on, detail=c.detail)
                for c in r.codes
            ],
            consultations=[
                ReportConsultation(
                    key=c.key,
                    title=c.title,
                    opens_on=c.opens_on,
                    closes_on=c.closes_on,
                    weeks=round(c.weeks, 1),
                    minimum=c.minimum,
                    short=c.short,
                    short_reason=c.short_reason,
                    responses=c.responses,
                    feedback_on=c.feedback_on,
                )
                for c in r.consultations
            ],
            disputes=None
            if d is None
            else ReportDisputes(
                raised=d.raised,
                resolved_by_stage=[
                    StageCount(stage=commitments.DisputeStage(s), count=n)
                    for s, n in d.resolved_by_stage.items()
                ],
                withdrawn=d.withdrawn,
                open_at_year_end=d.open_at_year_end,
                referred_to_board=d.referred_to_board,
            ),
            funding_notices=[
                ReportNotice(
                    public_body=n.public_body,
                    voluntary_body=n.voluntary_body,
                    change=FundingChange(n.change),
                    given_on=n.given_on,
                    effective_on=n.effective_on,
                    minimum=n.minimum,
                    short=n.short,
                    exceptional_circumstances=n.exceptional_circumstances,
                )
                for n in r.funding_notices
            ],
            reviews=[
                ReportReview(
                    held_on=v.held_on,
                    achievements=v.achievements,
                    aspirations=v.aspirations,
                    issues=v.issues,
                    amendments=v.amendments,
                    projects=v.projects,
                )
                for v in r.reviews
            ],
            markdown=r.to_markdown(),
            html=r.to_html(),
        )
