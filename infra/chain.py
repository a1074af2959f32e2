"""A tenant's hash chain: each event hash commits to its stored bytes, position and predecessor."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
import sys
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import islice, repeat
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TypedDict

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:
    # Only the type checker reads it: a bundle is checked with this module alone.
    from domain.payloads import JSONValue

# How a link is computed. A link keeps the format it was made with, so chains made before v2 still
# verify; each event says which format its link uses (ADR 0005).
# v1: the RFC 8785 canonical JSON of the event's envelope, its state parsed from the stored JSON.
LINK_V1 = 1
# v2: the stored bytes as they are, framed with the event's id, version and topic; nothing is parsed.
LINK_V2 = 2
LINK_FORMATS = (LINK_V1, LINK_V2)
LATEST_LINK = LINK_V2

# Domain separation: these hashes can never be confused with a hash of anything else, nor one format's
# with the other's.
PREFIX = b"compact-registry/event/v1\x00"
PREFIX_V2 = b"compact-registry/event/v2\x00"
GENESIS = "0" * 64
# v2's fixed-width head: the prefix, the previous hash (32 bytes), the position and the originator version
# (8 bytes each, big-endian). The id and the topic follow, each after its length (4 bytes); the state is
# the rest. A version outside 0..2**64-1, which no stored event has, cannot be packed (struct.error).
_V2_HEAD = struct.Struct(f">{len(PREFIX_V2)}s32sQQ")
_LENGTH = struct.Struct(">I")
_HEX = 64  # characters of a SHA-256 hash written in hex
# Events hashed between two comparisons with the published hashes: large enough that the comparison is
# a small part of the work, small enough that memory stays flat however long the chain.
_CHUNK = 8192


class StoredFact(NamedTuple):
    """An event as the event store holds it: enough to recompute its hash with nothing else.

    A tuple rather than a dataclass: verification makes and unpacks one per event, millions at a time.
    """

    originator_id: str
    originator_version: int
    topic: str
    state: bytes
    link_format: int = LATEST_LINK


@dataclass(frozen=True)
class LinkFormats:
    """From which notification id on each link format is used: `(first notification id, format)` pairs.

    Notification ids order every tenant's events, so each tenant's chain is a run of v1 links (the
    events stored before the release that brought v2) followed by v2 links.
    """

    starts: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        if not self.starts:
            raise ValueError(
                "No link formats are recorded (table chain_link_formats): run `compacts migrate`."
            )
        unknown = sorted({form for _, form in self.starts} - set(LINK_FORMATS))
        if unknown:
            raise ValueError(f"Unknown link formats {unknown}: this release knows {list(LINK_FORMATS)}.")

    def at(self, notification_id: int) -> int:
        """The format of the link of the event stored with this notification id."""
        found = LINK_V1
        for first, form in sorted(self.starts):
            if notification_id >= first:
                found = form
        return found


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
    """A v1 link's RFC 8785 bytes of the event; its state is the JSON the event store holds, parsed
    (`state`, where the caller has parsed it already: a stored state is always an object, never null)."""
    document: dict[str, JSONValue] = {
        "position": position,
        "originator_id": fact.originator_id,
        "originator_version": fact.originator_version,
        "topic": fact.topic,
        "state": json.loads(fact.state) if state is None else state,
    }
    return canonical_json(document)


def _names(originator_id: str, topic: str) -> bytes:
    """A v2 link's id and topic, each after its length, so no two pairs frame to the same bytes."""
    oid, top = originator_id.encode("utf-8"), topic.encode("utf-8")
    return _LENGTH.pack(len(oid)) + oid + _LENGTH.pack(len(top)) + top


def _link_v1(previous: bytes, position: int, fact: StoredFact, state: JSONValue = None) -> bytes:
    digest = hashlib.sha256()
    digest.update(PREFIX)
    digest.update(previous)
    digest.update(position.to_bytes(8, "big"))
    digest.update(canonical(position, fact, state))
    return digest.digest()


def _link_v2(previous: bytes, position: int, fact: StoredFact) -> bytes:
    head = _V2_HEAD.pack(PREFIX_V2, previous, position, fact.originator_version)
    return hashlib.sha256(head + _names(fact.originator_id, fact.topic) + fact.state).digest()


def link(previous_hash: str, position: int, fact: StoredFact, state: JSONValue = None) -> str:
    """The hash of one event, chained to the hash before it, in the event's own link format (`state`: a v1
    link's parsed state, as for `canonical`, where the caller has it already)."""
    previous = bytes.fromhex(previous_hash)
    if fact.link_format == LINK_V2:
        return _link_v2(previous, position, fact).hex()
    if fact.link_format == LINK_V1:
        return _link_v1(previous, position, fact, state).hex()
    raise ValueError(f"unknown link format {fact.link_format!r}: this release knows {list(LINK_FORMATS)}")


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


