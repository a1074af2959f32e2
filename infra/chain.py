"""A tenant's hash chain: each event hash commits to its canonical bytes, position and predecessor."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

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


CHECKPOINT_PREFIX = b"compact-registry/checkpoint/v1\x00"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement that a tenant's chain had `head_hash` at `position`, made at `signed_at`."""

    tenant: str
    position: int
    head_hash: str
    signed_at: str
    kid: str
    signature: str

    def message(self) -> bytes:
        body: dict[str, Any] = {
            "tenant": self.tenant,
            "position": self.position,
            "head_hash": self.head_hash,
            "signed_at": self.signed_at,
            "kid": self.kid,
        }
        return CHECKPOINT_PREFIX + rfc8785.dumps(body)


def sign_checkpoint(
    key: Ed25519PrivateKey, kid: str, tenant: str, position: int, head_hash: str, signed_at: str
) -> Checkpoint:
    unsigned = Checkpoint(tenant, position, head_hash, signed_at, kid, "")
    signature = base64.urlsafe_b64encode(key.sign(unsigned.message())).decode()
    return Checkpoint(tenant, position, head_hash, signed_at, kid, signature)


def signature_holds(checkpoint: Checkpoint, keys: dict[str, Ed25519PublicKey]) -> bool:
    key = keys.get(checkpoint.kid)
    if key is None:
        return False
    try:
        key.verify(base64.urlsafe_b64decode(checkpoint.signature.encode()), checkpoint.message())
    except (InvalidSignature, ValueError):
        return False
    return True


def verify(
    facts: Iterable[StoredFact],
    published: dict[int, str],
    checkpoints: Iterable[Checkpoint] = (),
    keys: dict[str, Ed25519PublicKey] | None = None,
) -> Verified:
    """Recompute the chain from the events and compare it with the hashes published for each position.

    The first position whose recomputed hash differs from the published one (an edited, inserted,
    deleted or reordered event), or that exists on one side only, is named.
    """
    signed = list(checkpoints)
    at_checkpoints = {c.position for c in signed}
    recomputed: dict[int, str] = {}
    previous = GENESIS
    position = 0
    bad: list[int] = []
    for position, fact in enumerate(facts, start=1):
        previous = link(previous, position, fact)
        if position in at_checkpoints:
            recomputed[position] = previous
        if not bad and published.get(position) != previous:
            bad.append(position)
    if not bad and len(published) > position:
        bad.append(position + 1)  # events were published that the store no longer holds
    for checkpoint in signed:
        # A checkpoint that does not hold (altered, signed by another key, or beyond the chain now)
        # marks its own position as the first one that cannot be trusted.
        if (
            not signature_holds(checkpoint, keys or {})
            or recomputed.get(checkpoint.position) != checkpoint.head_hash
        ):
            bad.append(checkpoint.position)
    first_bad = min(bad) if bad else None
    return Verified(first_bad is None, position, first_bad, previous if position else None)
