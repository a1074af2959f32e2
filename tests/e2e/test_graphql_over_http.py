"""GraphQL over HTTP as its specification says, persisted queries, and the schema as SDL, on real servers."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import tasks
from infra.database import Database
from infra.tokens import development_keys
from tests.conftest import ROOT
from tests.e2e.conftest import Server, start_server, stop_server

AUDIT = ROOT / "tests" / "http-audit"
RESPONSE_JSON = "application/graphql-response+json"
MATTERS = "{ matters { key } }"


def post(server: Server, body: dict[str, Any], accept: str | None = None) -> httpx.Response:
    headers = {"Accept": accept} if accept else {}
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=30)


def persisted(query: str | None, digest: str) -> dict[str, Any]:
    body: dict[str, Any] = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    if query is not None:
        body["query"] = query
    return body


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_specifications_audit_finds_no_warning_and_no_error(demo: Server) -> None:
    tasks.node_packages(AUDIT)
    audit = subprocess.run(
        [tasks.node_tool("node"), "audit.mjs", f"{demo.url}/graphql"],
        cwd=AUDIT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = audit.stdout
    assert audit.returncode == 0, audit.stderr
    results = [json.loads(line) for line in printed.splitlines()]
    assert len(results) > 50, printed
    assert [r for r in results if r["status"] in ("warn", "error")] == []


def test_a_request_that_never_ran_is_a_400_without_data_in_graphql_response_json(demo: Server) -> None:
    never_ran: dict[str, dict[str, Any]] = {
        "parse": {"query": "{ matters { key }"},
        "validation": {"query": "{ matters { nope } }"},
        "variables": {"query": "query($on: Date!) { tenants(asOf: $on) { slug } }", "variables": {"on": 7}},
    }
    for why, body in never_ran.items():
        answer = post(demo, body, accept=RESPONSE_JSON)
        assert (answer.status_code, answer.headers["content-type"]) == (
            400,
            f"{RESPONSE_JSON}; charset=utf-8",
        )
        assert "data" not in answer.json(), why
        assert answer.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", why
        # The contract's JSON keeps its 200 and `"data": null`, with no Accept and with */* alike.
        for accept in (None, "*/*", "application/json"):
            legacy = post(demo, body, accept=accept)
            assert (legacy.status_code, legacy.headers["content-type"]) == (200, "application/json"), why
            assert legacy.json()["data"] is None
    # An operation that ran keeps its data, an error in a field included.
    ran = post(
        demo, {"query": '{ matters { key } history(tenant: "harrow") { edges { cursor } } }'}, RESPONSE_JSON
    )
    assert ran.status_code == 200
    assert ran.json()["data"] is None
    assert ran.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    preferred = post(demo, {"query": MATTERS}, accept=f"application/json;q=0.9, {RESPONSE_JSON}")
    assert preferred.headers["content-type"].startswith(RESPONSE_JSON)
    assert preferred.json()["data"]["matters"]


def test_queries_may_come_by_get_and_mutations_may_not(demo: Server) -> None:
    answer = httpx.get(f"{demo.url}/graphql", params={"query": MATTERS}, timeout=30)
    assert answer.status_code == 200
    assert answer.json()["data"]["matters"][0] == {"key": "funding"}
    variables = {"query": 'query($m: String!) { lookup(locality: "harlow", matter: $m) { explanation } }'}
    by_get = httpx.get(
        f"{demo.url}/graphql", params={**variables, "variables": '{"m": "funding"}'}, timeout=30
    )
    assert by_get.json()["data"]["lookup"]["explanation"]
    not_json = httpx.get(f"{demo.url}/graphql", params={**variables, "variables": "{m: funding}"}, timeout=30)
    assert not_json.status_code == 400
    assert not_json.json()["errors"][0]["message"].startswith(
        "In a GET request, `variables` and `extensions`"
    )
    mutation = 'mutation { withdrawParty(tenant: "harrow", party: "Police", on: "2012-01-01", reason: "x") }'
    refused = httpx.get(f"{demo.url}/graphql", params={"query": mutation}, timeout=30)
    assert refused.status_code == 405
    assert refused.json()["errors"][0] == {
        "message": "Only queries may be sent by GET; send a mutation by POST.",
        "extensions": {"code": "BAD_USER_INPUT"},
    }


def test_a_persisted_query_is_stored_once_sent_with_its_hash_then_runs_from_the_hash_alone(
    demo: Server,
) -> None:
    query = '{ lookup(locality: "harlow", matter: "champions", asOf: "2012-01-01") { answeredBy { slug } } }'
    digest = sha256(query)
    unknown = post(demo, persisted(None, digest))
    assert unknown.status_code == 200
    assert unknown.headers["cache-control"] == "no-store"
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "send the request again with its `query`" in unknown.json()["errors"][0]["message"]
    # In graphql-response+json no operation ran, so no data and a 400.
    strict = post(demo, persisted(None, digest), accept=RESPONSE_JSON)
    assert strict.status_code == 400
    assert "data" not in strict.json()

    expected = {"lookup": {"answeredBy": {"slug": "essex"}}}
    assert post(demo, persisted(query, digest)).json() == {"data": expected}
    assert post(demo, persisted(None, digest)).json() == {"data": expected}
    by_get = httpx.get(
        f"{demo.url}/graphql",
        params={"extensions": json.dumps(persisted(None, digest.upper())["extensions"])},
        timeout=30,
    )
    assert (by_get.status_code, by_get.json()) == (200, {"data": expected})


def test_a_hash_that_is_not_the_querys_or_a_document_that_fails_is_never_stored(demo: Server) -> None:
    query, other = "{ matters { key title } }", "{ tenants { slug } }"
    mismatched = post(demo, persisted(query, sha256(other))).json()
    assert mismatched["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "not the SHA-256 of this query" in mismatched["errors"][0]["message"]
    assert mismatched["data"] is None
    invalid = "{ matters { nope } }"
    assert post(demo, persisted(invalid, sha256(invalid))).json()["errors"][0]["extensions"]["code"] == (
        "BAD_USER_INPUT"
    )
    for digest in (sha256(other), sha256(invalid)):
        code = post(demo, persisted(None, digest)).json()["errors"][0]["extensions"]["code"]
        assert code == "PERSISTED_QUERY_NOT_FOUND"
    for shape in ({"version": 2, "sha256Hash": sha256(query)}, {"version": 1, "sha256Hash": "abc"}, "x"):
        refused = post(demo, {"query": query, "extensions": {"persistedQuery": shape}}).json()
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert '{"version": 1, "sha256Hash"' in refused["errors"][0]["message"]


def test_the_schema_is_served_as_sdl_for_code_generators(demo: Server) -> None:
    answer = httpx.get(f"{demo.url}/graphql/schema.graphql", timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.text == (ROOT / "schema.graphql").read_text(encoding="utf-8")
    again = httpx.get(
        f"{demo.url}/graphql/schema.graphql", headers={"If-None-Match": answer.headers["etag"]}, timeout=30
    )
    assert (again.status_code, again.content) == (304, b"")


@pytest.fixture(scope="module")
def production(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server in production mode beside the e2e tests' own, without a worker: it only reads."""
    home = tmp_path_factory.mktemp("production")
    jwks = home / "jwks.json"
    jwks.write_text(json.dumps(development_keys(tmp_path_factory.mktemp("keys")).jwks()))
    settings = {
        "COMPACTS_MODE": "production",
        "COMPACTS_JWKS_FILE": str(jwks),
        "COMPACTS_JWT_ISSUER": "https://issuer.example.org",
        "COMPACTS_JWT_AUDIENCE": "compact-registry",
    }
    running = start_server(home, {"DATABASE_URL": db.url, **settings}, ("--no-worker",))
    yield running
    stop_server(running)


def test_production_serves_the_sdl_while_introspection_graphiql_and_openapi_stay_off(
    production: Server,
) -> None:
    sdl = httpx.get(f"{production.url}/graphql/schema.graphql", timeout=30)
    assert sdl.status_code == 200
    assert sdl.text == (ROOT / "schema.graphql").read_text(encoding="utf-8")
    introspection = production.graphql("{ __schema { types { name } } }").json()
    assert introspection["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert (
        httpx.get(f"{production.url}/graphql", headers={"Accept": "text/html"}, timeout=30).status_code == 404
    )
    for path in ("/schema", "/schema/swagger", "/schema/openapi.json", "/static/graphiql/graphiql.min.js"):
        assert httpx.get(f"{production.url}{path}", timeout=30).status_code == 404, path
