"""Tenants over HTTP: the contract's queries and mutation, its error codes and status codes."""

from __future__ import annotations

import subprocess
import sys

import httpx
import pytest

from infra.database import Database
from tests.conftest import count_events
from tests.e2e.conftest import Server

CREATE = """
mutation Create($slug: String!, $name: String!, $tier: Tier!, $parent: String) {
  createTenant(slug: $slug, name: $name, tier: $tier, parent: $parent) {
    slug name tier parent { slug tier } children { slug }
  }
}
"""


def code_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


@pytest.fixture
def admin(server: Server, clean_db: Database) -> str:
    return server.token("platform-admin")


def test_health_answers_200_when_the_database_does(server: Server) -> None:
    response = httpx.get(f"{server.url}/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_admin_creates_national_then_regional_and_reads_the_parent_link(server: Server, admin: str) -> None:
    national = server.graphql(CREATE, {"slug": "england", "name": "England", "tier": "NATIONAL"}, admin)
    assert national.status_code == 200
    assert national.json() == {
        "data": {
            "createTenant": {
                "slug": "england",
                "name": "England",
                "tier": "NATIONAL",
                "parent": None,
                "children": [],
            }
        }
    }
    regional = server.graphql(
        CREATE, {"slug": "london", "name": "London", "tier": "REGIONAL", "parent": "england"}, admin
    )
    # Read-your-writes: the mutation's answer already comes from the read model.
    assert regional.json()["data"]["createTenant"]["parent"] == {"slug": "england", "tier": "NATIONAL"}
    listed = server.graphql("{ tenants { slug parent { slug } children { slug } } }").json()
    assert listed == {
        "data": {
            "tenants": [
                {"slug": "england", "parent": None, "children": [{"slug": "london"}]},
                {"slug": "london", "parent": {"slug": "england"}, "children": []},
            ]
        }
    }
    assert server.graphql("{ tenants(tier: REGIONAL) { slug } }").json() == {
        "data": {"tenants": [{"slug": "london"}]}
    }
    assert server.graphql('{ tenant(slug: "london") { name tier } }').json() == {
        "data": {"tenant": {"name": "London", "tier": "REGIONAL"}}
    }
    assert server.graphql('{ tenant(slug: "nowhere") { name } }').json() == {"data": {"tenant": None}}


def test_bad_input_gets_the_contract_code_and_stores_nothing(
    server: Server, admin: str, clean_db: Database
) -> None:
    server.graphql(CREATE, {"slug": "england", "name": "England", "tier": "NATIONAL"}, admin)
    stored = count_events(clean_db)
    cases = [
        ({"slug": "Not A Slug", "name": "X", "tier": "NATIONAL"}, "BAD_USER_INPUT"),
        ({"slug": "england", "name": "England again", "tier": "NATIONAL"}, "CONFLICT"),
        ({"slug": "essex", "name": "Essex", "tier": "COUNTY", "parent": "nowhere"}, "NOT_FOUND"),
        ({"slug": "harlow", "name": "Harlow", "tier": "DISTRICT", "parent": "england"}, "BAD_USER_INPUT"),
        ({"slug": "kent", "name": "Kent", "tier": "PARISH"}, "BAD_USER_INPUT"),
    ]
    for variables, code in cases:
        response = server.graphql(CREATE, variables, admin)
        assert response.status_code == 200
        assert code_of(response) == code, response.json()
        assert response.json()["errors"][0]["message"]
        assert "Traceback" not in response.text
    assert count_events(clean_db) == stored


def test_writes_need_a_platform_admin(server: Server, clean_db: Database) -> None:
    variables = {"slug": "england", "name": "England", "tier": "NATIONAL"}
    assert code_of(server.graphql(CREATE, variables)) == "UNAUTHENTICATED"
    editor = server.token("editor", tenants=("england",))
    assert code_of(server.graphql(CREATE, variables, editor)) == "FORBIDDEN"
    assert count_events(clean_db) == 0


def test_a_token_that_fails_verification_is_a_401_on_any_operation(server: Server) -> None:
    for token in ("garbage", server.token("platform-admin", ttl=-1)):
        response = server.graphql("{ tenants { slug } }", token=token)
        assert response.status_code == 401
        assert code_of(response) == "UNAUTHENTICATED"


def test_a_body_that_is_not_graphql_is_a_400_and_an_oversized_one_a_413(server: Server) -> None:
    assert (
        httpx.post(
            f"{server.url}/graphql", content=b"not json", headers={"content-type": "application/json"}
        ).status_code
        == 400
    )
    huge = {"query": "{ tenants { slug } }", "variables": {"pad": "x" * 2_000_000}}
    assert httpx.post(f"{server.url}/graphql", json=huge).status_code == 413


def test_the_token_command_mints_a_token_the_server_accepts(server: Server, clean_db: Database) -> None:
    minted = subprocess.run(
        [sys.executable, "-m", "api.cli", "token", "--sub", "ops@example.org", "--role", "platform-admin"],
        env={"COMPACTS_HOME": str(server.home), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    response = server.graphql(CREATE, {"slug": "england", "name": "England", "tier": "NATIONAL"}, minted)
    assert response.json()["data"]["createTenant"]["slug"] == "england"


def test_the_public_keys_are_served_as_a_jwks(server: Server) -> None:
    keys = httpx.get(f"{server.url}/.well-known/jwks.json").json()["keys"]
    assert [k["kty"] for k in keys] == ["OKP"]
