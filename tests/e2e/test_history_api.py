"""Auditors' history and verification over HTTP, including tampering with the event store itself."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from itertools import pairwise
from typing import Any

import httpx
import psycopg
import pytest

from infra.database import Database
from tests.e2e.conftest import Server

HISTORY = '{ history(tenant: "%s", first: %d%s) { edges { cursor node { position type actor payload hash previousHash } } pageInfo { hasNextPage endCursor } } }'
VERIFY = '{ verifyHistory(tenant: "%s") { ok checked firstBadPosition headHash } }'


def ok(server: Server, query: str, token: str | None = None) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def code(server: Server, query: str, token: str | None = None) -> str:
    return str(server.graphql(query, token=token).json()["errors"][0]["extensions"]["code"])


@pytest.fixture
def harlow(server: Server, clean_db: Database) -> str:
    admin = server.token("platform-admin", sub="admin")
    ok(server, 'mutation { createTenant(slug: "essex", name: "Essex", tier: NATIONAL) { slug } }', admin)
    ok(server, 'mutation { createTenant(slug: "harlow", name: "Harlow", tier: REGIONAL, parent: "essex") { slug } }', admin)  # fmt: skip
    editor = server.token("editor", sub="ed", tenants=("harlow",))
    ok(server, 'mutation { publishCompact(tenant: "harlow", title: "T", effectiveOn: "2004-01-14", sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', editor)  # fmt: skip
    # A refused command leaves nothing in the history.
    assert code(server, 'mutation { signCompact(tenant: "harlow", party: "", sector: PRIVATE, signedOn: "2004-02-01") { name } }', editor) == "BAD_USER_INPUT"  # fmt: skip
    for party in ("Council", "CVS", "Police"):
        ok(server, f'mutation {{ signCompact(tenant: "harlow", party: "{party}", sector: PRIVATE, signedOn: "2004-02-01") {{ name }} }}', editor)  # fmt: skip
    return editor


def test_history_pages_through_the_tenants_events_as_a_chain(server: Server, harlow: str) -> None:
    auditor = server.token("auditor", tenants=("harlow",))
    nodes: list[dict[str, Any]] = []
    after = ""
    while True:
        page = ok(server, HISTORY % ("harlow", 2, after), auditor)["history"]
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = f', after: "{page["pageInfo"]["endCursor"]}"'
    assert [(n["position"], n["type"], n["actor"]) for n in nodes] == [
        (1, "TenantCreated", "admin"),
        (2, "CompactPublished", "ed"),
        (3, "RegisterOpened", "ed"),
        (4, "PartySigned", "ed"),
        (5, "PartySigned", "ed"),
        (6, "PartySigned", "ed"),
    ]
    assert nodes[0]["previousHash"] == "0" * 64
    assert all(b["previousHash"] == a["hash"] for a, b in pairwise(nodes))
    assert nodes[3]["payload"]["party"] == "Council"
    verified = ok(server, VERIFY % "harlow", auditor)["verifyHistory"]
    assert verified == {"ok": True, "checked": 6, "firstBadPosition": None, "headHash": nodes[-1]["hash"]}


def test_history_pages_back_from_its_latest_event_with_last_and_before(server: Server, harlow: str) -> None:
    auditor = server.token("auditor", tenants=("harlow",))
    query = '{ history(tenant: "harlow", last: 4%s) { edges { cursor node { position } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }'
    latest = ok(server, query % "", auditor)["history"]
    assert [e["node"]["position"] for e in latest["edges"]] == [3, 4, 5, 6]
    assert latest["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": latest["edges"][0]["cursor"],
        "endCursor": latest["edges"][-1]["cursor"],
    }
    earlier = ok(server, query % f', before: "{latest["pageInfo"]["startCursor"]}"', auditor)["history"]
    assert [e["node"]["position"] for e in earlier["edges"]] == [1, 2]
    assert (earlier["pageInfo"]["hasNextPage"], earlier["pageInfo"]["hasPreviousPage"]) == (True, False)
    # `first` keeps its default of 50 unless written: written beside `last`, the two clash.
    both = server.graphql(query.replace("last: 4%s", "first: 2, last: 2"), token=auditor).json()
    assert both["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_history_needs_an_auditor_or_editor_of_that_tenant(server: Server, harlow: str) -> None:
    query = HISTORY % ("harlow", 5, "")
    assert code(server, query) == "UNAUTHENTICATED"
    assert code(server, query, server.token("auditor", tenants=("essex",))) == "FORBIDDEN"
    assert code(server, VERIFY % "harlow", server.token("editor", tenants=("essex",))) == "FORBIDDEN"
    assert ok(server, query, server.token("platform-admin"))["history"]["edges"]
    assert code(server, HISTORY % ("harlow", 101, ""), harlow) == "BAD_USER_INPUT"
    assert code(server, HISTORY % ("nowhere", 5, ""), server.token("platform-admin")) == "NOT_FOUND"


def test_an_edited_event_in_the_store_is_found_and_other_tenants_still_verify(
    server: Server, harlow: str, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    # As the database owner, rewrite the name the Council signed under: the tenant's fourth event.
    with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(
            "UPDATE registry_events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'Council', 'Counsel'), 'UTF8')"
            " WHERE originator_id = 'harlow:register' AND originator_version = 2"
        )
    result = ok(server, VERIFY % "harlow", admin)["verifyHistory"]
    assert (result["ok"], result["firstBadPosition"], result["checked"]) == (False, 4, 6)
    assert ok(server, VERIFY % "essex", admin)["verifyHistory"]["ok"] is True


def test_a_deleted_event_is_found(server: Server, harlow: str, clean_db: Database) -> None:
    with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(
            "DELETE FROM registry_events WHERE originator_id = 'harlow:register' AND originator_version = 3"
        )
    result = ok(server, VERIFY % "harlow", server.token("platform-admin"))["verifyHistory"]
    assert (result["ok"], result["firstBadPosition"], result["checked"]) == (False, 5, 5)


def run_cli(server: Server, db: Database, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"COMPACTS_HOME": str(server.home), "DATABASE_URL": db.url, "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True, check=False
    )


def test_signed_checkpoints_are_listed_and_a_tampered_one_fails_verification(
    server: Server, harlow: str, clean_db: Database
) -> None:
    made = run_cli(server, clean_db, "checkpoint", "harlow")
    assert made.returncode == 0, made.stderr
    signed = json.loads(made.stdout)
    assert (signed["tenant"], signed["position"]) == ("harlow", 6)
    listed = ok(server, '{ checkpoints(tenant: "harlow") { position headHash kid signature } }')[
        "checkpoints"
    ]
    assert listed == [
        {
            "position": 6,
            "headHash": signed["head_hash"],
            "kid": signed["kid"],
            "signature": signed["signature"],
        }
    ]
    assert httpx.get(f"{server.url}/checkpoints/harlow").json() == [signed]
    assert run_cli(server, clean_db, "verify", "harlow").returncode == 0
    with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE checkpoints SET head_hash = repeat('a', 64) WHERE tenant_id = 'harlow'")
    result = ok(server, VERIFY % "harlow", server.token("platform-admin"))["verifyHistory"]
    assert (result["ok"], result["firstBadPosition"]) == (False, 6)
    failed = run_cli(server, clean_db, "verify", "harlow")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["first_bad_position"] == 6


def test_an_exported_bundle_verifies_offline_and_names_tampering(
    server: Server, harlow: str, clean_db: Database, tmp_path: Any
) -> None:
    ok(server, """mutation { amendCompact(tenant: "harlow", effectiveOn: "2006-04-01", rationale: "Review",
        upsertSections: [{key: "1", heading: "H", text: "t and more", matters: []}]) { version } }""", harlow)  # fmt: skip
    assert run_cli(server, clean_db, "checkpoint", "harlow").returncode == 0
    bundle = tmp_path / "harlow.zip"
    exported = run_cli(server, clean_db, "export", "harlow", str(bundle))
    assert exported.returncode == 0, exported.stderr
    assert "7 events of harlow" in exported.stdout
    # For an auditor reading, not only checking: what each amendment changed, from the same events.
    with zipfile.ZipFile(bundle) as opened:
        account = opened.read("amendments.md").decode().splitlines()
    assert account[4:9] == [
        "## Version 2, in effect from 2006-04-01",
        "",
        "Why: Review",
        "",
        "- changed 1 H: t {+and more+}",
    ]
    jwks = tmp_path / "jwks.json"
    jwks.write_text(httpx.get(f"{server.url}/.well-known/jwks.json").text)
    checked = run_cli(server, clean_db, "verify-bundle", str(bundle), "--trust", str(jwks))
    assert checked.returncode == 0, checked.stdout
    assert json.loads(checked.stdout)["checked"] == 7
    bundle.write_bytes(bundle.read_bytes()[:100])
    assert run_cli(server, clean_db, "verify-bundle", str(bundle)).returncode == 1


def test_the_read_models_equal_a_full_replay_until_one_is_tampered_with(
    server: Server, harlow: str, clean_db: Database
) -> None:
    same = run_cli(server, clean_db, "check-read-models")
    assert same.returncode == 0, same.stdout + same.stderr
    assert "equals a full replay" in same.stdout
    with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE party_memberships SET name = 'Somebody else' WHERE name = 'Police'")
    differs = run_cli(server, clean_db, "check-read-models")
    assert differs.returncode == 1
    assert "party_memberships: 2 rows differ" in differs.stdout
