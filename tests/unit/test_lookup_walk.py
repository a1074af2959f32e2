"""The tiered lookup as a pure function: every branch of the walk."""

from __future__ import annotations

from datetime import date

from domain.lookup import CodeFact, Level, walk
from domain.matters import resolve_matter
from domain.tenancy import Tier

ON = date(2005, 3, 1)
FUNDING = resolve_matter("funding")


def chain(
    district: tuple[str, ...] = (),
    county: tuple[str, ...] = (),
    region: tuple[str, ...] = (),
    nation: tuple[str, ...] = (),
    *,
    district_compact: bool = True,
    district_codes: tuple[CodeFact, ...] = (),
) -> list[Level]:
    return [
        Level("harlow", "Harlow", Tier.DISTRICT, 1 if district_compact else None, district, district_codes),
        Level("essex", "Essex", Tier.COUNTY, 2, county),
        Level("east", "East of England", Tier.REGIONAL, 1, region),
        Level("england", "England", Tier.NATIONAL, 3, nation),
    ]


def slugs(answer: object) -> list[str]:
    return [s.slug for s in answer.trail]  # type: ignore[attr-defined]


def test_the_most_local_compact_that_covers_the_matter_answers() -> None:
    answer = walk(chain(district=("4.2",), county=("3",)), FUNDING, ON)
    assert answer.answered_by == "harlow"
    assert slugs(answer) == ["harlow"]
    assert answer.trail[0].covered
    assert "covers funding in section 4.2" in answer.trail[0].reason
    assert answer.explanation == "Harlow's own compact covers funding on 2005-03-01."


def test_a_level_that_does_not_cover_it_sends_the_walk_up() -> None:
    answer = walk(chain(county=("3",)), FUNDING, ON)
    assert answer.answered_by == "essex"
    assert slugs(answer) == ["harlow", "essex"]
    assert answer.trail[0].reason == (
        "Harlow's compact in force on 2005-03-01 has no section on funding and no adopted code covering it."
    )
    assert "next level up" in answer.explanation


def test_a_level_with_no_compact_in_force_covers_nothing() -> None:
    answer = walk(chain(district=("4.2",), nation=("1",), district_compact=False), FUNDING, ON)
    # A section could only be counted if a compact were in force; with none, the walk goes on.
    assert answer.answered_by == "england"
    assert answer.trail[0].reason == "Harlow had no compact in force on 2005-03-01."


def test_an_adopted_code_covers_the_matter_without_a_section() -> None:
    code = CodeFact("funding", covers_from=date(2004, 1, 1), adopted_on=date(2004, 6, 1))
    answer = walk(chain(district_codes=(code,)), FUNDING, ON)
    assert answer.answered_by == "harlow"
    assert "the adopted code funding" in answer.trail[0].reason


def test_a_code_adopted_after_the_date_does_not_cover_it_yet() -> None:
    code = CodeFact("funding", covers_from=date(2004, 1, 1), adopted_on=date(2005, 6, 1))
    assert walk(chain(district_codes=(code,), county=("3",)), FUNDING, ON).answered_by == "essex"
    assert walk(chain(district_codes=(code,)), FUNDING, date(2005, 6, 1)).answered_by == "harlow"


def test_a_code_superseded_or_withdrawn_before_the_date_no_longer_covers_it() -> None:
    start, adopted = date(2004, 1, 1), date(2004, 2, 1)
    merged = CodeFact("bme", covers_from=start, adopted_on=adopted, superseded_on=date(2005, 1, 1))
    gone = CodeFact("old", covers_from=start, adopted_on=adopted, withdrawn_on=date(2005, 3, 1))
    assert walk(chain(district_codes=(merged, gone), nation=("1",)), FUNDING, ON).answered_by == "england"
    # The day before the merger, the superseded code still covered it.
    assert walk(chain(district_codes=(merged,)), FUNDING, date(2004, 12, 31)).answered_by == "harlow"


def test_a_code_never_adopted_covers_nothing() -> None:
    draft = CodeFact("draft", covers_from=date(2004, 1, 1))
    assert walk(chain(district_codes=(draft,)), FUNDING, ON).answered_by is None


def test_uniform_at_national_starts_at_the_national_compact() -> None:
    answer = walk(chain(district=("4.2",), nation=("1",)), FUNDING, ON, Tier.NATIONAL)
    assert answer.answered_by == "england"
    assert slugs(answer) == ["england"]
    assert answer.explanation.startswith("A rule applied uniformly at NATIONAL level is at stake")


def test_uniform_at_regional_starts_at_the_region_and_walks_up() -> None:
    answer = walk(chain(district=("4.2",), nation=("1",)), FUNDING, ON, Tier.REGIONAL)
    assert answer.answered_by == "england"
    assert slugs(answer) == ["east", "england"]


def test_uniform_at_falls_back_to_most_local_first_over_levels_not_yet_consulted() -> None:
    answer = walk(chain(county=("3",)), FUNDING, ON, Tier.REGIONAL)
    assert answer.answered_by == "essex"
    assert slugs(answer) == ["east", "england", "harlow", "essex"]
    assert answer.explanation.startswith("Nothing at REGIONAL level or above covered funding")


def test_nothing_covers_it_and_the_trail_lists_every_level() -> None:
    answer = walk(chain(), FUNDING, ON)
    assert answer.answered_by is None
    assert slugs(answer) == ["harlow", "essex", "east", "england"]
    assert answer.explanation == "No compact from Harlow up to England covered funding on 2005-03-01."


def test_uniform_at_a_tier_no_ancestor_reaches_walks_most_local_first() -> None:
    short = chain(county=("3",))[:2]
    answer = walk(short, FUNDING, ON, Tier.NATIONAL)
    assert answer.answered_by == "essex"
    assert slugs(answer) == ["harlow", "essex"]
