"""Codes of Good Practice: their lifecycle and every rule, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from domain.codes import Code, CodeStatus, draft_code
from domain.errors import Conflict, InvalidInput


def drafted(key: str = "bme", matters: tuple[str, ...] = ("community groups",)) -> Code:
    return draft_code(
        tenant="havering",
        key=key,
        title="A code",
        matters=list(matters),
        lead="HAVCO",
        drafted_on=date(2009, 12, 1),
        actor="ed",
    )


def adopted(key: str, matters: tuple[str, ...], on: date) -> Code:
    code = drafted(key, matters)
    code.adopt(adopted_on=on, title=None, matters=None, actor="ed")
    return code


def test_a_draft_is_in_development_with_its_lead_and_canonical_matters() -> None:
    code = drafted()
    assert (code.status, code.lead, code.matters) == (
        CodeStatus.IN_DEVELOPMENT,
        "HAVCO",
        ["community-groups"],
    )


def test_adopting_reviewing_and_the_rules_around_them() -> None:
    code = drafted()
    with pytest.raises(InvalidInput, match="adopt it before a review"):
        code.review(reviewed_on=date(2010, 1, 1), next_review_due=date(2011, 1, 1), notes="", actor="ed")
    with pytest.raises(InvalidInput, match="earlier date"):
        code.adopt(adopted_on=date(2009, 1, 1), title=None, matters=None, actor="ed")
    code.adopt(adopted_on=date(2010, 2, 1), title="BME Groups", matters=["bme groups"], actor="ed")
    assert (code.status, code.title) == (CodeStatus.ADOPTED, "BME Groups")
    with pytest.raises(Conflict, match="already adopted"):
        code.adopt(adopted_on=date(2010, 3, 1), title=None, matters=None, actor="ed")
    with pytest.raises(InvalidInput, match="due after"):
        code.review(reviewed_on=date(2011, 1, 1), next_review_due=date(2011, 1, 1), notes="", actor="ed")
    code.review(reviewed_on=date(2011, 1, 1), next_review_due=date(2012, 1, 1), notes="Fine", actor="ed")
    assert code.next_review_due == date(2012, 1, 1)


def test_adopting_a_withdrawn_code_is_refused() -> None:
    code = drafted()
    with pytest.raises(InvalidInput, match="reason"):
        code.withdraw(on=date(2010, 1, 1), reason=" ", actor="ed")
    code.withdraw(on=date(2010, 1, 1), reason="No longer needed", actor="ed")
    with pytest.raises(InvalidInput, match="withdrawn code cannot be adopted"):
        code.adopt(adopted_on=date(2010, 2, 1), title=None, matters=None, actor="ed")


def test_merging_supersedes_one_code_and_extends_the_other() -> None:
    bme = adopted("bme", ("community groups",), date(2010, 2, 1))
    equality = adopted("equality", ("diversity",), date(2010, 3, 1))
    with pytest.raises(InvalidInput, match="earlier date"):
        bme.merge_into(equality, on=date(2010, 2, 15), actor="ed")
    with pytest.raises(InvalidInput, match="into itself"):
        bme.merge_into(bme, on=date(2011, 1, 1), actor="ed")
    bme.merge_into(equality, on=date(2011, 1, 1), actor="ed")
    assert bme.status is CodeStatus.SUPERSEDED
    assert equality.matters == ["equality", "community-groups"]
    with pytest.raises(InvalidInput, match="merged into another"):
        bme.withdraw(on=date(2012, 1, 1), reason="x", actor="ed")


def test_only_adopted_codes_are_endorsed_and_only_once_per_party() -> None:
    code = drafted()
    with pytest.raises(InvalidInput, match="Only adopted codes"):
        code.endorse(party="HAVCO", on=date(2010, 1, 1), actor="ed")
    code.adopt(adopted_on=date(2010, 2, 1), title=None, matters=None, actor="ed")
    code.endorse(party="HAVCO", on=date(2010, 3, 1), actor="ed")
    with pytest.raises(Conflict, match="already endorsed"):
        code.endorse(party="havco", on=date(2010, 4, 1), actor="ed")


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"key": "BME Code"}, "not a valid code key"),
        ({"title": " "}, "title is empty"),
        ({"matters": ["weather"]}, "not a known matter"),
    ],
)
def test_drafting_refuses_broken_input(overrides: dict[str, object], says: str) -> None:
    args: dict[str, object] = {
        "tenant": "havering",
        "key": "bme",
        "title": "T",
        "matters": ["equality"],
        "lead": None,
        "drafted_on": date(2009, 1, 1),
        "actor": "ed",
    }
    args.update(overrides)
    with pytest.raises(InvalidInput, match=says):
        draft_code(**args)  # type: ignore[arg-type]