def _link_slowly(previous: bytes, position: int, fact: StoredFact) -> bytes | None:
    """A link that is not v2, or that v2 cannot make; None when no link can be made of the event."""
    try:
        if fact.link_format == LINK_V1:
            return _link_v1(previous, position, fact)
        if fact.link_format == LINK_V2:
            return _link_v2(previous, position, fact)
    except (ValueError, struct.error):  # stored bytes that are not JSON, a version no event can have
        return None
    return None  # a link format this release does not know


def verify(
    facts: Iterable[StoredFact],
    published: Mapping[int, str],
    checkpoints: Iterable[Checkpoint] = (),
    keys: dict[str, Ed25519PublicKey] | None = None,
) -> Verified:
    """Recompute the chain from the events and compare it with the hashes published for each position.

    The first position whose recomputed hash differs from the published one (an edited, inserted,
    deleted or reordered event), or that exists on one side only, is named.
    """
    signed = list(checkpoints)
    at_checkpoints = sorted({c.position for c in signed})
    recomputed: dict[int, str] = {}
    bad: list[int] = []
    chain = _Chain()
    events = iter(facts)
    # The events are taken in chunks whose hashes are compared with the published ones as one text.
    while chunk := list(islice(events, _CHUNK)):
        start = chain.position + 1
        digests, unlinkable = chain.extend(chunk)
        if not bad:
            bad += _first_unpublished(digests, start, published, unlinkable)
        for at in at_checkpoints:
            if start <= at <= chain.position:
                recomputed[at] = digests[at - start].hex()
    position = chain.position
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
    return Verified(first_bad is None, position, first_bad, chain.previous.hex() if position else None)


class _Chain:
    """A chain as far as it is recomputed: its last position and link, and each aggregate's framed names."""

    def __init__(self) -> None:
        self.previous = bytes(32)  # GENESIS
        self.position = 0
        self.framed: dict[tuple[str, str], bytes] = {}

    def extend(self, chunk: list[StoredFact]) -> tuple[list[bytes], int | None]:
        """Each event's link, in order, and the first position that could not be linked at all."""
        # The inner loop runs once per event, millions of times, so it does as little as Python allows: a
        # v2 link is one SHA-256 call over bytes joined once, with the id and topic framed once per aggregate.
        sha256, head, prefix, join, v2 = hashlib.sha256, _V2_HEAD.pack, PREFIX_V2, b"".join, LINK_V2
        framed, previous, position, unlinkable = self.framed, self.previous, self.position, None
        digests: list[bytes] = []
        add = digests.append
        for position, fact in enumerate(chunk, start=self.position + 1):
            originator_id, version, topic, state, form = fact
            if form == v2:
                names = framed.get((originator_id, topic))
                if names is None:
                    names = framed[originator_id, topic] = _names(originator_id, topic)
                try:  # free unless raised (Python 3.11)
                    fixed = head(prefix, previous, position, version)
                    previous = sha256(join((fixed, names, state))).digest()
                except struct.error:
                    previous, unlinkable = bytes(32), unlinkable or position
            else:
                made = _link_slowly(previous, position, fact)
                if made is None:
                    made, unlinkable = bytes(32), unlinkable or position
                previous = made
            add(previous)
        self.previous, self.position = previous, position
        return digests, unlinkable


def _first_unpublished(
    digests: list[bytes], start: int, published: Mapping[int, str], unlinkable: int | None
) -> list[int]:
    """The first position of a chunk whose link is not the one published, if any."""
    # The chunk's hashes as one text against the published ones run together. Every published hash must
    # also be 64 characters: then equal texts mean equal hashes, none borrowing characters from its
    # neighbour (the texts' lengths are equal, so no hash can be shorter unless another is longer).
    expected = list(map(published.get, range(start, start + len(digests)), repeat("")))
    same = b"".join(digests).hex() == "".join(expected) and max(map(len, expected)) == _HEX
    if same and unlinkable is None:
        return []
    for at, digest in enumerate(digests, start=start):
        if at == unlinkable or published.get(at) != digest.hex():
            return [at]
    return []


# The export bundle: a zip anyone can check with this module alone (standard library, rfc8785 and
# cryptography), no database and nothing else of the registry. v2 bundles give each event's link format
# and its exact stored bytes; v1 bundles (every link v1, every state UTF-8 text) are still read.
BUNDLE_FORMAT = "compact-registry-bundle/v2"
READABLE_BUNDLES = ("compact-registry-bundle/v1", BUNDLE_FORMAT)


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
            "link_format": fact.link_format,
            "hash": published_hash,
            **_stored_state(fact.state),
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


def _stored_state(state: bytes) -> dict[str, str]:
    """The exact stored bytes for a bundle's line: as text when they are UTF-8 (as the registry's JSON
    always is, and readable so), otherwise in base64. UTF-8 text decodes and encodes back byte for byte."""
    try:
        return {"state": state.decode("utf-8")}
    except UnicodeDecodeError:
        return {"state_base64": base64.b64encode(state).decode("ascii")}


