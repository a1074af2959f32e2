"""The hardened endpoint over HTTP: limits before resolvers, injection as data, tokens, rate limits, isolation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from infra.database import Database
from tests.conftest import count_events
from tests.e2e.conftest import Server, start_server, stop_server

INJECTIONS = [
    "x'; DROP TABLE tenants; --",
    "' OR '1'='1",
    "harlow' UNION SELECT * FROM party_contacts --",
    "$1",
    "\\x00",
]


def errors(response: httpx.Response) -> list[dict[str, Any]]:
    return list(response.json().get("errors", []))


def test_over_deep_over_aliased_and_over_long_documents_are_refused(server: Server) -> None:
    deep = "{ tenants { " + "parent { " * 12 + "slug" + " }" * 12 + " } }"
    aliased = "{ " + " ".join(f"a{i}: matters {{ key }}" for i in range(31)) + " }"
    long = "{ tenants { " + "slug " * 3000 + "} }"
    for query, says in ((deep, "depth"), (aliased, "aliases"), (long, "token")):
        (error,) = errors(server.graphql(query))
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert says in error["message"]


def test_batched_requests_are_refused(server: Server) -> None:
    batch = [{"query": "{ matters { key } }"}, {"query": "{ tenants { slug } }"}]
    assert httpx.post(f"{server.url}/graphql", json=batch).status_code == 400


def test_injection_strings_are_only_data(server: Server, clean_db: Database) -> None:
    admin = server.token("platform-admin")
    for text in INJECTIONS:
        assert server.graphql("query($s: String!) { tenant(slug: $s) { slug } }", {"s": text}).json() == {
            "data": {"tenant": None}
        }
        lookup = server.graphql(
            'query($s: String!) { lookup(locality: $s, matter: "funding") { explanation } }', {"s": text}
        )
        assert errors(lookup)[0]["extensions"]["code"] == "NOT_FOUND"
    created = server.graphql(
        'mutation($n: String!) { createTenant(slug: "england", name: $n, tier: NATIONAL) { name } }',
        {"n": INJECTIONS[0]},
        admin,
    )
    assert created.json() == {"data": {"createTenant": {"name": INJECTIONS[0]}}}
    assert server.graphql("{ tenants { slug } }").json() == {"data": {"tenants": [{"slug": "england"}]}}
    assert count_events(clean_db) == 1


def test_text_postgresql_cannot_store_is_refused_and_the_read_models_go_on(
    server: Server, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    create = 'mutation($n: String!) { createTenant(slug: "england", name: $n, tier: NATIONAL) { name } }'

    def ask(query: str, variables: dict[str, str], token: str | None = None) -> httpx.Response:
        # json.dumps escapes an unpaired surrogate as JSON allows; httpx's own encoder would refuse it.
        headers = {
            "content-type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        }
        body = json.dumps({"query": query, "variables": variables})
        return httpx.post(f"{server.url}/graphql", content=body, headers=headers, timeout=30)

    for text in ("England\x00", "England\ud800"):
        for answer in (
            ask(create, {"n": text}, admin),
            ask("query($s: String!) { tenant(slug: $s) { slug } }", {"s": text}),
        ):
            (error,) = errors(answer)
            assert error["extensions"]["code"] == "BAD_USER_INPUT"
            assert "NUL character (U+0000)" in error["message"]
    (error,) = errors(server.graphql('{ tenant(slug: "england\\u0000") { slug } }'))
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert count_events(clean_db) == 0
    # Nothing unprojectable was stored, so the next write is answered from its read model as ever.
    created = server.graphql(create, {"n": "England"}, admin)
    assert created.json() == {"data": {"createTenant": {"name": "England"}}}


def test_another_tenants_token_reads_nothing_private_through_any_query(
    server: Server, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    for slug in ("alpha", "beta"):
        server.graphql(
            f'mutation {{ createTenant(slug: "{slug}", name: "{slug}", tier: NATIONAL) {{ slug }} }}',
            token=admin,
        )
        server.graphql(f'mutation {{ publishCompact(tenant: "{slug}", title: "T", effectiveOn: "2005-01-01", sections: [{{key: "1", heading: "H", text: "t", matters: []}}]) {{ version }} }}', token=admin)  # fmt: skip
        server.graphql(f'mutation {{ signCompact(tenant: "{slug}", party: "CVS", sector: PRIVATE, signedOn: "2005-02-01", contact: {{name: "Secret {slug}"}}) {{ name }} }}', token=admin)  # fmt: skip
        server.graphql(f'mutation {{ draftCode(tenant: "{slug}", key: "draft", title: "D", matters: ["funding"], draftedOn: "2005-03-01") {{ key }} }}', token=admin)  # fmt: skip
    beta = server.token("editor", tenants=("beta",))
    # Aliases and nested fields reach alpha by every road; none of them shows its private data.
    probe = '{ a: tenant(slug: "alpha") { parties { contact { name } } codes { key } } b: tenants { slug parties { contact { name } } codes { key } } }'  # fmt: skip
    data = server.graphql(probe, token=beta).json()["data"]
    assert data["a"] == {"parties": [{"contact": None}], "codes": []}
    assert data["b"][0] == {"slug": "alpha", "parties": [{"contact": None}], "codes": []}
    assert "Secret alpha" not in str(data)
    history = server.graphql('{ history(tenant: "alpha") { edges { cursor } } }', token=beta)
    assert errors(history)[0]["extensions"]["code"] == "FORBIDDEN"
    writes = server.graphql('mutation { signCompact(tenant: "alpha", party: "Mole", sector: PRIVATE, signedOn: "2005-02-01") { name } }', token=beta)  # fmt: skip
    assert errors(writes)[0]["extensions"]["code"] == "FORBIDDEN"
    own = server.graphql(
        '{ tenant(slug: "beta") { parties { contact { name } } codes { key } } }', token=beta
    ).json()
    assert own == {
        "data": {"tenant": {"parties": [{"contact": {"name": "Secret beta"}}], "codes": [{"key": "draft"}]}}
    }


@pytest.fixture
def throttled(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        tmp_path_factory.mktemp("throttled"),
        {"DATABASE_URL": db.url, "COMPACTS_RATE_PER_ADDRESS": "20", "COMPACTS_RATE_PER_TOKEN": "30"},
    )
    yield running
    stop_server(running)


def test_rate_limits_per_address_and_per_token(throttled: Server) -> None:
    anonymous = [throttled.graphql("{ matters { key } }") for _ in range(12)]
    codes = [errors(r)[0]["extensions"]["code"] if errors(r) else "ok" for r in anonymous]
    assert codes[:10] == ["ok"] * 10
    assert "RATE_LIMITED" in codes[10:]
    assert all(r.status_code == 200 for r in anonymous)
    # A token has a bucket of its own.
    token = throttled.token("auditor", tenants=("alpha",))
    assert throttled.graphql("{ matters { key } }", token=token).json()["data"]["matters"]
