"""The hash chain: recomputed from stored events, it names the first position that was tampered with."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from typing import Any

import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.chain import GENESIS, StoredFact, canonical_json, link, sign_checkpoint, verify


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


KEY = Ed25519PrivateKey.generate()
KEYS = {"k1": KEY.public_key()}


def test_a_checkpoint_of_the_true_head_holds() -> None:
    checkpoint = sign_checkpoint(KEY, "k1", "harlow", 3, PUBLISHED[3], "2026-01-01T00:00:00+00:00")
    assert verify(EVENTS, PUBLISHED, [checkpoint], KEYS).ok


def test_an_altered_checkpoint_or_one_signed_with_another_key_is_named() -> None:
    good = sign_checkpoint(KEY, "k1", "harlow", 3, PUBLISHED[3], "2026-01-01T00:00:00+00:00")
    altered = replace(good, head_hash=PUBLISHED[2])
    other_key = sign_checkpoint(Ed25519PrivateKey.generate(), "k1", "harlow", 4, PUBLISHED[4], good.signed_at)
    unknown_kid = replace(good, kid="k9")
    for checkpoint, position in ((altered, 3), (other_key, 4), (unknown_kid, 3)):
        result = verify(EVENTS, PUBLISHED, [checkpoint], KEYS)
        assert (result.ok, result.first_bad_position) == (False, position)


def test_a_history_rewritten_with_its_published_hashes_is_still_caught_by_a_checkpoint() -> None:
    rewritten = list(EVENTS)
    rewritten[1] = fact(2, text="rewritten")
    checkpoint = sign_checkpoint(KEY, "k1", "harlow", 5, PUBLISHED[5], "2026-01-01T00:00:00+00:00")
    # Whoever rewrote the store also republished matching hashes; only the signed checkpoint disagrees.
    assert verify(rewritten, published(rewritten), [checkpoint], KEYS).first_bad_position == 5


def test_the_fast_canonical_json_is_byte_for_byte_rfc_8785() -> None:
    """Random documents, with the cases where the two could part: floats, huge integers, surrogates,
    control characters, astral keys. Each gives RFC 8785's bytes, or the same refusal."""
    rng = random.Random(8785)  # noqa: S311 - reproducible test data, not secrets
    alphabet = ["a", "Z", "é", "\u2028", "\x00", "\x1f", "\x7f", '"', "\\", "/", "\n", "\t", "\b", "\f",
                "\ud800", "😀", "\ue000", "中", " ", "<", "&"]  # fmt: skip

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 6)))

    def value(depth: int = 0) -> object:
        r = rng.random()
        if depth > 3 or r < 0.3:
            return rng.choice(
                [text(), rng.randint(-(2**60), 2**60), rng.randint(-1000, 1000), True, False, None,
                 1.5, -0.0, 1e21, 2**53, 2**53 - 1]
            )  # fmt: skip
        if r < 0.65:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {text(): value(depth + 1) for _ in range(rng.randint(0, 4))}

    def outcome(encode: Any, document: object) -> object:
        try:
            return encode(document)
        except Exception as refused:
            return type(refused)

    for _ in range(5000):
        document = value()
        assert outcome(canonical_json, document) == outcome(rfc8785.dumps, document), document
