"""Holes an adversarial test found, each tried again through the real app as an attacker would."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
import pytest

from infra.database import Database
from infra.tokens import development_keys
from tests.conftest import count_events
from tests.e2e.conftest import Server, start_server, stop_server


def errors(response: httpx.Response) -> list[dict[str, Any]]:
    return list(response.json().get("errors", []))


def code(response: httpx.Response) -> str:
    return str(errors(response)[0]["extensions"]["code"])


def forged(server: Server, **claims: Any) -> str:
    """A token signed with the server's own key, carrying whatever claims an identity provider might."""
    keys = development_keys(server.home)
    assert keys.signing_key is not None
    now = int(time.time())
    body = {
        "sub": "tester@example.org",
        "roles": ["auditor"],
        "tenants": [],
        "iss": "compact-registry",
        "aud": "compact-registry",
        "iat": now,
        "exp": now + 600,
        **claims,
    }
    return jwt.encode(body, keys.signing_key, algorithm="EdDSA", headers={"kid": keys.signing_kid})


def doubling_fragments(levels: int) -> str:
    """About 50 bytes a level; the expanded document doubles with each."""
    parts = ["{ ...L0 }"]
    parts += [f"fragment L{i} on Query {{ __typename ...L{i + 1} ...L{i + 1} }}" for i in range(levels)]
    parts.append(f"fragment L{levels} on Query {{ __typename }}")
    return " ".join(parts)


def test_doubling_fragments_are_refused_without_being_expanded(server: Server) -> None:
    # Fifty levels expand to 2**50 fields: a validator that walked each spread would never finish, so an
    # answer at all shows the expansion was measured, not performed. No clock is read here.
    document = doubling_fragments(50)
    assert len(document) < 3000
    answer = httpx.post(f"{server.url}/graphql", json={"query": document}, timeout=60)
    assert code(answer) == "BAD_USER_INPUT"
    assert "fields once its fragments are expanded" in errors(answer)[0]["message"]
    assert httpx.get(f"{server.url}/health", timeout=60).status_code == 200


def test_fragments_that_stay_small_when_expanded_still_run(server: Server) -> None:
    document = "{ ...A } fragment A on Query { matters { key } ...B } fragment B on Query { __typename }"
    answer = httpx.post(f"{server.url}/graphql", json={"query": document}, timeout=5).json()
    assert answer["data"]["__typename"] == "Query"
    assert answer["data"]["matters"]


@pytest.fixture
def fresh(db: Database, tmp_path: Path) -> Iterator[Server]:
    """A server of this test's own, whose memory and buckets no other test has touched."""
    running = start_server(
        tmp_path / "home",
        {"DATABASE_URL": db.url, "COMPACTS_RATE_PER_ADDRESS": "60", "COMPACTS_RATE_PER_TOKEN": "600"},
    )
    yield running
    stop_server(running)


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def stream(megabytes: int) -> Iterator[bytes]:
    yield b'{"query": "'
    chunk = b"x" * 1_000_000
    for _ in range(megabytes):
        yield chunk
    yield b'"}'


def test_a_huge_body_with_an_idempotency_key_is_refused_without_being_held_in_memory(fresh: Server) -> None:
    token = fresh.token("platform-admin")
    before = peak_rss_mb(fresh.process.pid)
    for headers in ({"Authorization": f"Bearer {token}"}, {}):
        try:
            answer = httpx.post(
                f"{fresh.url}/graphql",
                content=stream(100),
                headers={**headers, "Idempotency-Key": "big", "content-type": "application/json"},
                timeout=30,
            )
            assert answer.status_code == 413
        except httpx.WriteError:
            pass  # the server answered and closed the connection before the client finished writing
    grew = peak_rss_mb(fresh.process.pid) - before
    # Two 100 MB bodies went by; the server's peak memory grew by far less than one of them.
    assert grew < 25, f"peak memory grew by {grew:.0f} MB"
    assert httpx.get(f"{fresh.url}/health", timeout=5).status_code == 200


@pytest.fixture
def harrow_dispute(server: Server, clean_db: Database) -> None:
    admin = server.token("platform-admin")
    steps = [
        'createTenant(slug: "harrow", name: "Harrow", tier: NATIONAL) { slug }',
        'createTenant(slug: "essex", name: "Essex", tier: NATIONAL) { slug }',
        'publishCompact(tenant: "harrow", title: "The Harrow Compact", effectiveOn: "2009-04-01", sections: [{key: "1", heading: "Disputes", text: "Investigated.", matters: ["disputes"]}]) { version }',
        'signCompact(tenant: "harrow", party: "Council", sector: STATUTORY, signedOn: "2009-04-01") { name }',
        'signCompact(tenant: "harrow", party: "CVS", sector: VOLUNTARY_COMMUNITY, signedOn: "2009-04-01") { name }',
        'raiseDispute(tenant: "harrow", key: "grant", raisedBy: "CVS", against: "Council", commitment: "Funding", summary: "Secret grievance", raisedOn: "2010-01-01") { key }',
    ]
    for step in steps:
        assert "errors" not in server.graphql(f"mutation {{ {step} }}", token=admin).json()