def _fact_of(record: Mapping[str, object], bundle_format: str) -> StoredFact:
    """One line of events.jsonl as the event it stands for; a line of the wrong shape raises ValueError."""
    originator_id, version, topic = record["originator_id"], record["originator_version"], record["topic"]
    if not isinstance(originator_id, str) or not isinstance(topic, str):
        raise ValueError("an event's originator_id and topic must be text")
    originator_id.encode("utf-8"), topic.encode("utf-8")  # a lone surrogate raises UnicodeEncodeError
    if not isinstance(version, int) or isinstance(version, bool) or not 0 <= version < 2**63:
        raise ValueError(f"an event's originator_version must be a whole number, not {version!r}")
    # A v1 bundle predates link formats: all its links are v1.
    form = record.get("link_format", LINK_V1) if bundle_format != BUNDLE_FORMAT else record["link_format"]
    if form not in LINK_FORMATS or isinstance(form, bool) or not isinstance(form, int):
        raise ValueError(f"unknown link format {form!r}: this release knows {list(LINK_FORMATS)}")
    text, encoded = record.get("state"), record.get("state_base64")
    if isinstance(text, str) and encoded is None:
        state = text.encode("utf-8")
    elif isinstance(encoded, str) and text is None and bundle_format == BUNDLE_FORMAT:
        state = base64.b64decode(encoded, validate=True)
    else:
        raise ValueError("each event holds its stored state once: as text in 'state', or in 'state_base64'")
    return StoredFact(originator_id, version, topic, state, form)


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
    if manifest.get("format") not in READABLE_BUNDLES:
        return fail(f"unknown bundle format {manifest.get('format')!r}", tenant)
    problems += _files_against_manifest(path, manifest.get("files", {}), files)
    try:
        records = [json.loads(line) for line in files["events.jsonl"].decode("utf-8").splitlines() if line]
        checkpoints = [Checkpoint(**c) for c in json.loads(files["checkpoints.json"])]
        keys = _jwk_keys(trusted_keys if trusted_keys is not None else json.loads(files["keys.json"]))
        facts = [_fact_of(r, manifest["format"]) for r in records]
        published = {int(r["position"]): str(r["hash"]) for r in records}
    except (ValueError, TypeError, KeyError, binascii.Error) as error:
        return fail(f"the bundle's contents are malformed: {error}", tenant)
    problems += _out_of_order(records)
    result = verify(facts, published, checkpoints, keys)
    claimed = (manifest.get("events"), manifest.get("head_hash"), tenant)
    problems += _against_the_chain(claimed, len(records), result, [c.tenant for c in checkpoints])
    return BundleReport(
        not problems, tenant, result.checked, result.first_bad_position, result.head_hash, tuple(problems)
    )


def _files_against_manifest(path: Path, listed: object, files: dict[str, bytes]) -> list[str]:
    """Each file the manifest lists, read and hashed: those that differ from it, or are missing."""
    problems = []
    if not isinstance(listed, dict):
        listed = {}
    for name, data in files.items():
        if listed.get(name) != hashlib.sha256(data).hexdigest():
            problems.append(f"{name} does not match the manifest")
    for name in sorted(set(listed) - set(files)):
        try:
            with zipfile.ZipFile(path) as bundle:
                data = bundle.read(name)
        except KeyError:
            problems.append(f"{name} is listed in the manifest but missing")
            continue
        if listed[name] != hashlib.sha256(data).hexdigest():
            problems.append(f"{name} does not match the manifest")
    return problems


def _out_of_order(records: list[dict[str, object]]) -> list[str]:
    """The first event whose position is not the one after the event before it."""
    for expected, record in enumerate(records, start=1):
        if record.get("position") != expected:
            return [f"event {expected} is out of order or missing"]
    return []


def _against_the_chain(
    claimed: tuple[object, object, object], held: int, result: Verified, tenants: list[str]
) -> list[str]:
    """What the manifest (its events, head hash and tenant) and the checkpoints claim that the recomputed
    chain does not bear out."""
    events, head_hash, tenant = claimed
    problems = []
    if events != held:
        problems.append(f"the manifest lists {events} events, the bundle holds {held}")
    if head_hash != result.head_hash:
        problems.append("the manifest's head hash is not the chain's")
    problems += [f"a checkpoint is for another tenant ({t})" for t in tenants if t != tenant]
    if not result.ok:
        problems.append(f"the chain does not hold from position {result.first_bad_position}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """`python chain.py BUNDLE [TRUSTED_JWKS]`: prints the report, exits 0 only when everything holds."""
    args = sys.argv[1:] if argv is None else argv
    trusted = json.loads(Path(args[1]).read_text()) if len(args) > 1 else None
    report = verify_bundle(Path(args[0]), trusted)
    print(json.dumps(report.__dict__, indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
