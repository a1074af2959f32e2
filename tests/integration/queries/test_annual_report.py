"""The annual report of a scripted year, line by line, as a member and as the public read it."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg

from api.bootstrap import vault_of
from api.reading import reading
from domain.actors import ANONYMOUS, Actor, Role
from domain.annual_report import AnnualReport
from domain.commands import (
    AdoptCode,
    AmendCompact,
    AppointChampion,
    CloseConsultation,
    CreateTenant,
    DraftCode,
    EscalateDispute,
    GiveFundingNotice,
    HoldAnnualReview,
    MergeCode,
    OpenConsultation,
    PublishCompact,
    PublishConsultationFeedback,
    RaiseDispute,
    RecordConsultationResponse,
    ResolveDispute,
    ReviewCode,
    SignCompact,
    StandDownChampion,
    WithdrawParty,
)
from domain.commitments import Commitment, CommitmentKind, DisputeStage, Firmness, Period, PeriodUnit
from domain.compact import ProjectLessons, Section
from domain.funding_notices import FundingChange
from domain.register import Sector
from domain.tenancy import Tier
from infra.database import Database
from projections.queries.annual_report import annual_report
from projections.worker import ProjectionWorker, wait_until_current
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.registry import Registry
from services.tenants import TenantService

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))
AUDITOR = Actor(sub="auditor@example.org", roles=frozenset({Role.AUDITOR}), tenants=frozenset({"harrow"}))


def script_2021(registry: Registry) -> None:
    """Harrow's 2021, with a little of 2019, 2020 and 2022 around it that the report must leave out."""
    tenants, compacts, codes = (
        TenantService(registry),
        CompactService(registry, vault_of(registry)),
        CodeService(registry),
    )
    tenants.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    tenants.create_tenant(
        ADMIN, CreateTenant(slug="london", name="London", tier=Tier.REGIONAL, parent="england")
    )
    tenants.create_tenant(
        ADMIN, CreateTenant(slug="harrow", name="Harrow", tier=Tier.DISTRICT, parent="london")
    )
    t = "harrow"
    # The national compact's two figures, which Harrow's compact, setting none, inherits by the tier walk.
    national = (
        Commitment("consultation-period", CommitmentKind.CONSULTATION_PERIOD, Firmness.IN_FORCE,
                   "12 weeks for formal written consultations.", period=Period(12, PeriodUnit.WEEKS)),
        Commitment("funding-notice", CommitmentKind.FUNDING_NOTICE, Firmness.IN_FORCE,
                   "Three months' notice, save in exceptional circumstances.", bound=("public bodies",),
                   period=Period(3, PeriodUnit.MONTHS), exceptions=("exceptional circumstances",)),
    )  # fmt: skip
    compacts.publish(
        ADMIN,
        PublishCompact(
            tenant="england",
            title="The national Compact (scripted)",
            effective_on=date(2010, 12, 1),
            sections=(Section("1", "Undertakings", "Consult and give notice.", (), (), national),),
        ),
    )
    compacts.publish(
        ADMIN,
        PublishCompact(
            tenant=t,
            title="The Harrow Compact",
            effective_on=date(2019, 4, 1),
            sections=(Section("1", "Disputes", "Settle them early.", ("disputes",)),),
        ),
    )
    compacts.sign(
        ADMIN,
        SignCompact(tenant=t, party="Harrow Council", sector=Sector.STATUTORY, signed_on=date(2019, 5, 1)),
    )
    compacts.sign(
        ADMIN,
        SignCompact(
            tenant=t, party="Youth Trust", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2019, 6, 1)
        ),
    )
    compacts.sign(
        ADMIN,
        SignCompact(
            tenant=t, party="Harrow CVS", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2021, 2, 1)
        ),
    )
    compacts.withdraw(
        ADMIN,
        WithdrawParty(
            tenant=t, party="Youth Trust", on=date(2021, 9, 30), reason="Merged with another charity"
        ),
    )
    compacts.appoint_champion(
        ADMIN,
        AppointChampion(tenant=t, party="Harrow Council", name="Bob Smith", appointed_on=date(2020, 1, 1)),
    )
    compacts.appoint_champion(
        ADMIN, AppointChampion(tenant=t, party="Harrow CVS", name="Ann Jones", appointed_on=date(2021, 3, 1))
    )
    compacts.stand_down_champion(
        ADMIN, StandDownChampion(tenant=t, party="Harrow Council", on=date(2021, 7, 1))
    )
    codes.draft(ADMIN, DraftCode(
        tenant=t, key="volunteering", title="Volunteering", matters=("volunteering",), lead="Cy",
        drafted_on=date(2021, 1, 10),
    ))  # fmt: skip
    codes.adopt(
        ADMIN,
        AdoptCode(
            tenant=t, key="funding", title="Funding", matters=("funding",), adopted_on=date(2021, 4, 1)
        ),
    )
    codes.review(
        ADMIN,
        ReviewCode(
            tenant=t,
            key="funding",
            reviewed_on=date(2021, 11, 1),
            next_review_due=date(2022, 11, 1),
            notes="ok",
        ),
    )
    codes.adopt(
        ADMIN,
        AdoptCode(
            tenant=t, key="bme", title="BME groups", matters=("bme groups",), adopted_on=date(2019, 7, 1)
        ),
    )
    codes.adopt(
        ADMIN,
        AdoptCode(
            tenant=t, key="equality", title="Equality", matters=("equality",), adopted_on=date(2019, 7, 1)
        ),
    )
    codes.merge(ADMIN, MergeCode(tenant=t, key="bme", into="equality", on=date(2021, 6, 1)))
    compacts.amend(
        ADMIN,
        AmendCompact(
            tenant=t,
            effective_on=date(2021, 5, 1),
            rationale="Disputes section rewritten",
            upsert=(Section("1", "Disputes", "Three stages.", ("disputes",)),),
            remove=(),
        ),
    )
    consultations = ConsultationService(registry)
    consultations.open(ADMIN, OpenConsultation(
        tenant=t, key="refresh", title="Compact refresh", consulted=("Voluntary sector",),
        opens_on=date(2021, 8, 2), closes_on=date(2021, 9, 13),
    ))  # fmt: skip
    consultations.record_response(
        ADMIN,
        RecordConsultationResponse(
            tenant=t, key="refresh", respondent="Harrow CVS", received_on=date(2021, 9, 1), summary="Yes"
        ),
    )
    consultations.close(ADMIN, CloseConsultation(tenant=t, key="refresh", on=date(2021, 9, 13)))
    consultations.publish_feedback(
        ADMIN,
        PublishConsultationFeedback(tenant=t, key="refresh", on=date(2021, 10, 1), feedback="We heard you"),
    )
    disputes = DisputeService(registry)
    disputes.raise_dispute(ADMIN, RaiseDispute(
        tenant=t, key="late-grant", raised_by="Harrow CVS", against="Harrow Council",
        commitment="Timely payment", summary="Grant paid late", raised_on=date(2021, 3, 10),
    ))  # fmt: skip
    disputes.escalate(ADMIN, EscalateDispute(
        tenant=t, key="late-grant", to=DisputeStage.INVESTIGATION, on=date(2021, 4, 20),
        handled_by="Relationship manager", reason="No agreement",
    ))  # fmt: skip
    disputes.resolve(
        ADMIN, ResolveDispute(tenant=t, key="late-grant", on=date(2021, 5, 30), outcome="Paid with apology")
    )
    disputes.raise_dispute(ADMIN, RaiseDispute(
        tenant=t, key="office-space", raised_by="Harrow CVS", against="Harrow Council",
        commitment="Premises", summary="Lease ended", raised_on=date(2021, 11, 1),
    ))  # fmt: skip
    FundingNoticeService(registry).give(ADMIN, GiveFundingNotice(
        tenant=t, key="advice", public_body="Harrow Council", voluntary_body="Advice Centre",
        change=FundingChange.ENDED, given_on=date(2021, 10, 1), effective_on=date(2022, 4, 1),
        rationale="Service recommissioned",
    ))  # fmt: skip
    compacts.hold_annual_review(ADMIN, HoldAnnualReview(
        tenant=t, held_on=date(2021, 12, 1), achievements=("Champions in every party",), aspirations=(),
        issues=("Late payments",), amendments=(),
        projects=(ProjectLessons("Volunteers' week", "Turnout", "Venue", "Book early", "None"),),
    ))  # fmt: skip
    compacts.hold_annual_review(ADMIN, HoldAnnualReview(
        tenant=t, held_on=date(2022, 1, 5), achievements=("Next year",), aspirations=(), issues=(),
        amendments=(),
    ))  # fmt: skip


