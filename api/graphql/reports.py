"""The annual report in GraphQL: everything that happened to a compact in a calendar year, from its events."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from domain import annual_report as report
from domain.commitments import DisputeStage
from domain.errors import InvalidInput, NotFound
from domain.funding_notices import FundingChange
from projections.queries import annual_report


@strawberry.type
class ReportAmendment:
    version: int
    effective_on: date
    rationale: str
    changes: list[str] = strawberry.field(description="Each section added, removed or changed, word by word.")

    @classmethod
    def of(cls, a: report.AmendmentLine) -> ReportAmendment:
        return cls(
            version=a.version, effective_on=a.effective_on, rationale=a.rationale, changes=list(a.changes)
        )


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

    @classmethod
    def of(cls, c: report.ConsultationLine) -> ReportConsultation:
        return cls(
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


@strawberry.type
class StageCount:
    stage: DisputeStage
    count: int


@strawberry.type(description="The year's disputes in numbers; names and details stay private.")
class ReportDisputes:
    raised: int
    resolved_by_stage: list[StageCount]
    withdrawn: int
    open_at_year_end: int
    referred_to_board: int

    @classmethod
    def of(cls, d: report.DisputeSummary) -> ReportDisputes:
        return cls(
            raised=d.raised,
            resolved_by_stage=[
                StageCount(stage=DisputeStage(s), count=n) for s, n in d.resolved_by_stage.items()
            ],
            withdrawn=d.withdrawn,
            open_at_year_end=d.open_at_year_end,
            referred_to_board=d.referred_to_board,
        )


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

    @classmethod
    def of(cls, n: report.NoticeLine) -> ReportNotice:
        return cls(
            public_body=n.public_body,
            voluntary_body=n.voluntary_body,
            change=FundingChange(n.change),
            given_on=n.given_on,
            effective_on=n.effective_on,
            minimum=n.minimum,
            short=n.short,
            exceptional_circumstances=n.exceptional_circumstances,
        )


@strawberry.type
class ReportReview:
    held_on: date
    achievements: list[str]
    aspirations: list[str]
    issues: list[str]
    amendments: list[str]
    projects: list[str]

    @classmethod
    def of(cls, v: report.ReviewLine) -> ReportReview:
        return cls(
            held_on=v.held_on,
            achievements=v.achievements,
            aspirations=v.aspirations,
            issues=v.issues,
            amendments=v.amendments,
            projects=v.projects,
        )


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
        def parties(lines: list[report.PartyLine]) -> list[ReportParty]:
            return [ReportParty(name=p.name, on=p.on, detail=p.detail) for p in lines]

        def champions(lines: list[report.ChampionLine]) -> list[ReportChampion]:
            return [ReportChampion(name=c.name, party=c.party, on=c.on) for c in lines]

        return cls(
            year=r.year,
            compact_title=r.compact_title,
            amendments=[ReportAmendment.of(a) for a in r.amendments],
            parties_joined=parties(r.parties_joined),
            parties_left=parties(r.parties_left),
            champions_appointed=champions(r.champions_appointed),
            champions_gone=champions(r.champions_gone),
            codes=[
                ReportCodeChange(key=c.key, title=c.title, change=c.change, on=c.on, detail=c.detail)
                for c in r.codes
            ],
            consultations=[ReportConsultation.of(c) for c in r.consultations],
            disputes=None if r.disputes is None else ReportDisputes.of(r.disputes),
            funding_notices=[ReportNotice.of(n) for n in r.funding_notices],
            reviews=[ReportReview.of(v) for v in r.reviews],
            markdown=r.to_markdown(),
            html=r.to_html(),
        )


@strawberry.type
class Query:
    @strawberry.field(
        description="What happened to a tenant's compact in a calendar year; disputes only for members."
    )
    async def annual_report(self, info: Info[Context, None], tenant: str, year: int) -> AnnualReport:
        if not 1900 <= year <= 2200:
            raise InvalidInput(f"{year} is not a year this registry can report on.")
        ctx = info.context
        found = await ctx.loaders.tenant.load(tenant)
        if found is None:
            raise NotFound(f"There is no tenant '{tenant}'.")
        async with ctx.read() as conn:
            made = await annual_report.annual_report(
                conn, tenant, found.name, year, members=ctx.actor.can_audit(tenant)
            )
        return AnnualReport.from_domain(made)
