"""The read side's orjson decoding gives exactly the objects eventsourcing's own JSON transcoder gives."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.persistence import DatetimeAsISO, DecimalAsStr, JSONTranscoder, UUIDAsHex
from hypothesis import given
from hypothesis import strategies as st

from infra.event_store import ReadingTranscoder, has_long_digit_run


def _pair() -> tuple[JSONTranscoder, ReadingTranscoder]:
    plain, reading = JSONTranscoder(), ReadingTranscoder()
    for transcoder in (plain, reading):
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
    return plain, reading


PLAIN, READING = _pair()

# JSON values, including the typed values eventsourcing writes as {"_type_": ..., "_data_": ...} pairs.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.datetimes(timezones=st.just(UTC))
    | st.uuids()
    | st.decimals(allow_nan=False, allow_infinity=False)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.dictionaries(st.text(max_size=8), values, max_size=6))
def test_decodes_what_the_library_encodes_as_the_library_does(state: dict[str, object]) -> None:
    stored = PLAIN.encode(state)
    assert READING.decode(stored) == PLAIN.decode(stored)


def test_typed_values_nested_in_lists_and_objects_come_back_typed() -> None:
    state = {
        "timestamp": datetime(2026, 1, 1, tzinfo=UTC),
        "ids": [UUID(int=7), {"amount": Decimal("1.10")}],
    }
    decoded = READING.decode(PLAIN.encode(state))
    assert decoded == state
    assert isinstance(decoded, dict)
    assert isinstance(decoded["ids"][1]["amount"], Decimal)


def test_what_orjson_reads_otherwise_is_decoded_as_the_standard_library_does() -> None:
    # orjson refuses a lone surrogate and NaN, and reads an integer past 64 bits as a float.
    for stored in (b'{"name":"\\ud800"}', b'{"n":123456789012345678901234567890}', b'{"x":NaN}'):
        assert repr(READING.decode(stored)) == repr(PLAIN.decode(stored))
    nan = READING.decode(b'{"x":NaN}')
    assert isinstance(nan, dict)
    assert math.isnan(nan["x"])


@given(st.binary(max_size=64) | st.text(alphabet="0123456789 -.e", max_size=64).map(str.encode))
def test_a_run_of_19_digits_is_found_exactly_where_a_regular_expression_finds_it(data: bytes) -> None:
    assert has_long_digit_run(data) == bool(re.search(rb"[0-9]{19}", data))


def test_a_run_of_19_digits_is_found_and_18_are_not() -> None:
    assert has_long_digit_run(b'{"n": 1234567890123456789}')
    assert not has_long_digit_run(b'{"n": 123456789012345678, "m": -123456789012345678}')
