"""Public reads answered from the response cache over real HTTP: the same body, until a write moves its rows."""

from __future__ import annotations

import hashlib
import json
import uuid

import httpx

from tests.e2e.conftest import Server

CREATE = """
mutation Create($slug: String!, $tier: Tier!, $parent: String) {
  createTenant(slug: $slug, name: "Cached", tier: $tier, parent: $parent) { slug }
}
"""
TENANT = "query Tenant($slug: String!) { tenant(slug: $slug) { slug name children { slug } } }"


def post(server: Server, query: str, variables: dict[str, str], token: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body = {"query": query, "variables": variables}
    return httpx.post(f"{server.url}/graphql", json=body, headers=headers, timeout=30)


def national(server: Server) -> str:
    slug = f"cache-{uuid.uuid4().hex[:10]}"
    made = post(server, CREATE, {"slug": slug, "tier": "NATIONAL"}, server.token("platform-admin"))
    assert made.json() == {"data": {"createTenant": {"slug": slug}}}
    return slug


def test_a_repeated_public_read_is_answered_from_the_cache_with_the_same_body(server: Server) -> None:
    slug = national(server)
    first = post(server, TENANT, {"slug": slug})
    again = post(server, TENANT, {"slug": slug})
    assert first.headers["x-cache"] == "miss"
    assert again.headers["x-cache"] == "hit"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert again.json() == {"data": {"tenant": {"slug": slug, "name": "Cached", "children": []}}}
    # A hit still carries every response's headers.
    assert again.headers["x-content-type-options"] == "nosniff"


def test_the_same_query_by_its_persisted_hash_over_get_is_the_same_answer(server: Server) -> None:
    slug = national(server)
    first = post(server, TENANT, {"slug": slug})
    digest = hashlib.sha256(TENANT.encode()).hexdigest()
    params = {
        "variables": json.dumps({"slug": slug}),
        "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": digest}}),
    }
    by_hash = httpx.get(f"{server.url}/graphql", params=params, timeout=30)
    assert by_hash.headers["x-cache"] == "hit"
    assert by_hash.content == first.content


def test_a_write_that_moves_a_read_model_the_answer_read_makes_it_read_again(server: Server) -> None:
    slug = national(server)
    assert post(server, TENANT, {"slug": slug}).headers["x-cache"] == "miss"
    assert post(server, TENANT, {"slug": slug}).headers["x-cache"] == "hit"
    child = f"{slug}-r"
    made = post(
        server, CREATE, {"slug": child, "tier": "REGIONAL", "parent": slug}, server.token("platform-admin")
    )
    assert made.json() == {"data": {"createTenant": {"slug": child}}}
    after = post(server, TENANT, {"slug": slug})
    assert after.headers["x-cache"] == "miss"
    assert after.json()["data"]["tenant"]["children"] == [{"slug": child}]
    assert post(server, TENANT, {"slug": slug}).content == after.content


def test_a_reader_who_sees_private_rows_is_never_served_from_or_stored_into_the_cache(server: Server) -> None:
    slug = national(server)
    private_readers = [
        server.token("platform-admin"),
        server.token("editor", tenants=(slug,)),
        server.token("auditor", tenants=(slug,)),
    ]
    for token in private_readers:
        for _ in range(2):
            answer = post(server, TENANT, {"slug": slug}, token)
            assert answer.json()["data"]["tenant"]["slug"] == slug
            assert "x-cache" not in answer.headers
    # Nothing they read was kept: the first public read of it is a miss, and then the public answer is kept.
    assert post(server, TENANT, {"slug": slug}).headers["x-cache"] == "miss"
    assert post(server, TENANT, {"slug": slug}).headers["x-cache"] == "hit"
    for token in private_readers:
        assert "x-cache" not in post(server, TENANT, {"slug": slug}, token).headers
    # A signed-in reader of no tenant sees what the public sees, and shares its answers.
    outsider = server.token("auditor")
    assert post(server, TENANT, {"slug": slug}, outsider).headers["x-cache"] == "hit"


def test_mutations_are_never_cached(server: Server) -> None:
    slug = f"cache-{uuid.uuid4().hex[:10]}"
    variables = {"slug": slug, "tier": "NATIONAL"}
    # The public may not write: the same refusal twice, each from the endpoint, never kept.
    for _ in range(2):
        refused = post(server, CREATE, variables)
        assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "x-cache" not in refused.headers
    # A reader with no private rows who tries to write is refused each time too.
    outsider = server.token("editor", tenants=("elsewhere",))
    for _ in range(2):
        refused = post(server, CREATE, variables, outsider)
        assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert "x-cache" not in refused.headers


def test_an_answer_with_errors_is_not_kept(server: Server) -> None:
    missing = {"slug": f"cache-none-{uuid.uuid4().hex[:8]}"}
    lookup = 'query L($slug: String!) { lookup(locality: $slug, matter: "procurement") { explanation } }'
    for _ in range(2):
        answer = post(server, lookup, missing)
        assert answer.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert answer.headers["x-cache"] == "miss"


def test_a_read_that_waits_for_its_own_write_is_neither_answered_from_nor_kept_in_the_cache(
    server: Server,
) -> None:
    slug = national(server)
    assert post(server, TENANT, {"slug": slug}).headers["x-cache"] == "miss"
    body = {"query": TENANT, "variables": {"slug": slug}}
    # A malformed position is refused even though the same read sits in the cache.
    refused = httpx.post(
        f"{server.url}/graphql", json=body, headers={"Compacts-Read-After": "yesterday"}, timeout=30
    )
    assert "x-cache" not in refused.headers
    assert refused.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    waited = httpx.post(
        f"{server.url}/graphql", json=body, headers={"Compacts-Read-After": "0/0"}, timeout=30
    )
    assert "x-cache" not in waited.headers
    assert waited.json() == {"data": {"tenant": {"slug": slug, "name": "Cached", "children": []}}}
