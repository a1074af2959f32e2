"""Export bundles, checked offline by one module alone, against honest and adversarial bundles."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infra import chain
from infra.chain import (
    GENESIS,
    LINK_V1,
    StoredFact,
    link,
    sign_checkpoint,
    verify_bundle,
    write_bundle,
)
from infra.tokens import KeyRing, key_id

KEY = Ed25519PrivateKey.generate()
KID = key_id(KEY.public_key())
RING = KeyRing(KEY, {KID: KEY.public_key()})


def facts(texts: list[str]) -> list[StoredFact]:
    return [
        StoredFact(
            f"harlow:thing-{n}", 1, "domain.x:X.Happened", json.dumps({"actor": "ed", "note": t}).encode()
        )
        for n, t in enumerate(texts, start=1)
    ]


def chained(items: list[StoredFact]) -> list[tuple[StoredFact, str]]:
    out, previous = [], GENESIS
    for position, fact in enumerate(items, start=1):
        previous = link(previous, position, fact)
        out.append((fact, previous))
    return out


def honest(path: Path, texts: tuple[str, ...] = ("a", "b", "c", "d")) -> Path:
    events = chained(facts(list(texts)))
    checkpoint = sign_checkpoint(KEY, KID, "harlow", len(events), events[-1][1], "2026-01-01T00:00:00+00:00")
    write_bundle(path, "harlow", events, [checkpoint], RING.jwks())
    return path


def rewrite(path: Path, change: dict[str, bytes], *, fix_manifest: bool) -> None:
    """Replace files of a bundle, optionally recomputing the manifest's file hashes to match."""
    with zipfile.ZipFile(path) as bundle:
        contents = {name: bundle.read(name) for name in bundle.namelist()}
    contents.update(change)
    if fix_manifest:
        manifest = json.loads(contents["manifest.json"])
        manifest["files"] = {n: hashlib.sha256(contents[n]).hexdigest() for n in manifest["files"]}
        contents["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in contents.items():
            bundle.writestr(name, data)


def test_an_honest_bundle_verifies(tmp_path: Path) -> None:
    report = verify_bundle(honest(tmp_path / "b.zip"))
    assert (report.ok, report.tenant, report.checked, report.problems) == (True, "harlow", 4, ())


def test_a_truncated_bundle_is_refused(tmp_path: Path) -> None:
    path = honest(tmp_path / "b.zip")
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    report = verify_bundle(path)
    assert not report.ok
    assert "not a readable bundle" in report.problems[0]


def test_a_reordered_bundle_is_refused(tmp_path: Path) -> None:
    path = honest(tmp_path / "b.zip")
    with zipfile.ZipFile(path) as bundle:
        lines = bundle.read("events.jsonl").decode().splitlines()
    lines[1], lines[2] = lines[2], lines[1]
    rewrite(path, {"events.jsonl": ("\n".join(lines) + "\n").encode()}, fix_manifest=True)
    report = verify_bundle(path)
    assert not report.ok
    assert "event 2 is out of order or missing" in report.problems


def test_a_manifest_that_lies_is_refused(tmp_path: Path) -> None:
    path = honest(tmp_path / "b.zip")
    with zipfile.ZipFile(path) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    manifest["events"] = 3
    rewrite(path, {"manifest.json": json.dumps(manifest).encode()}, fix_manifest=False)
    assert "the manifest lists 3 events, the bundle holds 4" in verify_bundle(path).problems
    rewrite(path, {"events.jsonl": b""}, fix_manifest=False)
    assert "events.jsonl does not match the manifest" in verify_bundle(path).problems


def test_a_forged_history_with_consistent_hashes_fails_at_the_signed_checkpoint(tmp_path: Path) -> None:
    path = honest(tmp_path / "b.zip")
    forged = tmp_path / "forged.zip"
    # The forger rewrites an event and recomputes every hash, but cannot sign a new checkpoint.
    events = chained(facts(["a", "B", "c", "d"]))
    with zipfile.ZipFile(path) as bundle:
        checkpoints = [chain.Checkpoint(**c) for c in json.loads(bundle.read("checkpoints.json"))]
    write_bundle(forged, "harlow", events, checkpoints, RING.jwks())
    report = verify_bundle(forged)
    assert (report.ok, report.first_bad_position) == (False, 4)


def test_a_checkpoint_signed_with_the_forgers_own_key_fails_against_the_trusted_keys(tmp_path: Path) -> None:
    forger = Ed25519PrivateKey.generate()
    events = chained(facts(["a", "B"]))
    fake = sign_checkpoint(forger, KID, "harlow", 2, events[-1][1], "2026-01-01T00:00:00+00:00")
    path = tmp_path / "fake.zip"
    forger_ring = KeyRing(forger, {KID: forger.public_key()})
    write_bundle(path, "harlow", events, [fake], forger_ring.jwks())
    assert verify_bundle(path).ok  # self-consistent on its own keys...
    trusted = verify_bundle(path, RING.jwks())  # ...but not with the registry's published keys
    assert (trusted.ok, trusted.first_bad_position) == (False, 2)


def test_the_checking_module_runs_alone(tmp_path: Path) -> None:
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(Path(chain.__file__), alone / "chain.py")
    bundle = honest(tmp_path / "b.zip")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]); import chain\n"
        "report = chain.verify_bundle(__import__('pathlib').Path(sys.argv[2]))\n"
        "ours = [m for m in sys.modules if m.split('.')[0] in {'infra', 'domain', 'services', 'projections', 'api'}]\n"
        "print(report.ok, ours)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(alone), str(bundle)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "True []"


