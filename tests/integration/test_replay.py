"""Every read model, emptied and replayed from the event store, equals the one kept current live."""

from __future__ import annotations

import threading
from datetime import date

import psycopg
from psycopg import sql

from api.bootstrap import vault_of
from domain.actors import Actor, Role
from domain.commands import (
    AdoptAmendment,
    AdoptCode,
    AmendCompact,
    AppointChampion,
    AssignSteeringRole,
    CloseConsultation,
    CreateTenant,
    CreateWebhook,
    DeleteWebhook,
    EndorseCode,
    EraseDataSubject,
    EscalateDispute,
    ExplainShortConsultation,
    GiveFundingNotice,
    HoldAnnualReview,
    MergeCode,
    OpenConsultation,
    ProposeAmendment,
    PublishCompact,
    PublishConsultationFeedback,
    RaiseDispute,
    RecordConsultationResponse,
    RecordExceptionalCircumstances,
    RecordPartyContact,
    ReferPartyToBoard,
    ResolveDispute,
    SignCompact,
    StandDownChampion,
    WithdrawParty,
)
from domain.commitments import (
    Commitment,
    CommitmentKind,
    DisputeStage,
    DisputeStep,
    Firmness,
    Period,
    PeriodUnit,
)
from domain.compact import ProjectLessons, Section
from domain.consultations import ShortPeriodReason
from domain.errors import Conflict
from domain.funding_notices import FundingChange
from domain.register import Contact, Register, Sector, register_id
from domain.steering_group import SteeringRole
from domain.tenancy import Tier
from infra.database import Database
from infra.webhook_targets import PublicTargets
from projections.catalogue import PROJECTIONS
from projections.worker import ProjectionWorker
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.registry import Registry
from services.steering_group import SteeringGroupService
from services.tenants import TenantService
from services.webhooks import WebhookService
from tests.conftest import READ_MODEL_TABLES, count_events
from tests.support import all_due, all_tracked, paused, rows, wait_until

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))
# The scripted compacts' own commitments: a period for notices, and time limits for the dispute steps.
NOTICE = Commitment(
    "funding-notice", CommitmentKind.FUNDING_NOTICE, Firmness.IN_FORCE, "Three months' notice.",
    bound=("public bodies",), period=Period(3, PeriodUnit.MONTHS), exceptions=("exceptional circumstances",),
)  # fmt: skip
CONSULT = Commitment(
    "consultation-period", CommitmentKind.CONSULTATION_PERIOD, Firmness.IN_FORCE, "Twelve weeks.",
    period=Period(12, PeriodUnit.WEEKS), exceptions=("urgency",),
)  # fmt: skip
PROCESS = Commitment(
    "dispute-process", CommitmentKind.DISPUTE_PROCESS, Firmness.IN_FORCE, "Two steps, each with a limit.",
    steps=(
        DisputeStep(DisputeStage.BETWEEN_PARTIES, Period(28, PeriodUnit.DAYS)),
        DisputeStep(DisputeStage.INVESTIGATION, Period(30, PeriodUnit.DAYS)),
    ),
)  # fmt: skip


def upkeep(registry: Registry, tenant: str) -> None:
    """A dispute through its steps, a short consultation, a short funding notice, a referral to the board."""
    disputes, consults = DisputeService(registry), ConsultationService(registry)
    compacts = CompactService(registry, vault_of(registry))
    disputes.raise_dispute(
        ADMIN,
        RaiseDispute(
            tenant=tenant,
            key="grant-terms",
            raised_by="CVS",
            against="Council",
            commitment="Notice before funding changes",
            summary="Grant cut without notice",
            raised_on=date(2008, 6, 1),
        ),
    )
    disputes.escalate(
        ADMIN,
        EscalateDispute(
            tenant=tenant,
            key="grant-terms",
            to=DisputeStage.INVESTIGATION,
            on=date(2008, 7, 15),
            handled_by="Relationship manager",
            reason="No agreement",
        ),
    )
    compacts.refer_to_board(
        ADMIN,
        ReferPartyToBoard(
            tenant=tenant,
            party="Council",
            on=date(2008, 8, 1),
            finding="No notice given",
            dispute="grant-terms",
        ),
    )
    disputes.resolve(
        ADMIN,
        ResolveDispute(tenant=tenant, key="grant-terms", on=date(2008, 8, 20), outcome="Grant restored"),
    )
    consults.open(
        ADMIN,
        OpenConsultation(
            tenant=tenant,
            key="refresh",
            title="Compact refresh",
            consulted=("Voluntary sector",),
            opens_on=date(2008, 9, 1),
            closes_on=date(2008, 10, 1),
        ),
    )
    consults.record_response(
        ADMIN,
        RecordConsultationResponse(
            tenant=tenant, key="refresh", respondent="CVS", received_on=date(2008, 9, 20), summary="Agree"
        ),
    )
    consults.close(ADMIN, CloseConsultation(tenant=tenant, key="refresh", on=date(2008, 10, 1)))
    consults.explain_short_period(
        ADMIN,
        ExplainShortConsultation(
            tenant=tenant, key="refresh", reason=ShortPeriodReason.URGENCY, explanation="Budget deadline"
        ),
    )
    consults.publish_feedback(
        ADMIN,
        PublishConsultationFeedback(tenant=tenant, key="refresh", on=date(2008, 10, 15), feedback="Thanks"),
    )
    notices = FundingNoticeService(registry)
    notices.give(
        ADMIN,
        GiveFundingNotice(
            tenant=tenant,
            key="advice-grant",
            public_body="Council",
            voluntary_body="Advice Centre",
            change=FundingChange.ENDED,
            given_on=date(2008, 11, 1),
            effective_on=date(2008, 12, 1),
            rationale="Service recommissioned",
        ),
    )
    notices.record_circumstances(
        ADMIN, RecordExceptionalCircumstances(tenant=tenant, key="advice-grant", circumstances="Fraud found")
    )


