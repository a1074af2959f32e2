"""Which commitment governs a locality on a date: every branch of the walk, on compacts as recorded."""

from __future__ import annotations

from datetime import date

from domain.commitments import Commitment, CommitmentKind, Firmness, Period, PeriodUnit
from domain.compact import Compact, Section, publish_compact
from domain.lookup import Governing, Level, Placed, govern
from domain.tenancy import Tier

NOTICE = CommitmentKind.FUNDING_NOTICE
CONSULT = CommitmentKind.CONSULTATION_PERIOD


def commitment(kind: CommitmentKind, period: Period | None = None, *, planned: bool = False) -> Commitment:
    return Commitment(
        key=kind.value.lower().replace("_", "-"),
        kind=kind,
        firmness=Firmness.PLANNED if planned else Firmness.IN_FORCE,
        summary="What the compact undertakes.",
        period=period,
    )


def compact(tenant: str, on: date, *held: Commitment, draft: bool = False) -> Compact:
    return publish_compact(
        tenant=tenant,
        title=f"The {tenant} compact",
        effective_on=on,
        sections=[Section("1", "Undertakings", "We undertake.", (), (), held)],
        actor="editor",
        draft=draft,
    )


TIERS = (
    ("harlow", Tier.DISTRICT),
    ("essex", Tier.COUNTY),
    ("east", Tier.REGIONAL),
    ("england", Tier.NATIONAL),
)


def chain(compacts: dict[str, Compact], kind: CommitmentKind, on: date) -> list[Level]:
    """The locality and its ancestors as the walk sees them on `on`: what each compact in force holds."""
    levels = []
    for slug, tier in TIERS:
        found = compacts.get(slug)
        version = found.in_force(on) if found else None
        placed = (
            tuple(Placed(s.key, c) for s in version.sections for c in s.commitments if c.kind is kind)
            if version
            else ()
        )
        levels.append(
            Level(slug, slug.title(), tier, version.version if version else None, commitments=placed)
        )
    return levels


ON = date(2012, 6, 1)
MONTHS3 = Period(3, PeriodUnit.MONTHS)
WEEKS12 = Period(12, PeriodUnit.WEEKS)


def governing(
    compacts: dict[str, Compact], kind: CommitmentKind, on: date = ON, uniform_at: Tier | None = None
) -> Governing:
    return govern(chain(compacts, kind, on), kind, on, uniform_at)


def test_the_localitys_own_commitment_governs() -> None:
    found = governing({"harlow": compact("harlow", date(2004, 1, 14), commitment(NOTICE, MONTHS3))}, NOTICE)
    assert (found.tenant, found.placed.section if found.placed else None) == ("harlow", "1")
    assert [s.slug for s in found.trail] == ["harlow"]
    assert found.explanation == "Harlow's own compact commits to notice of funding changes on 2012-06-01."


def test_a_commitment_is_inherited_from_the_nearest_tier_that_makes_one() -> None:
    compacts = {
        "harlow": compact("harlow", date(2004, 1, 14)),
        "england": compact("england", date(2010, 12, 1), commitment(NOTICE, MONTHS3)),
    }
    found = governing(compacts, NOTICE)
    assert found.tenant == "england"
    assert [(s.slug, s.covered) for s in found.trail] == [
        ("harlow", False), ("essex", False), ("east", False), ("england", True),
    ]  # fmt: skip
    assert found.trail[1].reason == "Essex had no compact in force on 2012-06-01."
    assert found.placed is not None
    assert found.placed.commitment.period == MONTHS3


def test_a_planned_commitment_is_passed_over_and_says_why() -> None:
    compacts = {
        "harlow": compact(
            "harlow", date(2004, 1, 14), commitment(CommitmentKind.DISPUTE_PROCESS, planned=True)
        ),
        "essex": compact("essex", date(2006, 1, 1), commitment(CommitmentKind.DISPUTE_PROCESS, planned=True)),
    }
    found = governing(compacts, CommitmentKind.DISPUTE_PROCESS)
    assert found.tenant is None
    assert found.placed is None
    assert found.trail[0].reason == (
        "Harlow's compact in force on 2012-06-01 only plans a dispute process (section 1); a plan governs nothing."
    )


def test_a_commitment_with_no_figure_governs_and_stops_the_walk() -> None:
    compacts = {
        "harlow": compact("harlow", date(2004, 1, 14), commitment(CONSULT)),
        "england": compact("england", date(2010, 12, 1), commitment(CONSULT, WEEKS12)),
    }
    found = governing(compacts, CONSULT)
    assert found.tenant == "harlow"
    assert found.placed is not None
    assert found.placed.commitment.period is None


def test_nothing_governs_where_no_compact_up_the_chain_commits() -> None:
    found = governing({"harlow": compact("harlow", date(2004, 1, 14))}, NOTICE)
    assert (found.tenant, found.placed) == (None, None)
    assert found.explanation == (
        "No compact from Harlow up to England committed to notice of funding changes on 2012-06-01, "
        "so nothing governs it and no rule on it is checked."
    )


def test_a_uniform_rule_starts_the_walk_at_its_tier_and_falls_back_below() -> None:
    compacts = {
        "harlow": compact("harlow", date(2004, 1, 14), commitment(CONSULT)),
        "england": compact("england", date(2010, 12, 1), commitment(CONSULT, WEEKS12)),
    }
    national = governing(compacts, CONSULT, uniform_at=Tier.NATIONAL)
    assert national.tenant == "england"
    assert [s.slug for s in national.trail] == ["england"]
    regional = governing({"harlow": compacts["harlow"]}, CONSULT, uniform_at=Tier.REGIONAL)
    assert regional.tenant == "harlow"
    assert [s.slug for s in regional.trail] == ["east", "england", "harlow"]
    assert regional.explanation.startswith(
        "Nothing at REGIONAL level or above committed to consultation periods"
    )


def test_a_commitment_amended_away_governs_until_the_amendment_takes_effect() -> None:
    harlow = compact("harlow", date(2004, 1, 14), commitment(NOTICE, MONTHS3))
    harlow.amend(
        effective_on=date(2011, 4, 1),
        rationale="The notice period moves to the county's compact.",
        upsert=[Section("1", "Undertakings", "We undertake less.", ())],
        remove=[],
        actor="editor",
    )
    essex = compact("essex", date(2006, 1, 1), commitment(NOTICE, Period(2, PeriodUnit.MONTHS)))
    before = governing({"harlow": harlow, "essex": essex}, NOTICE, date(2011, 3, 31))
    after = governing({"harlow": harlow, "essex": essex}, NOTICE, date(2011, 4, 1))
    assert (before.tenant, before.version) == ("harlow", 1)
    assert (after.tenant, after.version) == ("essex", 1)


def test_a_draft_governs_only_from_the_day_it_is_adopted() -> None:
    havering = compact("havering", date(2009, 12, 1), commitment(CommitmentKind.CHAMPIONS), draft=True)
    compacts = {"harlow": havering}
    assert governing(compacts, CommitmentKind.CHAMPIONS, date(2010, 1, 15)).tenant is None
    havering.adopt(on=date(2010, 4, 1), actor="editor")
    assert governing(compacts, CommitmentKind.CHAMPIONS, date(2010, 3, 31)).tenant is None
    assert governing(compacts, CommitmentKind.CHAMPIONS, date(2010, 4, 1)).tenant == "harlow"