def test_an_extra_file_listed_in_the_manifest_is_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    events = chained(facts(["a"]))
    write_bundle(path, "harlow", events, [], RING.jwks(), {"amendments.md": b"# Amendments\n"})
    assert verify_bundle(path).ok
    rewrite(path, {"amendments.md": b"# Amendments, rewritten\n"}, fix_manifest=False)
    assert "amendments.md does not match the manifest" in verify_bundle(path).problems
    with zipfile.ZipFile(path) as bundle:
        kept = {n: bundle.read(n) for n in bundle.namelist() if n != "amendments.md"}
    with zipfile.ZipFile(path, "w") as bundle:
        for name, data in kept.items():
            bundle.writestr(name, data)
    assert "amendments.md is listed in the manifest but missing" in verify_bundle(path).problems


def lines_of(path: Path) -> list[dict[str, object]]:
    with zipfile.ZipFile(path) as bundle:
        return [json.loads(line) for line in bundle.read("events.jsonl").decode().splitlines()]


def with_lines(path: Path, lines: list[dict[str, object]]) -> None:
    text = "".join(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n" for line in lines)
    rewrite(path, {"events.jsonl": text.encode()}, fix_manifest=True)


def mixed() -> list[StoredFact]:
    """Two events linked before v2, then two after; the last one's stored bytes are not UTF-8."""
    made = facts(["a", "b", "c", "d"])
    return [
        made[0]._replace(link_format=LINK_V1),
        made[1]._replace(link_format=LINK_V1),
        made[2],
        made[3]._replace(state=b"\x00\xff sealed bytes"),
    ]


def test_a_bundle_carries_each_links_format_and_the_exact_stored_bytes(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    events = chained(mixed())
    checkpoint = sign_checkpoint(KEY, KID, "harlow", 4, events[-1][1], "2026-01-01T00:00:00+00:00")
    write_bundle(path, "harlow", events, [checkpoint], RING.jwks())
    lines = lines_of(path)
    assert [line["link_format"] for line in lines] == [1, 1, 2, 2]
    assert lines[0]["state"] == mixed()[0].state.decode()
    assert "state" not in lines[3]
    assert base64.b64decode(str(lines[3]["state_base64"])) == b"\x00\xff sealed bytes"
    report = verify_bundle(path, RING.jwks())
    assert (report.ok, report.checked, report.head_hash) == (True, 4, events[-1][1])


def test_a_bundle_exported_before_link_formats_still_verifies(tmp_path: Path) -> None:
    """Such a bundle says `compact-registry-bundle/v1` and its lines have no link format: all are v1."""
    path = tmp_path / "old.zip"
    events = chained([f._replace(link_format=LINK_V1) for f in facts(["a", "b", "c"])])
    checkpoint = sign_checkpoint(KEY, KID, "harlow", 3, events[-1][1], "2026-01-01T00:00:00+00:00")
    write_bundle(path, "harlow", events, [checkpoint], RING.jwks())
    lines = lines_of(path)
    for line in lines:
        del line["link_format"]
    with zipfile.ZipFile(path) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    manifest["format"] = "compact-registry-bundle/v1"
    rewrite(path, {"manifest.json": json.dumps(manifest).encode()}, fix_manifest=False)
    with_lines(path, lines)
    report = verify_bundle(path, RING.jwks())
    assert (report.ok, report.checked, report.problems) == (True, 3, ())
    # In a v1 bundle nothing can be base64: it predates them.
    lines[0]["state_base64"] = base64.b64encode(str(lines[0].pop("state")).encode()).decode()
    with_lines(path, lines)
    assert not verify_bundle(path, RING.jwks()).ok


def test_a_bundle_whose_link_formats_were_switched_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    events = chained(mixed())
    checkpoint = sign_checkpoint(KEY, KID, "harlow", 4, events[-1][1], "2026-01-01T00:00:00+00:00")
    write_bundle(path, "harlow", events, [checkpoint], RING.jwks())
    lines = lines_of(path)
    lines[2]["link_format"] = 1
    with_lines(path, lines)
    report = verify_bundle(path, RING.jwks())
    assert (report.ok, report.first_bad_position) == (False, 3)
    assert "the chain does not hold from position 3" in report.problems


def test_a_bundle_with_an_unknown_link_format_or_its_state_given_twice_is_refused(tmp_path: Path) -> None:
    path = honest(tmp_path / "b.zip")
    for change, problem in (
        ({"link_format": 3}, "unknown link format 3"),
        ({"link_format": None}, "unknown link format None"),
        ({"state_base64": "e30="}, "each event holds its stored state once"),
        ({"originator_version": "1"}, "originator_version must be a whole number"),
    ):
        lines = lines_of(honest(tmp_path / "b.zip"))
        lines[1].update(change)
        with_lines(path, lines)
        report = verify_bundle(path)
        assert not report.ok
        assert report.problems[-1].startswith("the bundle's contents are malformed"), report.problems
        assert problem in report.problems[-1]
