"""Stored payloads read back: the shapes events hold come back as they went in, and a wrong field is named."""

from __future__ import annotations

import pytest

from domain.commitments import (
    Commitment,
    CommitmentKind,
    DisputeStage,
    DisputeStep,
    Firmness,
    GovernedBy,
    Period,
    PeriodUnit,
)
from domain.compact import Section
from domain.payloads import Malformed

PROCESS = Commitment(
    key="disputes",
    kind=CommitmentKind.DISPUTE_PROCESS,
    firmness=Firmness.IN_FORCE,
    summary="Disagreements go through three steps.",
    bound=("all partners",),
    exceptions=("emergencies",),
    steps=(
        DisputeStep(DisputeStage.BETWEEN_PARTIES, Period(28, PeriodUnit.DAYS)),
        DisputeStep(DisputeStage.MEDIATION),
    ),
    quote="Disputes will be resolved as close to the point of dispute as possible.",
)


def test_a_section_with_its_commitments_reads_back_as_it_was_stored() -> None:
    section = Section("7", "Disputes", "Text.", ("disputes",), ("monitoring",), (PROCESS,))
    assert Section.from_dict(section.as_dict()) == section


def test_a_governing_commitment_reads_back_with_its_period_and_version() -> None:
    governed = GovernedBy(
        "essex",
        "4",
        "notice",
        CommitmentKind.FUNDING_NOTICE,
        "Three months.",
        Period(3, PeriodUnit.MONTHS),
        "",
        2,
    )
    assert GovernedBy.from_dict(governed.as_dict()) == governed
    assert GovernedBy.from_dict(None) is None


def test_a_section_stored_before_planned_matters_and_commitments_reads_back_with_none() -> None:
    stored = {"key": "1", "heading": "Funding", "text": "Text.", "matters": ["funding"]}
    section = Section.from_dict(stored)
    assert (section.planned, section.commitments) == ((), ())
    # Written back, it keeps the bytes it had: the empty fields are left out.
    assert section.as_dict() == stored


def test_a_stored_field_of_the_wrong_type_is_refused_by_name() -> None:
    # Read as a list, the text "funding" would have become seven one-letter matters.
    with pytest.raises(Malformed, match="'matters' holds 'funding', not a list of texts"):
        Section.from_dict({"key": "1", "heading": "Funding", "text": "Text.", "matters": "funding"})
    with pytest.raises(Malformed, match="'amount' holds '3', not a whole number"):
        Period.from_dict({"amount": "3", "unit": "MONTHS"})
    with pytest.raises(Malformed, match="'steps' holds \\['MEDIATION'\\], not a list of objects"):
        Commitment.from_dict({**PROCESS.as_dict(), "steps": ["MEDIATION"]})
