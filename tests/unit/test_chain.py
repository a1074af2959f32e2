"""The hash chain: recomputed from stored events, it names the first position that was tampered with."""

from __future__ import annotations

import json

from infra.chain import GENESIS, StoredFact, link, verify


def fact(n: int, text: str = "x") -> StoredFact:
    state = json.dumps(
        {"actor": "ed", "note": f"{text}{n}", "timestamp": {"_data_": "2010-01-01T00:00:00+00:00"}}
    )
    return StoredFact(f"harlow:thing-{n}", 1, "domain.x:X.Happened", state.encode())


def published(facts: list[StoredFact]) -> dict[int, str]:
    hashes, previous = {}, GENESIS
    for position, f in enumerate(facts, start=1):
        previous = hashes[position] = link(previous, position, f)
    return hashes


EVENTS = [fact(n) for n in range(1, 6)]
PUBLISHED = published(EVENTS)


def test_an_untouched_history_verifies_with_its_head_hash() -> None:
    result = verify(EVENTS, PUBLISHED)
    assert (result.ok, result.checked, result.first_bad_position, result.head_hash) == (
        True,
        5,
        None,
        PUBLISHED[5],
    )


def test_the_first_link_commits_to_the_genesis_and_position() -> None:
    assert link(GENESIS, 1, EVENTS[0]) == PUBLISHED[1]
    assert link(GENESIS, 2, EVENTS[0]) != PUBLISHED[1]


def test_an_edited_payload_is_named() -> None:
    edited = list(EVENTS)
    edited[2] = fact(3, text="y")
    assert verify(edited, PUBLISHED).first_bad_position == 3


def test_a_deleted_event_is_named() -> None:
    assert verify(EVENTS[:2] + EVENTS[3:], PUBLISHED).first_bad_position == 3
    assert verify(EVENTS[:4], PUBLISHED).first_bad_position == 5


def test_an_inserted_event_is_named() -> None:
    assert verify([*EVENTS[:1], fact(9), *EVENTS[1:]], PUBLISHED).first_bad_position == 2
    assert verify([*EVENTS, fact(9)], PUBLISHED).first_bad_position == 6


def test_two_swapped_events_are_named() -> None:
    swapped = [EVENTS[0], EVENTS[2], EVENTS[1], *EVENTS[3:]]
    assert verify(swapped, PUBLISHED).first_bad_position == 2


def test_an_empty_history_verifies_with_no_head() -> None:
    assert verify([], {}).head_hash is None
    assert verify([], {}).ok
