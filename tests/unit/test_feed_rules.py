"""What the feeds and the calendar say, without I/O: stable ids, dates as people write them, review dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.commitments import CommitmentKind, GovernedBy, Period, PeriodUnit
from domain.compliance import CodeFact, Facts, Governed, annual_review_due, code_review_due
from domain.feeds import Deadline, FeedEntry, closing_soon_from, long_date, newest_first, start_of


def entry(kind: str, key: str, at: datetime) -> FeedEntry:
    return FeedEntry("harlow", "Harlow", kind, key, "t", "s", at)


def test_the_same_fact_always_has_the_same_id_and_different_facts_differ() -> None:
    at = datetime(2024, 1, 1, tzinfo=UTC)
    assert entry("amended", "2", at).id == entry("amended", "2", datetime(2025, 1, 1, tzinfo=UTC)).id
    assert entry("amended", "2", at).id != entry("amended", "3", at).id
    assert entry("published", "2", at).id != entry("amended", "2", at).id
    closes = Deadline("harlow", "consultation-closes", "grants", date(2024, 3, 1), "s", "d")
    assert closes.uid == Deadline("harlow", "consultation-closes", "grants", date(2024, 4, 1), "x", "y").uid
    assert closes.uid.endswith("@compact-registry")


def test_dates_read_as_people_write_them_and_a_day_starts_at_midnight_in_england() -> None:
    assert long_date(date(2010, 3, 7)) == "7 March 2010"
    # British Summer Time: midnight in London is 23:00 the day before in UTC.
    assert start_of(date(2024, 7, 1)) == datetime(2024, 6, 30, 23, 0, tzinfo=UTC)
    assert start_of(date(2024, 1, 1)) == datetime(2024, 1, 1, 0, 0, tzinfo=UTC)
    assert closing_soon_from(date(2024, 3, 8)) == date(2024, 3, 1)


def test_entries_come_newest_first_up_to_the_limit() -> None:
    old, new = datetime(2020, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC)
    found = newest_first([entry("a", "1", old), entry("b", "2", new), entry("c", "3", old)], 2)
    assert [e.key for e in found] == ["2", "3"]


def test_review_dates_come_only_from_a_governing_commitment_or_the_last_review() -> None:
    by = GovernedBy(
        tenant="essex",
        section="1",
        key="review",
        kind=CommitmentKind.ANNUAL_REVIEW,
        summary="Every year.",
        period=None,
        explanation="Essex governs.",
    )
    code = CodeFact("volunteering", "Volunteering", date(2021, 3, 1), None)
    assert code_review_due(code, Period(2, PeriodUnit.YEARS)) == date(2023, 3, 1)
    reviewed = CodeFact("volunteering", "Volunteering", date(2021, 3, 1), date(2022, 6, 1))
    assert code_review_due(reviewed, Period(2, PeriodUnit.YEARS)) == date(2024, 6, 1)
    ungoverned = Facts(as_of=date(2024, 1, 1), governing={}, in_force_since=date(2020, 1, 1))
    assert annual_review_due(ungoverned) is None
    governed = Facts(
        as_of=date(2024, 1, 1),
        governing={CommitmentKind.ANNUAL_REVIEW: Governed(by)},
        in_force_since=date(2020, 1, 1),
        last_review_on=date(2023, 5, 4),
    )
    assert annual_review_due(governed) == date(2024, 5, 4)
