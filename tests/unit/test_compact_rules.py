"""The compact's text and Register of Parties: each rule as a named error, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from domain.compact import Compact, Section, publish_compact
from domain.errors import Conflict, InvalidInput, NotFound
from domain.matters import resolve_matter, resolve_matters
from domain.register import BodyKind, Contact, Register, Sector

FUNDING = Section("1", "Funding", "Three months' notice.", ("finance",))


def published() -> Compact:
    return publish_compact(
        tenant="harlow",
        title="The Harlow Compact",
        effective_on=date(2004, 1, 14),
        sections=[FUNDING],
        actor="ed",
    )


def test_matters_resolve_aliases_case_insensitively_and_suggest_the_nearest() -> None:
    assert resolve_matter("Finance").key == "funding"
    assert resolve_matters(["DIVERSITY", "equality", "complaints"]) == ["equality", "disputes"]
    with pytest.raises(InvalidInput, match="'fundng' is not a known matter; did you mean 'funding'"):
        resolve_matter("fundng")


def test_publishing_makes_version_one_with_canonical_matters() -> None:
    compact = published()
    assert compact.compact_version == 1
    assert compact.sections["1"].matters == ("funding",)


@pytest.mark.parametrize(
    ("title", "sections", "says"),
    [
        ("  ", [FUNDING], "title is empty"),
        ("T", [], "at least one section"),
        ("T", [FUNDING, FUNDING], "appears twice"),
        ("T", [Section("a b", "H", "t", ())], "not a valid section key"),
        ("T", [Section("1", "H", "t", ("weather",))], "not a known matter"),
        ("T", [Section("1", " ", "t", ())], "no heading"),
    ],
)
def test_publishing_refuses_broken_input(title: str, sections: list[Section], says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        publish_compact(
            tenant="harlow", title=title, effective_on=date(2004, 1, 1), sections=sections, actor="ed"
        )


def test_an_amendment_replaces_adds_and_removes_sections_and_bumps_the_version() -> None:
    compact = published()
    compact.amend(
        effective_on=date(2005, 3, 1),
        rationale="Annual review",
        upsert=[Section("2", "Volunteering", "Volunteers matter.", ("volunteering",))],
        remove=["1"],
        actor="ed",
    )
    assert compact.compact_version == 2
    assert list(compact.sections) == ["2"]


@pytest.mark.parametrize(
    ("kwargs", "error", "says"),
    [
        ({"effective_on": date(2003, 1, 1)}, InvalidInput, "before version 1"),
        ({"remove": ["9"]}, NotFound, "no section '9'"),
        ({"rationale": " "}, InvalidInput, "rationale"),
        ({"upsert": [], "remove": []}, InvalidInput, "changes nothing"),
        ({"remove": ["1"], "upsert": []}, InvalidInput, "no sections"),
    ],
)
def test_amendments_refuse_impossible_changes(
    kwargs: dict[str, object], error: type[Exception], says: str
) -> None:
    args: dict[str, object] = {
        "effective_on": date(2005, 1, 1),
        "rationale": "why",
        "upsert": [Section("2", "H", "t", ())],
        "remove": [],
        "actor": "ed",
    }
    args.update(kwargs)
    with pytest.raises(error, match=says):
        published().amend(**args)  # type: ignore[arg-type]


def SEAL(subject: str, text: str) -> str:
    return f"sealed({text})"


def register() -> Register:
    r = Register(tenant_slug="harlow", actor="ed")
    r.sign(party="Harlow CVS", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2004, 2, 1), actor="ed")
    return r


def test_signing_twice_while_signed_is_a_conflict_but_signing_again_after_leaving_is_allowed() -> None:
    r = register()
    with pytest.raises(Conflict, match="already signed"):
        r.sign(party="harlow  cvs", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2004, 3, 1), actor="ed")
    r.withdraw(party="Harlow CVS", on=date(2006, 1, 1), reason="Merged", actor="ed")
    with pytest.raises(InvalidInput, match="only on a later date"):
        r.sign(party="Harlow CVS", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2006, 1, 1), actor="ed")
    r.sign(party="Harlow CVS", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2007, 1, 1), actor="ed")
    assert r.current("Harlow CVS") is not None


def test_withdrawal_rules() -> None:
    r = register()
    with pytest.raises(NotFound, match="no party 'Nobody'"):
        r.withdraw(party="Nobody", on=date(2005, 1, 1), reason="x", actor="ed")
    with pytest.raises(InvalidInput, match="cannot withdraw before"):
        r.withdraw(party="Harlow CVS", on=date(2003, 1, 1), reason="x", actor="ed")
    with pytest.raises(InvalidInput, match="reason"):
        r.withdraw(party="Harlow CVS", on=date(2005, 1, 1), reason=" ", actor="ed")
    r.withdraw(party="Harlow CVS", on=date(2005, 1, 1), reason="Closed", actor="ed")
    with pytest.raises(Conflict, match="is not signed"):
        r.withdraw(party="Harlow CVS", on=date(2005, 2, 1), reason="again", actor="ed")


def test_a_champion_needs_a_party_signed_on_that_date_and_replaces_the_last() -> None:
    r = register()
    with pytest.raises(InvalidInput, match="not signed on 2004-01-01"):
        r.appoint_champion(
            seal=SEAL, party="Harlow CVS", name="Jo", appointed_on=date(2004, 1, 1), actor="ed"
        )
    with pytest.raises(InvalidInput, match="not signed"):
        r.appoint_champion(
            seal=SEAL, party="Essex Police", name="Jo", appointed_on=date(2005, 1, 1), actor="ed"
        )
    r.appoint_champion(seal=SEAL, party="Harlow CVS", name="Jo", appointed_on=date(2005, 1, 1), actor="ed")
    with pytest.raises(InvalidInput, match="before that"):
        r.appoint_champion(
            seal=SEAL, party="Harlow CVS", name="Sam", appointed_on=date(2004, 6, 1), actor="ed"
        )
    r.appoint_champion(seal=SEAL, party="Harlow CVS", name="Sam", appointed_on=date(2006, 1, 1), actor="ed")
    assert r.champions["harlow cvs"][None].name == "sealed(Sam)"
    r.withdraw(party="Harlow CVS", on=date(2007, 1, 1), reason="Closed", actor="ed")
    assert not any(r.champions.values())


def test_a_party_carries_its_kind_and_a_checked_contact() -> None:
    r = Register(tenant_slug="harlow", actor="ed")
    r.sign(
        party="Essex Police",
        sector=Sector.STATUTORY,
        signed_on=date(2004, 2, 1),
        kind=BodyKind.POLICE,
        contact=Contact("  Pat   Lee ", "pat@example.org", "01245 491491"),
        seal=SEAL,
        actor="ed",
    )
    events = r.collect_events()
    assert [type(e).__name__ for e in events] == ["RegisterOpened", "PartySigned", "PartyContactRecorded"]
    assert isinstance(events[2], Register.PartyContactRecorded)
    # Personal data is in the event only as sealed under the person's own subject.
    assert events[2].subject.startswith("harlow:person:")
    assert (events[2].name, events[2].email) == ("sealed(Pat Lee)", "sealed(pat@example.org)")
    with pytest.raises(InvalidInput, match="email"):
        r.record_contact(
            seal=SEAL, party="Essex Police", contact=Contact("Pat", "not-an-address"), actor="ed"
        )
    with pytest.raises(InvalidInput, match="phone"):
        r.record_contact(seal=SEAL, party="Essex Police", contact=Contact("Pat", None, "call me"), actor="ed")
    with pytest.raises(NotFound, match="not a signed party"):
        r.record_contact(seal=SEAL, party="Nobody", contact=Contact("Pat"), actor="ed")


def test_a_champion_stands_down_on_or_after_appointment() -> None:
    r = register()
    with pytest.raises(NotFound, match="no current champion"):
        r.stand_down_champion(party="Harlow CVS", on=date(2005, 1, 1), actor="ed")
    r.appoint_champion(seal=SEAL, party="Harlow CVS", name="Jo", appointed_on=date(2005, 1, 1), actor="ed")
    with pytest.raises(InvalidInput, match="cannot stand down before"):
        r.stand_down_champion(party="Harlow CVS", on=date(2004, 6, 1), actor="ed")
    r.stand_down_champion(party="Harlow CVS", on=date(2006, 1, 1), actor="ed")
    assert not any(r.champions.values())


def propose(compact: Compact, key: str = "review-2005", closes: date | None = date(2005, 3, 1)) -> None:
    compact.propose(
        key=key,
        effective_on=date(2005, 4, 1),
        rationale="Annual review",
        upsert=[Section("2", "Volunteering", "Volunteers matter.", ("volunteering",))],
        remove=[],
        proposed_on=date(2004, 12, 1),
        consultation_closes_on=closes,
        actor="ed",
    )


def test_a_proposal_changes_nothing_until_adopted_after_its_consultation() -> None:
    compact = published()
    propose(compact)
    assert (compact.compact_version, list(compact.sections)) == (1, ["1"])
    with pytest.raises(InvalidInput, match="open until 2005-03-01"):
        compact.adopt_proposal(key="review-2005", adopted_on=date(2005, 2, 1), actor="ed")
    compact.adopt_proposal(key="review-2005", adopted_on=date(2005, 3, 2), actor="ed")
    assert (compact.compact_version, list(compact.sections)) == (2, ["1", "2"])
    assert compact.effective_on == date(2005, 4, 1)
    with pytest.raises(Conflict, match="already adopted"):
        compact.reject_proposal(key="review-2005", on=date(2005, 4, 1), reason="late", actor="ed")
    names = [type(e).__name__ for e in compact.collect_events()]
    assert names == ["CompactPublished", "AmendmentProposed", "AmendmentAdopted", "CompactAmended"]


def test_proposal_rules() -> None:
    compact = published()
    propose(compact)
    with pytest.raises(Conflict, match="already a proposal"):
        propose(compact)
    with pytest.raises(InvalidInput, match="close before"):
        compact.propose(key="x2", effective_on=date(2005, 4, 1), rationale="r", upsert=[], remove=["1"],
                        proposed_on=date(2004, 12, 1), consultation_closes_on=date(2004, 11, 1), actor="ed")  # fmt: skip
    with pytest.raises(NotFound, match="no proposed amendment 'nope'"):
        compact.adopt_proposal(key="nope", adopted_on=date(2006, 1, 1), actor="ed")
    with pytest.raises(InvalidInput, match="reason"):
        compact.reject_proposal(key="review-2005", on=date(2005, 4, 1), reason="", actor="ed")
    compact.reject_proposal(key="review-2005", on=date(2005, 4, 1), reason="Not agreed", actor="ed")
    with pytest.raises(Conflict, match="already rejected"):
        compact.adopt_proposal(key="review-2005", adopted_on=date(2006, 1, 1), actor="ed")


def test_an_adopted_proposal_is_checked_again_against_the_text_it_meets() -> None:
    compact = published()
    compact.propose(key="drop-funding", effective_on=date(2005, 4, 1), rationale="r", upsert=[Section("9", "H", "t", ())],
                    remove=["1"], proposed_on=date(2004, 12, 1), consultation_closes_on=None, actor="ed")  # fmt: skip
    compact.amend(
        effective_on=date(2005, 1, 1),
        rationale="r",
        upsert=[Section("1b", "H", "t", ())],
        remove=["1"],
        actor="ed",
    )
    with pytest.raises(NotFound, match="no section '1'"):
        compact.adopt_proposal(key="drop-funding", adopted_on=date(2005, 2, 1), actor="ed")


def test_an_annual_review_records_its_lists_once_per_date() -> None:
    compact = published()
    propose(compact)
    compact.hold_annual_review(held_on=date(2005, 1, 20), achievements=[" Funding code adopted "], aspirations=[],
                               issues=["Late notices"], amendments=["review-2005"], actor="ed")  # fmt: skip
    events = compact.collect_events()
    assert isinstance(events[-1], Compact.AnnualReviewHeld)
    assert events[-1].achievements == ["Funding code adopted"]
    with pytest.raises(Conflict, match="already recorded"):
        compact.hold_annual_review(held_on=date(2005, 1, 20), achievements=["x"], aspirations=[], issues=[], amendments=[], actor="ed")  # fmt: skip
    with pytest.raises(NotFound, match="proposal 'ghost'"):
        compact.hold_annual_review(held_on=date(2006, 1, 20), achievements=[], aspirations=[], issues=[], amendments=["ghost"], actor="ed")  # fmt: skip
    with pytest.raises(InvalidInput, match="records nothing"):
        compact.hold_annual_review(held_on=date(2006, 1, 20), achievements=[" "], aspirations=[], issues=[], amendments=[], actor="ed")  # fmt: skip