def report_as(db: Database, actor: Actor) -> AnnualReport:
    async def read() -> AnnualReport:
        pool = await asyncpg.create_pool(**db.asyncpg_kwargs(), min_size=1, max_size=1)
        try:
            async with reading(pool, actor) as conn:
                return await annual_report(conn, "harrow", "Harrow", 2021, members=actor.can_audit("harrow"))
        finally:
            await pool.close()

    return asyncio.run(read())


MEMBERS_REPORT = """\
# Harrow: annual report 2021

The Harrow Compact, from 2021-01-01 to 2021-12-31.

## The compact

- 2021-05-01: version 2: Disputes section rewritten
- version 2: changed 1 Disputes: [-Settle them early.-]{+Three stages.+}

## Parties who signed

- 2021-02-01: Harrow CVS (VOLUNTARY_COMMUNITY)

## Parties who left

- 2021-09-30: Youth Trust: Merged with another charity

## Compact Champions appointed

- 2021-03-01: Ann Jones for Harrow CVS

## Compact Champions who stood down

- 2021-07-01: Bob Smith for Harrow Council

## Codes of Good Practice

- 2021-01-10: Volunteering (volunteering) drafted
- 2021-04-01: Funding (funding) drafted
- 2021-04-01: Funding (funding) adopted
- 2021-06-01: BME groups (bme) superseded: merged into equality
- 2021-11-01: Funding (funding) reviewed: next review due 2022-11-01

## Consultations

- Compact refresh (2021-08-02 to 2021-09-13, 6.0 weeks, shorter than 12 weeks (no reason recorded)); responses: 1; \
feedback published 2021-10-01

## Disputes

- Raised: 2.
- Resolved at stage BETWEEN_PARTIES: 0.
- Resolved at stage INVESTIGATION: 1.
- Resolved at stage MEDIATION: 0.
- Withdrawn: 0.
- Open at the end of the year: 1.
- Parties referred to the board: 0.

## Funding-change notices

- 2021-10-01: Harrow Council to Advice Centre, funding ended from 2022-04-01

## Annual reviews

- 2021-12-01: achieved: Champions in every party
- 2021-12-01: issue: Late payments
- 2021-12-01: lessons recorded from Volunteers' week
"""


def test_the_annual_report_of_a_scripted_year_line_by_line(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_2021(registry)
    wait_until_current(clean_db, timeout=30)
    members = report_as(clean_db, AUDITOR)
    assert members.to_markdown().splitlines() == MEMBERS_REPORT.splitlines()
    page = members.to_html()
    assert "<h1>Harrow: annual report 2021</h1>" in page
    assert "<li>2021-12-01: lessons recorded from Volunteers&#x27; week</li>" in page

    # The public reads the same year without the disputes and the count of private responses.
    public = report_as(clean_db, ANONYMOUS).to_markdown().splitlines()
    differing = [line for line in public if line not in MEMBERS_REPORT.splitlines()]
    assert differing == [
        "- Compact refresh (2021-08-02 to 2021-09-13, 6.0 weeks, shorter than 12 weeks (no reason recorded)); "
        "feedback published 2021-10-01",
        "- Not shown: disputes are private to the compact's members.",
    ]
