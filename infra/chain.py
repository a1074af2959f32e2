"""A tenant's hash chain: each event hash commits to its canonical bytes, position and predecessor."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:
    # Only the type checker reads it: a bundle is checked with this module alone.
    from domain.payloads import JSONValue

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


# JSON integers that RFC 8785 writes as they are (beyond, it would write them as doubles).
_SAFE_INT = 2**53 - 1


def _plain(value: object) -> bool:
    """True when the standard library's sorted, compact JSON is byte for byte RFC 8785's.

    That holds for objects whose keys are in the Basic Multilingual Plane (sorting by UTF-16 code units
    is then sorting by code points), strings, booleans, null and safe integers. Floats, huge integers
    and anything else take RFC 8785's own encoder.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if -_SAFE_INT <= item <= _SAFE_INT:
                continue
            return False
        if isinstance(item, dict):
            for key, inner in item.items():
                # isascii and max run in C: a key's characters tested one by one in Python were a tenth
                # of a rebuild's time.
                if not isinstance(key, str) or (not key.isascii() and max(key) > "\uffff"):
                    return False
                stack.append(inner)
            continue
        if isinstance(item, list):
            stack.extend(item)
            continue
        return False
    return True


def canonical_json(value: JSONValue) -> bytes:
    """RFC 8785 canonical JSON, by the standard library's C encoder wherever that gives the same bytes."""
    if _plain(value):
        try:
            return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
                "utf-8"
            )
        except UnicodeEncodeError:
            pass  # a lone surrogate: RFC 8785's encoder decides
    return rfc8785.dumps(value)


def canonical(position: int, fact: StoredFact, state: JSONValue = None) -> bytes:
    """RFC 8785 bytes of the event; its state is the JSON the event store holds, parsed (`state`, where
    the caller has parsed it already: a stored state is always an object, never null)."""
    document: dict[str, JSONValue] = {
        "position": position,
        "originator_id": fact.originator_id,
        "originator_version": fact.originator_version,
        "topic": fact.topic,
        "state": json.loads(fact.state) if state is None else state,
    }
    return canonical_json(document)


def link(previous_hash: str, position: int, fact: StoredFact, state: JSONValue = None) -> str:
    """The hash of one event, chained to the hash before it (`state`: as for `canonical`)."""
    digest = hashlib.sha256()
    digest.update(PREFIX)
    digest.update(bytes.fromhex(previous_hash))
    digest.update(position.to_bytes(8, "big"))
    digest.update(canonical(position, fact, state))
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
        body: dict[str, str | int] = {
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


# The export bundle: a zip anyone can check with this module alone (standard library, rfc8785 and
# cryptography), no database and nothing else of the registry.
BUNDLE_FORMAT = "compact-registry-bundle/v1"


@dataclass(frozen=True)
class BundleReport:
    ok: bool
    tenant: str | None
    checked: int
    first_bad_position: int | None
    head_hash: str | None
    problems: tuple[str, ...]


class BundleManifest(TypedDict):
    """What a bundle holds, and the SHA-256 of each of its files."""

    format: str
    tenant: str
    events: int
    head_hash: str | None
    files: dict[str, str]


def _jwk_keys(document: object) -> dict[str, Ed25519PublicKey]:
    """The Ed25519 keys of a JSON Web Key Set; a document that is no key set raises TypeError."""
    listed = document.get("keys", []) if isinstance(document, Mapping) else None
    if not isinstance(listed, list):
        raise TypeError("the keys are not a JSON Web Key Set")
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in listed:
        if isinstance(jwk, Mapping) and jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519":
            x, kid = jwk["x"], jwk["kid"]
            if not isinstance(x, str) or not isinstance(kid, str):
                raise TypeError("a key's 'x' and 'kid' must be text")
            raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
            keys[kid] = Ed25519PublicKey.from_public_bytes(raw)
    return keys


def write_bundle(
    path: Path,
    tenant: str,
    events: Iterable[tuple[StoredFact, str]],
    checkpoints: list[Checkpoint],
    jwks: Mapping[str, object],
    extra: dict[str, bytes] | None = None,
) -> BundleManifest:
    """Write events (each with its published hash), checkpoints and public keys, plus a manifest of them.

    `extra` files (a readable account of the amendments) are listed in the manifest with their hashes too.
    """
    lines = []
    count, head = 0, None
    for count, (fact, published_hash) in enumerate(events, start=1):
        record = {
            "position": count,
            "originator_id": fact.originator_id,
            "originator_version": fact.originator_version,
            "topic": fact.topic,
            "state": fact.state.decode("utf-8"),
            "hash": published_hash,
        }
        lines.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
        head = published_hash
    files = {
        "events.jsonl": ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8"),
        "checkpoints.json": json.dumps([c.__dict__ for c in checkpoints], indent=2).encode(),
        "keys.json": json.dumps(jwks, indent=2).encode(),
        **(extra or {}),
    }
    manifest: BundleManifest = {
        "format": BUNDLE_FORMAT,
        "tenant": tenant,
        "events": count,
        "head_hash": head,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in files.items()},
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for name, data in files.items():
            bundle.writestr(name, data)
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2))
    return manifest


