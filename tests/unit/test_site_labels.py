"""The public site says every value in plain English, and every date as people write it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from api.graphql.schema import schema
from api.site.labels import LABELS, dates_in_words, label, long_date


def test_every_member_of_every_labelled_enum_has_a_label() -> None:
    missing = [
        f"{kind.__name__}.{m.value}" for kind, values in LABELS.items() for m in kind if m.value not in values
    ]
    assert missing == []


def test_no_label_names_a_member_its_enum_does_not_have() -> None:
    stale = [f"{kind.__name__}.{v}" for kind, values in LABELS.items() for v in values if v not in set(kind)]
    assert stale == []


def test_every_enum_the_public_schema_shows_is_labelled() -> None:
    """An enum added to the GraphQL schema reaches the pages too; it must get words before it does."""
    shown = {
        name
        for name, kind in schema._schema.type_map.items()
        if kind.__class__.__name__ == "GraphQLEnumType" and not name.startswith("__")
    }
    # The compact's status is the API's own enum, labelled as text (labels.COMPACT_STATUS).
    labelled = {kind.__name__ for kind in LABELS} | {"CompactStatus"}
    assert shown - labelled == set()


@pytest.mark.parametrize(
    ("value", "kind", "words"),
    [
        ("VOLUNTARY_COMMUNITY", "Sector", "Voluntary and community sector"),
        ("BETWEEN_PARTIES", "DisputeStage", "Between the parties"),
        ("DISTRICT", "Tier", "District or borough"),
        ("SUPERSEDED", "code_change", "Merged into another code"),
    ],
)
def test_labels_are_plain_english(value: str, kind: str, words: str) -> None:
    assert label(value, kind) == words


def test_a_value_without_a_label_shows_as_it_is_rather_than_failing_the_page() -> None:
    assert label("demo illustration: left", "Sector") == "demo illustration: left"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2010-03-07", "7 March 2010"),
        (date(2004, 1, 14), "14 January 2004"),
        (datetime(2026, 12, 1, 7, 30, tzinfo=UTC), "1 December 2026"),
        ("2026-12-01T07:30:00+00:00", "1 December 2026"),
        (None, ""),
        ("not a date", "not a date"),
    ],
)
def test_dates_read_as_day_month_year(value: object, words: str) -> None:
    assert long_date(value) == words


def test_dates_inside_the_apis_sentences_read_as_words() -> None:
    said = "East of England had no compact in force on 2012-01-01."
    assert dates_in_words(said) == "East of England had no compact in force on 1 January 2012."
