"""The hash chain: recomputed from stored events, it names the first position that was tampered with."""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import replace
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra.chain import (
    GENESIS,
    LINK_V1,
    LINK_V2,
    LinkFormats,
    StoredFact,
    canonical_json,
    link,
    sign_checkpoint,
    verify,
)


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


def v1(f: StoredFact) -> StoredFact:
    return f._replace(link_format=LINK_V1)


def test_a_v1_link_is_sha_256_of_the_canonical_envelope_as_chains_before_v2_were_made() -> None:
    f = v1(EVENTS[0])
    envelope = {
        "position": 1,
        "originator_id": f.originator_id,
        "originator_version": f.originator_version,
        "topic": f.topic,
        "state": json.loads(f.state),
    }
    expected = hashlib.sha256(
        b"compact-registry/event/v1\x00" + bytes(32) + (1).to_bytes(8, "big") + rfc8785.dumps(envelope)
    ).hexdigest()
    assert link(GENESIS, 1, f) == expected


def test_a_v2_link_is_sha_256_of_the_stored_bytes_framed_with_the_event_and_its_place() -> None:
    f = EVENTS[1]
    previous = PUBLISHED[1]
    oid, topic = f.originator_id.encode(), f.topic.encode()
    framed = (
        b"compact-registry/event/v2\x00"
        + bytes.fromhex(previous)
        + (2).to_bytes(8, "big")
        + f.originator_version.to_bytes(8, "big")
        + len(oid).to_bytes(4, "big")
        + oid
        + len(topic).to_bytes(4, "big")
        + topic
        + f.state
    )
    assert f.link_format == LINK_V2
    assert link(previous, 2, f) == hashlib.sha256(framed).hexdigest()


def test_a_v2_link_commits_to_the_id_version_and_topic_as_well_as_the_state() -> None:
    f = EVENTS[0]
    changed = [
        f._replace(originator_id="harlow:thing-9"),
        f._replace(originator_version=2),
        f._replace(topic="domain.x:X.Other"),
        # The boundary between id and topic is framed: moving a character across it changes the hash.
        f._replace(originator_id=f.originator_id + "d", topic=f.topic[1:]),
    ]
    for other in changed:
        assert link(GENESIS, 1, other) != PUBLISHED[1], other


def test_a_v2_link_commits_to_the_stored_bytes_not_only_to_what_they_mean() -> None:
    f = EVENTS[0]
    respaced = f._replace(state=json.dumps(json.loads(f.state), indent=1).encode())
    assert link(GENESIS, 1, respaced) != link(GENESIS, 1, f)
    # A v1 link parsed the JSON: it could not tell the two apart.
    assert link(GENESIS, 1, v1(respaced)) == link(GENESIS, 1, v1(f))


def test_a_chain_of_v1_links_then_v2_links_verifies_and_names_an_edit_on_either_side() -> None:
    mixed = [v1(f) for f in EVENTS[:3]] + EVENTS[3:]
    hashes = published(mixed)
    assert verify(mixed, hashes).ok
    assert hashes[1] == link(GENESIS, 1, v1(EVENTS[0])) != PUBLISHED[1]
    for position in (2, 5):
        edited = list(mixed)
        edited[position - 1] = fact(position, text="y")._replace(link_format=mixed[position - 1].link_format)
        assert verify(edited, hashes).first_bad_position == position


def test_an_event_whose_link_format_was_changed_is_named() -> None:
    mixed = [v1(f) for f in EVENTS[:3]] + EVENTS[3:]
    hashes = published(mixed)
    switched = list(mixed)
    switched[3] = v1(switched[3])
    assert verify(switched, hashes).first_bad_position == 4


def test_stored_bytes_that_no_link_can_be_made_of_are_named_not_a_crash() -> None:
    chain = [v1(EVENTS[0]), *EVENTS[1:]]
    hashes = published(chain)
    for position, unlinkable in (
        (1, v1(EVENTS[0])._replace(state=b"\xff not json")),
        (3, EVENTS[2]._replace(link_format=7)),
        (4, EVENTS[3]._replace(originator_version=-1)),
    ):
        events = list(chain)
        events[position - 1] = unlinkable
        result = verify(events, hashes)
        assert (result.ok, result.first_bad_position) == (False, position)
    # The v2 link hashes bytes: they need not be JSON, nor even text.
    binary = [EVENTS[0]._replace(state=b"\xff\x00 sealed")]
    assert verify(binary, published(binary)).ok


def test_a_long_chain_is_checked_across_its_chunks() -> None:
    long = [fact(n) for n in range(1, 3 * 8192 + 10)]
    hashes = published(long)
    at = 8192 + 5
    checkpoint = sign_checkpoint(KEY, "k1", "harlow", at, hashes[at], "2026-01-01T00:00:00+00:00")
    result = verify(long, hashes, [checkpoint], KEYS)
    assert (result.ok, result.checked, result.head_hash) == (True, len(long), hashes[len(long)])
    for position in (8192, 8193, 2 * 8192 + 1, len(long)):
        edited = list(long)
        edited[position - 1] = fact(position, text="y")
        assert verify(edited, hashes).first_bad_position == position
    forged = dict(hashes)
    forged[at + 1] = "0" * 64
    assert verify(long, forged).first_bad_position == at + 1


def test_each_event_takes_the_link_format_in_force_from_its_notification_id() -> None:
    formats = LinkFormats(((70, LINK_V2),))
    assert [formats.at(n) for n in (1, 69, 70, 71)] == [LINK_V1, LINK_V1, LINK_V2, LINK_V2]
    with pytest.raises(ValueError, match="run `compacts migrate`"):
        LinkFormats(())
    with pytest.raises(ValueError, match=r"Unknown link formats \[3\]"):
        LinkFormats(((1, 3),))


def test_published_hashes_that_only_add_up_to_the_chain_are_named() -> None:
    """Two published hashes run together, the next one empty: the whole text matches, each hash does not."""
    merged = dict(PUBLISHED)
    merged[2], merged[3] = PUBLISHED[2] + PUBLISHED[3], ""
    assert verify(EVENTS, merged).first_bad_position == 2
    merged[2], merged[3] = PUBLISHED[2] + "\n" + PUBLISHED[3], ""
    assert verify(EVENTS, merged).first_bad_position == 2
