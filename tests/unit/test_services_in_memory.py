"""The services on eventsourcing's in-memory persistence: commands, their rules and the commitments they follow."""

from __future__ import annotations

from datetime import date

import pytest

from domain.actors import Actor, Role
from domain.commands import (
    AppointChampion,
    CreateTenant,
    EscalateDispute,
    GiveFundingNotice,
    OpenConsultation,
    PublishCompact,
    RaiseDispute,
    SignCompact,
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
from domain.compact import Section
from domain.consultations import Consultation, consultation_id
from domain.disputes import Dispute, dispute_id
from domain.errors import Forbidden, InvalidInput
from domain.funding_notices import FundingChange
from domain.register import Register, Sector, register_id
from domain.tenancy import Tier
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.registry import Registry
from services.tenants import TenantService

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))


class MemoryVault:
    """Personal data sealed in this process: the port's behaviour, without PostgreSQL."""

    def __init__(self) -> None:
        self.keys: set[str] = set()

    def seal(self, subject: str, text: str) -> str:
        self.keys.add(subject)
        return f"sealed({text})"

    def erase(self, subject: str) -> bool:
        found = subject in self.keys
        self.keys.discard(subject)
        return found


@pytest.fixture
def registry() -> Registry:
    """England over Essex over Harlow: England's compact holds a dispute process with time limits and a
    12-week consultation period; Harlow's holds no commitment of its own."""
    made = Registry.in_memory()
    tenants = TenantService(made)
    tenants.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    tenants.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.COUNTY, parent="england"))
    tenants.create_tenant(
        ADMIN, CreateTenant(slug="harlow", name="Harlow", tier=Tier.DISTRICT, parent="essex")
    )
    compacts = CompactService(made, MemoryVault())
    national = (
        Commitment("dispute-process", CommitmentKind.DISPUTE_PROCESS, Firmness.IN_FORCE, "Two steps.", steps=(
            DisputeStep(DisputeStage.BETWEEN_PARTIES, Period(14, PeriodUnit.DAYS)),
            DisputeStep(DisputeStage.MEDIATION),
        )),
        Commitment("consultation-period", CommitmentKind.CONSULTATION_PERIOD, Firmness.IN_FORCE, "Twelve weeks.",
                   period=Period(12, PeriodUnit.WEEKS)),
    )  # fmt: skip
    compacts.publish(ADMIN, PublishCompact(
        tenant="england", title="National", effective_on=date(2010, 12, 1),
        sections=(Section("1", "Undertakings", "We undertake.", (), (), national),),
    ))  # fmt: skip
    compacts.publish(ADMIN, PublishCompact(
        tenant="harlow", title="Harlow", effective_on=date(2004, 1, 14),
        sections=(Section("1", "Principles", "We work together.", ("partnership",)),),
    ))  # fmt: skip
    for party, sector in (("Harlow Council", Sector.STATUTORY), ("Harlow CVS", Sector.VOLUNTARY_COMMUNITY)):
        compacts.sign(
            ADMIN, SignCompact(tenant="harlow", party=party, sector=sector, signed_on=date(2004, 1, 14))
        )
    return made


def test_a_dispute_follows_the_process_its_nearest_ancestor_commits_to(registry: Registry) -> None:
    disputes = DisputeService(registry)
    disputes.raise_dispute(ADMIN, RaiseDispute(
        tenant="harlow", key="grant", raised_by="Harlow CVS", against="Harlow Council",
        commitment="Funding", summary="Cut without notice", raised_on=date(2011, 3, 1),
    ))  # fmt: skip
    found = registry.get_or_none(dispute_id("harlow", "grant"))
    assert isinstance(found, Dispute)
    assert [s.stage for s in found.steps] == [DisputeStage.BETWEEN_PARTIES, DisputeStage.MEDIATION]
    assert found.deadline_on == date(2011, 3, 15)
    with pytest.raises(InvalidInput, match="the next step is MEDIATION"):
        disputes.escalate(ADMIN, EscalateDispute(
            tenant="harlow", key="grant", to=DisputeStage.INVESTIGATION,
            on=date(2011, 3, 10), handled_by="x", reason="y",
        ))  # fmt: skip


def test_a_dispute_raised_before_the_national_process_existed_has_no_deadline(registry: Registry) -> None:
    DisputeService(registry).raise_dispute(ADMIN, RaiseDispute(
        tenant="harlow", key="early", raised_by="Harlow CVS", against="Harlow Council",
        commitment="Funding", summary="Early", raised_on=date(2009, 3, 1),
    ))  # fmt: skip
    found = registry.get_or_none(dispute_id("harlow", "early"))
    assert isinstance(found, Dispute)
    assert (found.deadline_on, len(found.steps)) == (None, 3)


def test_a_consultation_is_judged_by_the_period_that_governs_on_its_opening_day(registry: Registry) -> None:
    consultations = ConsultationService(registry)
    consultations.open(ADMIN, OpenConsultation(
        tenant="harlow", key="short", title="Short", consulted=("All",),
        opens_on=date(2011, 1, 3), closes_on=date(2011, 2, 1),
    ))  # fmt: skip
    consultations.open(ADMIN, OpenConsultation(
        tenant="harlow", key="before", title="Before", consulted=("All",),
        opens_on=date(2009, 1, 5), closes_on=date(2009, 1, 12),
    ))  # fmt: skip
    short, before = (registry.get_or_none(consultation_id("harlow", k)) for k in ("short", "before"))
    assert isinstance(short, Consultation)
    assert isinstance(before, Consultation)
    assert (short.short, before.short) == (True, False)


def test_a_funding_notice_comes_from_a_signed_party_and_nothing_governs_it_here(registry: Registry) -> None:
    notices = FundingNoticeService(registry)
    with pytest.raises(InvalidInput, match="not a party signed"):
        notices.give(ADMIN, GiveFundingNotice(
            tenant="harlow", key="n1", public_body="Nobody", voluntary_body="CVS",
            change=FundingChange.ENDED,
            given_on=date(2011, 1, 1), effective_on=date(2011, 2, 1), rationale="r",
        ))  # fmt: skip


def test_champions_are_sealed_through_the_vault_and_only_editors_appoint_them(registry: Registry) -> None:
    vault = MemoryVault()
    compacts = CompactService(registry, vault)
    compacts.appoint_champion(ADMIN, AppointChampion(
        tenant="harlow", party="Harlow Council", name="A. Person",
        appointed_on=date(2005, 1, 1), role="Officer",
    ))  # fmt: skip
    register = registry.get_or_none(register_id("harlow"))
    assert isinstance(register, Register)
    assert register.champions["harlow council"]["officer"].name == "sealed(A. Person)"
    assert len(vault.keys) == 1
    stranger = Actor(sub="x", roles=frozenset({Role.EDITOR}), tenants=frozenset({"essex"}))
    with pytest.raises(Forbidden):
        compacts.appoint_champion(stranger, AppointChampion(
            tenant="harlow", party="Harlow Council", name="B",
            appointed_on=date(2005, 1, 1),
        ))  # fmt: skip
