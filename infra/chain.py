"""A tenant's hash chain: each event hash commits to its canonical bytes, position and predecessor."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rfc8785

# Domain separation: these hashes can never be confused with a hash of anything else.
PREFIX = b"compact-registry/event/v1\x00"
GENESIS = "0" * 64


@dataclass(frozen=True)
class StoredFact:
    """An event as the event store holds it: enough to recompute its hash with nothing else."""

    originator_id: str
    originator_version: int
    topic: str
    state: bytes


def canonical(position: int, fact: StoredFact) -> bytes:
    """RFC 8785 bytes of the event; its state is the JSON the event store holds, parsed."""
    document: dict[str, Any] = {
        "position": position,
        "originator_id": fact.originator_id,
        "originator_version": fact.originator_version,
        "topic": fact.topic,
        "state": json.loads(fact.state),
    }
    return rfc8785.dumps(document)


def link(previous_hash: str, position: int, fact: StoredFact) -> str:
    """The hash of one event, chained to the hash before it."""
    digest = hashlib.sha256()
    digest.update(PREFIX)
    digest.update(bytes.fromhex(previous_hash))
    digest.update(position.to_bytes(8, "big"))
    digest.update(canonical(position, fact))
    return digest.hexdigest()


@dataclass(frozen=True)
class Verified:
    ok: bool
    checked: int
    first_bad_position: int | None
    head_hash: str | None


def verify(facts: Iterable[StoredFact], published: dict[int, str]) -> Verified:
    """Recompute the chain from the events and compare it with the hashes published for each position.

    The first position whose recomputed hash differs from the published one (an edited, inserted,
    deleted or reordered event), or that exists on one side only, is named.
    """
    previous = GENESIS
    position = 0
    first_bad: int | None = None
    for position, fact in enumerate(facts, start=1):
        previous = link(previous, position, fact)
        if first_bad is None and published.get(position) != previous:
            first_bad = position
    if first_bad is None and len(published) > position:
        first_bad = position + 1  # events were published that the store no longer holds
    return Verified(first_bad is None, position, first_bad, previous if position else None)