DISPUTES = '{ tenant(slug: "harrow") { disputes { key summary } } }'


def keyed(server: Server, query: str, token: str | None, key: str) -> httpx.Response:
    headers = {"Idempotency-Key": key, **({"Authorization": f"Bearer {token}"} if token else {})}
    return httpx.post(f"{server.url}/graphql", json={"query": query}, headers=headers, timeout=30)


def test_a_stored_answer_never_reaches_a_token_with_other_rights(
    server: Server, harrow_dispute: None
) -> None:
    harrow = server.token("auditor", sub="shared@vendor", tenants=("harrow",))
    essex = server.token("auditor", sub="shared@vendor", tenants=("essex",))
    seen = keyed(server, DISPUTES, harrow, "k1").json()["data"]["tenant"]["disputes"]
    assert seen == [{"key": "grant", "summary": "Secret grievance"}]
    # Same subject, same key, same body, other rights: the read runs for these rights.
    assert keyed(server, DISPUTES, essex, "k1").json() == {"data": {"tenant": {"disputes": []}}}
    # Reads are never stored: the same key with another read is not a clash.
    other = keyed(server, '{ tenant(slug: "harrow") { slug } }', harrow, "k1").json()
    assert other == {"data": {"tenant": {"slug": "harrow"}}}


def test_a_mutation_key_belongs_to_the_whole_identity(server: Server, clean_db: Database) -> None:
    create = 'mutation { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }'
    admin = server.token("platform-admin", sub="same@vendor")
    as_editor = server.token("platform-admin", "editor", sub="same@vendor", tenants=("england",))
    assert keyed(server, create, admin, "m1").json() == {"data": {"createTenant": {"slug": "england"}}}
    # Another set of rights with the same subject does not get the first answer: it runs, and meets the slug.
    assert code(keyed(server, create, as_editor, "m1")) == "CONFLICT"
    assert "already" in errors(keyed(server, create, as_editor, "m1"))[0]["message"]


def test_anonymous_callers_get_no_idempotency(server: Server, clean_db: Database) -> None:
    first = keyed(server, "{ matters { key } }", None, "anon")
    assert first.json()["data"]["matters"]
    # Nothing was stored for "anonymous", so the same key with another body is not a clash.
    assert keyed(server, "{ tenants { slug } }", None, "anon").json() == {"data": {"tenants": []}}
    with psycopg.connect(clean_db.psycopg_conninfo()) as conn:
        assert conn.execute("SELECT count(*) FROM idempotent_requests").fetchone() == (0,)


def test_a_comma_in_the_tenant_claim_is_refused_and_never_read_as_two_tenants(
    server: Server, harrow_dispute: None
) -> None:
    token = forged(server, tenants=["essex,harrow"])
    answer = server.graphql(DISPUTES, token=token)
    assert answer.status_code == 401
    assert code(answer) == "UNAUTHENTICATED"
    assert "tenant slugs" in errors(answer)[0]["message"]


def test_row_level_security_reads_the_tenants_setting_as_an_array(db: Database, harrow_dispute: None) -> None:
    """Even set by hand to a joined name, the setting names one tenant called 'essex,harrow'."""
    reader = db.reader(None)
    with psycopg.connect(reader.psycopg_conninfo(), autocommit=True) as conn:
        # A joined string is not an array at all: the read fails rather than see two tenants.
        conn.execute("SELECT set_config('compacts.tenants', %s, false)", ("essex,harrow",))
        with pytest.raises(psycopg.errors.InvalidTextRepresentation):
            conn.execute("SELECT count(*) FROM disputes")
        conn.execute("SELECT set_config('compacts.tenants', %s::text[]::text, false)", (["essex,harrow"],))
        assert conn.execute("SELECT count(*) FROM disputes").fetchone() == (0,)
        conn.execute("SELECT set_config('compacts.tenants', %s::text[]::text, false)", (["essex", "harrow"],))
        assert conn.execute("SELECT count(*) FROM disputes").fetchone() == (1,)


def test_two_authorization_headers_are_refused(server: Server) -> None:
    token = server.token("auditor")
    answer = httpx.post(
        f"{server.url}/graphql",
        json={"query": "{ matters { key } }"},
        headers=[("Authorization", f"Bearer {token}"), ("Authorization", "Bearer junk")],
        timeout=10,
    )
    assert answer.status_code == 400
    assert code(answer) == "BAD_USER_INPUT"


BURST = 10  # the address bucket's burst at 60 a minute (api/app.py: a tenth of the rate, at least 10)


def _most_let_through(seconds: float) -> int:
    """At most the burst, plus the one a second the bucket refills while the requests were being sent."""
    return BURST + math.ceil(seconds) + 1


