"""Idempotency keys: a retried mutation stores nothing twice and answers the same; a reused key is CONFLICT."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from infra.database import Database
from tests.conftest import count_events
from tests.e2e.conftest import Server

CREATE = 'mutation { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug name } }'


def post(server: Server, query: str, token: str, key: str) -> httpx.Response:
    return httpx.post(
        f"{server.url}/graphql",
        json={"query": query},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        timeout=30,
    )


def test_a_retry_with_the_same_key_stores_once_and_answers_the_same(
    server: Server, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    first = post(server, CREATE, admin, "key-1")
    again = post(server, CREATE, admin, "key-1")
    assert first.json() == {"data": {"createTenant": {"slug": "england", "name": "England"}}}
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert count_events(clean_db) == 1
    # Without the key the same mutation runs again, and meets the taken slug.
    assert server.graphql(CREATE, token=admin).json()["errors"][0]["extensions"]["code"] == "CONFLICT"


def test_the_same_key_with_a_different_request_is_a_conflict(server: Server, clean_db: Database) -> None:
    admin = server.token("platform-admin")
    post(server, CREATE, admin, "key-2")
    other = post(server, CREATE.replace("england", "wales").replace("England", "Wales"), admin, "key-2")
    assert other.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert "different request" in other.json()["errors"][0]["message"]
    assert count_events(clean_db) == 1


def test_concurrent_retries_run_the_command_once_with_identical_answers(
    server: Server, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: post(server, CREATE, admin, "key-3"), range(8)))
    assert {a.content for a in answers} == {answers[0].content}
    assert answers[0].json()["data"]["createTenant"]["slug"] == "england"
    assert count_events(clean_db) == 1


def test_keys_are_scoped_to_the_token_subject(server: Server, clean_db: Database) -> None:
    ada, bob = server.token("platform-admin", sub="ada"), server.token("platform-admin", sub="bob")
    post(server, CREATE, ada, "shared")
    # Bob's request with the same key is his own: it runs, and meets Ada's tenant.
    assert post(server, CREATE, bob, "shared").json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert post(server, CREATE, ada, "shared").json()["data"]["createTenant"]["slug"] == "england"