def script_history(registry: Registry) -> None:
    """A few years of three tenants: text, amendments, parties, champions and codes."""
    tenants, compacts, codes = (
        TenantService(registry),
        CompactService(registry, vault_of(registry)),
        CodeService(registry),
    )
    steering = SteeringGroupService(registry)
    tenants.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    tenants.create_tenant(
        ADMIN, CreateTenant(slug="east", name="East of England", tier=Tier.REGIONAL, parent="england")
    )
    tenants.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.COUNTY, parent="east"))
    for i, tenant in enumerate(("england", "east", "essex")):
        compacts.publish(
            ADMIN,
            PublishCompact(
                tenant=tenant,
                title=f"Compact {tenant}",
                effective_on=date(2004 + i, 1, 1),
                sections=(
                    Section(
                        "1", "Funding", "Notice before funding changes.", ("finance",), (), (NOTICE, CONSULT)
                    ),
                    Section("2", "Volunteering", "Volunteers are valued.", ("volunteering",)),
                ),
            ),
        )
        compacts.amend(
            ADMIN,
            AmendCompact(
                tenant=tenant,
                effective_on=date(2008, 1, 1),
                rationale="Annual review",
                upsert=(Section("3", "Disputes", "Mediation first.", ("complaints",), (), (PROCESS,)),),
                remove=("2",),
            ),
        )
        compacts.propose(
            ADMIN,
            ProposeAmendment(
                tenant=tenant,
                key="review",
                effective_on=date(2009, 4, 1),
                rationale="Review",
                upsert=(Section("4", "Champions", "Each party names one.", ("champions",)),),
                remove=(),
                proposed_on=date(2008, 12, 1),
                consultation_closes_on=date(2009, 3, 1),
            ),
        )
        compacts.adopt_proposal(
            ADMIN, AdoptAmendment(tenant=tenant, key="review", adopted_on=date(2009, 3, 2))
        )
        compacts.hold_annual_review(
            ADMIN,
            HoldAnnualReview(
                tenant=tenant,
                held_on=date(2009, 1, 15),
                achievements=("Codes adopted",),
                aspirations=("More parties",),
                issues=(),
                amendments=("review",),
                projects=(ProjectLessons("Funding fair", "Turnout", "Venue", "Book early", "None"),),
            ),
        )
        for party, sector in (("Council", Sector.STATUTORY), ("CVS", Sector.VOLUNTARY_COMMUNITY)):
            compacts.sign(
                ADMIN, SignCompact(tenant=tenant, party=party, sector=sector, signed_on=date(2008, 2, 1))
            )
        compacts.record_contact(
            ADMIN,
            RecordPartyContact(
                tenant=tenant, party="CVS", contact=Contact("Sam Smith", "sam@example.org", "01279 000000")
            ),
        )
        compacts.appoint_champion(
            ADMIN, AppointChampion(tenant=tenant, party="CVS", name="Jo", appointed_on=date(2008, 3, 1))
        )
        compacts.stand_down_champion(
            ADMIN, StandDownChampion(tenant=tenant, party="CVS", on=date(2008, 9, 1))
        )
        # Someone asks to be forgotten: a replay must show them erased too, from the same events.
        register: object = registry.repository.get(register_id(tenant))
        assert isinstance(register, Register)
        compacts.erase_person(ADMIN, EraseDataSubject(subject=sorted(register.people)[0]))
        compacts.appoint_champion(
            ADMIN, AppointChampion(tenant=tenant, party="CVS", name="Kim", appointed_on=date(2008, 9, 2))
        )
        upkeep(registry, tenant)
        compacts.withdraw(
            ADMIN, WithdrawParty(tenant=tenant, party="Council", on=date(2009, 1, 1), reason="Reorganised")
        )
        codes.adopt(
            ADMIN,
            AdoptCode(
                tenant=tenant, key="bme", title="BME", matters=("bme groups",), adopted_on=date(2008, 4, 1)
            ),
        )
        codes.adopt(
            ADMIN,
            AdoptCode(
                tenant=tenant, key="equality", title="E&D", matters=("equality",), adopted_on=date(2008, 5, 1)
            ),
        )
        codes.merge(ADMIN, MergeCode(tenant=tenant, key="bme", into="equality", on=date(2009, 6, 1)))
        codes.endorse(ADMIN, EndorseCode(tenant=tenant, key="equality", party="CVS", on=date(2009, 7, 1)))
        for holder, since in (("Ann", date(2008, 1, 1)), ("Bo", date(2010, 1, 1))):
            steering.assign(
                ADMIN,
                AssignSteeringRole(
                    tenant=tenant, role=SteeringRole.CHAIR, holder=holder, party=None, code=None, since=since
                ),
            )
    # Webhooks: one kept, one deleted. No host is resolved: allowed as an on-premises operator would.
    hooks = WebhookService(registry, vault_of(registry), PublicTargets(allow_private=True))
    hooks.create(ADMIN, CreateWebhook(tenant="essex", url="https://hooks.example.org/essex", events=("*",)))
    gone = hooks.create(
        ADMIN, CreateWebhook(tenant="essex", url="https://hooks.example.org/old", events=("*",))
    )
    hooks.delete(ADMIN, DeleteWebhook(id=gone.id))