def test_made_up_tokens_and_forwarded_addresses_share_their_address_bucket(fresh: Server) -> None:
    # 60 a minute with bursts of 10 per address: made-up tokens and claimed addresses are one caller. Were
    # each made-up token or claimed address its own caller, none of the 30 would be refused.
    started = time.monotonic()
    answers = [
        httpx.post(
            f"{fresh.url}/graphql",
            json={"query": "{ matters { key } }"},
            headers={"Authorization": f"Bearer junk{i}", "X-Forwarded-For": f"10.0.{i}.1"},
            timeout=10,
        )
        for i in range(30)
    ]
    codes = [code(a) for a in answers]
    assert codes[0] == "UNAUTHENTICATED"
    assert set(codes) == {"UNAUTHENTICATED", "RATE_LIMITED"}
    assert codes.count("UNAUTHENTICATED") <= _most_let_through(time.monotonic() - started)
    started = time.monotonic()
    spoofed = [
        httpx.post(
            f"{fresh.url}/graphql",
            json={"query": "{ matters { key } }"},
            headers={"X-Forwarded-For": f"10.1.{i}.1"},
            timeout=10,
        )
        for i in range(20)
    ]
    # The bucket was emptied just above: only what refilled meanwhile gets through.
    served = [a for a in spoofed if not errors(a)]
    assert len(served) <= math.ceil(time.monotonic() - started) + 1
    assert len(served) < len(spoofed)
    # A valid token has its own bucket still.
    assert fresh.graphql("{ matters { key } }", token=fresh.token("auditor")).json()["data"]["matters"]


def test_checkpoints_are_rate_limited_too(fresh: Server) -> None:
    answers = [httpx.get(f"{fresh.url}/checkpoints/harrow", timeout=10) for _ in range(30)]
    assert answers[0].status_code == 200
    assert "RATE_LIMITED" in [code(a) for a in answers if a.status_code == 200 and a.text.startswith("{")]


@pytest.mark.parametrize("body", [b"null", b"123", b'"x"', b"true", b"\xff\xfe{", b"{"])
def test_a_body_that_is_not_a_graphql_request_is_a_400(server: Server, body: bytes) -> None:
    answer = httpx.post(
        f"{server.url}/graphql", content=body, headers={"content-type": "application/json"}, timeout=10
    )
    assert answer.status_code == 400
    assert code(answer) == "BAD_USER_INPUT"


def test_a_nul_in_a_checkpoint_path_is_a_400(server: Server) -> None:
    answer = httpx.get(f"{server.url}/checkpoints/harrow%00", timeout=10)
    assert answer.status_code == 400
    assert code(answer) == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "eve\x00admin"},
        {"tenants": ["harrow\x00"]},
        {"sub": "eve\u202eadmin"},
        {"tenants": ["essex\n"]},
    ],
)
def test_odd_characters_in_a_signed_token_are_refused_as_unauthenticated(
    server: Server, claims: dict[str, Any]
) -> None:
    answer = server.graphql("{ matters { key } }", token=forged(server, **claims))
    assert answer.status_code == 401
    assert code(answer) == "UNAUTHENTICATED"


def test_a_token_that_lives_for_centuries_is_refused(server: Server) -> None:
    now = int(time.time())
    answer = server.graphql("{ matters { key } }", token=forged(server, exp=now + 300 * 365 * 86400))
    assert answer.status_code == 401
    assert "lives longer" in errors(answer)[0]["message"]
    backdated = forged(server, iat=now - 2 * 86400, exp=now + 600)
    assert server.graphql("{ matters { key } }", token=backdated).status_code == 401


def test_names_that_hide_or_reverse_text_are_refused(server: Server, clean_db: Database) -> None:
    admin = server.token("platform-admin")
    for name in ("Sec Probe \u202eretaL", "Har\u200blow"):
        answer = server.graphql(
            'mutation($n: String!) { createTenant(slug: "probe", name: $n, tier: NATIONAL) { slug } }',
            {"n": name},
            admin,
        )
        assert code(answer) == "BAD_USER_INPUT"
        assert "invisible character" in errors(answer)[0]["message"]
    assert count_events(clean_db) == 0


def test_every_response_carries_the_security_headers_and_no_server_banner(server: Server) -> None:
    public = httpx.post(f"{server.url}/graphql", json={"query": "{ matters { key } }"}, timeout=10)
    signed = server.graphql("{ matters { key } }", token=server.token("auditor"))
    for answer in (public, signed, httpx.get(f"{server.url}/health", timeout=10)):
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert (
            answer.headers["content-security-policy"]
            == "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
        )
        assert "server" not in answer.headers
    assert signed.headers["cache-control"] == "no-store"


def test_the_api_reads_signed_in_as_the_reading_role(server: Server, db: Database) -> None:
    assert server.graphql("{ tenants { slug } }").status_code == 200
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        users = {
            r[0]
            for r in conn.execute(
                "SELECT usename FROM pg_stat_activity WHERE datname = current_database()"
            ).fetchall()
        }
    assert "compacts_reader" in users