def verify_bundle(path: Path, trusted_keys: Mapping[str, object] | None = None) -> BundleReport:
    """Check a bundle offline: files against the manifest, the chain from the events, every checkpoint.

    `trusted_keys` is a JWKS obtained from the registry out of band; without it the bundle's own keys
    are used, and the report names their kids so they can be compared with the published ones.
    """
    problems: list[str] = []

    def fail(problem: str, tenant: str | None = None) -> BundleReport:
        return BundleReport(False, tenant, 0, None, None, (*problems, problem))

    try:
        with zipfile.ZipFile(path) as bundle:
            manifest = json.loads(bundle.read("manifest.json"))
            files = {name: bundle.read(name) for name in ("events.jsonl", "checkpoints.json", "keys.json")}
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        return fail(f"not a readable bundle: {error}")
    tenant = manifest.get("tenant")
    if manifest.get("format") != BUNDLE_FORMAT:
        return fail(f"unknown bundle format {manifest.get('format')!r}", tenant)
    for name, data in files.items():
        if manifest.get("files", {}).get(name) != hashlib.sha256(data).hexdigest():
            problems.append(f"{name} does not match the manifest")
    listed = manifest.get("files", {})
    for name in sorted(set(listed) - set(files)) if isinstance(listed, dict) else ():
        try:
            with zipfile.ZipFile(path) as bundle:
                data = bundle.read(name)
        except KeyError:
            problems.append(f"{name} is listed in the manifest but missing")
            continue
        if listed[name] != hashlib.sha256(data).hexdigest():
            problems.append(f"{name} does not match the manifest")
    try:
        records = [json.loads(line) for line in files["events.jsonl"].decode("utf-8").splitlines() if line]
        checkpoints = [Checkpoint(**c) for c in json.loads(files["checkpoints.json"])]
        keys = _jwk_keys(trusted_keys if trusted_keys is not None else json.loads(files["keys.json"]))
    except (ValueError, TypeError, KeyError) as error:
        return fail(f"the bundle's contents are malformed: {error}", tenant)
    for expected, record in enumerate(records, start=1):
        if record.get("position") != expected:
            problems.append(f"event {expected} is out of order or missing")
            break
    facts = [
        StoredFact(r["originator_id"], int(r["originator_version"]), r["topic"], r["state"].encode("utf-8"))
        for r in records
    ]
    published = {int(r["position"]): str(r["hash"]) for r in records}
    result = verify(facts, published, checkpoints, keys)
    if manifest.get("events") != len(records):
        problems.append(
            f"the manifest lists {manifest.get('events')} events, the bundle holds {len(records)}"
        )
    if manifest.get("head_hash") != result.head_hash:
        problems.append("the manifest's head hash is not the chain's")
    for checkpoint in checkpoints:
        if checkpoint.tenant != tenant:
            problems.append(f"a checkpoint is for another tenant ({checkpoint.tenant})")
    if not result.ok:
        problems.append(f"the chain does not hold from position {result.first_bad_position}")
    return BundleReport(
        not problems, tenant, result.checked, result.first_bad_position, result.head_hash, tuple(problems)
    )


def main(argv: list[str] | None = None) -> int:
    """`python chain.py BUNDLE [TRUSTED_JWKS]`: prints the report, exits 0 only when everything holds."""
    args = sys.argv[1:] if argv is None else argv
    trusted = json.loads(Path(args[1]).read_text()) if len(args) > 1 else None
    report = verify_bundle(Path(args[0]), trusted)
    print(json.dumps(report.__dict__, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
