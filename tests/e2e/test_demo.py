"""`compacts serve --demo`: the five seed localities in their tiers, and lookups that show the walk."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import fresh_database
from tests.e2e.conftest import Server, start_server, stop_server


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fresh_database() as database:
        running = start_server(tmp_path_factory.mktemp("demo"), {"DATABASE_URL": database.url}, ("--demo",))
        # The server answers at once; its worker projects the demo's history in the next moments.
        deadline = time.monotonic() + 60
        last = '{ tenant(slug: "havering") { steeringGroup { role } } }'
        while True:
            tenant = (running.graphql(last).json().get("data") or {}).get("tenant")
            if tenant and len(tenant["steeringGroup"]) >= 2:
                break
            assert time.monotonic() < deadline, "the demo was not projected in time"
            time.sleep(0.2)
        yield running
        stop_server(running)


def data(server: Server, query: str) -> dict[str, Any]:
    body = server.graphql(query).json()
    assert "errors" not in body, body
    return dict(body["data"])


def test_the_five_localities_have_their_compacts(demo: Server) -> None:
    tenants = data(demo, "{ tenants(tier: DISTRICT) { slug parent { slug } compact { title } } }")["tenants"]
    assert tenants == [
        {"slug": "harlow", "parent": {"slug": "essex"}, "compact": {"title": "The Harlow Compact"}},
        {"slug": "harrow", "parent": {"slug": "london"}, "compact": {"title": "The Harrow Compact 2009"}},
        {"slug": "havering", "parent": {"slug": "london"}, "compact": {"title": "Compact for Havering"}},
        {
            "slug": "hertsmere",
            "parent": {"slug": "hertfordshire"},
            "compact": {"title": "The Hertsmere Compact"},
        },
    ]
    essex = data(demo, '{ tenant(slug: "essex") { compact { title } } }')["tenant"]
    assert essex == {"compact": {"title": "The Compact for Essex"}}


def test_harlow_answers_for_what_it_covers_and_essex_for_what_only_essex_covers(demo: Server) -> None:
    query = '{ lookup(locality: "harlow", matter: "%s") { answeredBy { slug } trail { tenant { slug } covered reason } explanation } }'
    funding = data(demo, query % "funding")["lookup"]
    assert funding["answeredBy"] == {"slug": "harlow"}
    champions = data(demo, query % "champions")["lookup"]
    assert champions["answeredBy"] == {"slug": "essex"}
    assert [(s["tenant"]["slug"], s["covered"]) for s in champions["trail"]] == [
        ("harlow", False),
        ("essex", True),
    ]
    assert "no section on champions" in champions["trail"][0]["reason"]


def test_havering_merged_its_bme_code_into_equality_and_diversity(demo: Server) -> None:
    codes = data(demo, '{ tenant(slug: "havering") { codes { key status supersededBy } } }')["tenant"]
    assert codes == {
        "codes": [
            {"key": "bme", "status": "SUPERSEDED", "supersededBy": "equality-and-diversity"},
            {"key": "equality-and-diversity", "status": "ADOPTED", "supersededBy": None},
            {"key": "funding", "status": "ADOPTED", "supersededBy": None},
        ]
    }