def snapshot(db: Database) -> dict[str, list[tuple[object, ...]]]:
    return {table: rows(db, f"SELECT * FROM {table} ORDER BY 1, 2, 3") for table in READ_MODEL_TABLES}


def test_every_read_model_replays_to_the_same_rows(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_history(registry)
    assert count_events(clean_db) > 0
    due = all_due(clean_db)
    assert all(due.values()), due
    wait_until(lambda: all_tracked(clean_db) == due, timeout=30)
    with paused(worker):
        live_positions = all_tracked(clean_db)
        assert live_positions == due
        live = snapshot(clean_db)
        assert all(live.values()), {t: len(r) for t, r in live.items()}
        assert "[erased]" in str(live["party_contacts"]) + str(live["champion_appointments"])
        tables = [*READ_MODEL_TABLES, *(p.tracking_table for p in PROJECTIONS)]
        with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
        assert all_tracked(clean_db) == dict.fromkeys(live_positions, 0)
        replayer = ProjectionWorker(clean_db)
        replayer.start()
        try:
            wait_until(lambda: all_tracked(clean_db) == live_positions, timeout=30)
            assert snapshot(clean_db) == live
        finally:
            replayer.stop()


def test_concurrent_signings_of_one_party_store_exactly_one(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    TenantService(registry).create_tenant(
        ADMIN, CreateTenant(slug="harrow", name="Harrow", tier=Tier.NATIONAL)
    )
    compacts = CompactService(registry, vault_of(registry))
    compacts.publish(
        ADMIN,
        PublishCompact(
            tenant="harrow", title="T", effective_on=date(2009, 4, 1), sections=(Section("1", "H", "t", ()),)
        ),
    )
    before = count_events(clean_db)
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def sign(party: str) -> None:
        barrier.wait()
        try:
            compacts.sign(
                ADMIN,
                SignCompact(tenant="harrow", party=party, sector=Sector.PRIVATE, signed_on=date(2009, 5, 1)),
            )
            outcomes.append(f"signed {party}")
        except Conflict:
            outcomes.append(f"conflict {party}")

    # Four racers for one party and two for others: one signature each, the rest CONFLICT.
    threads = [threading.Thread(target=sign, args=(p,)) for p in ["Acme"] * 4 + ["Beta", "Gamma"]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict Acme"] * 3 + ["signed Acme", "signed Beta", "signed Gamma"]
    # One register opened plus three signatures; no gaps and nothing twice.
    assert count_events(clean_db) - before == 4
    versions = rows(
        clean_db,
        "SELECT originator_version FROM registry_events WHERE originator_id = 'harrow:register' ORDER BY 1",
    )
    assert [v[0] for v in versions] == [1, 2, 3, 4]
