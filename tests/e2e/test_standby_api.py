"""`compacts serve` with DATABASE_READ_URL naming a standby that is not there: it starts, reads from the
primary, says so, and gives each write's position for the client to send back."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.standby import READ_AFTER_HEADER, READ_FROM_HEADER
from tests.conftest import fresh_database
from tests.e2e.conftest import Server, free_port, start_server, stop_server


@pytest.fixture(scope="module")
def standby_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/compacts"
    with fresh_database() as database:
        home: Path = tmp_path_factory.mktemp("standby-down")
        running = start_server(home, {"DATABASE_URL": database.url, "DATABASE_READ_URL": nowhere})
        yield running
        stop_server(running)


def post(
    server: Server, query: str, token: str | None = None, read_after: str | None = None
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if read_after is not None:
        headers[READ_AFTER_HEADER] = read_after
    return httpx.post(f"{server.url}/graphql", json={"query": query}, headers=headers, timeout=30)


def test_while_the_standby_is_down_reads_and_writes_are_answered_from_the_primary(
    standby_down: Server,
) -> None:
    admin = standby_down.token("platform-admin")
    wrote = post(
        standby_down,
        'mutation { createTenant(slug: "standby-e2e", name: "Standby", tier: NATIONAL) { slug } }',
        admin,
    )
    assert wrote.json() == {"data": {"createTenant": {"slug": "standby-e2e"}}}
    position = wrote.headers[READ_AFTER_HEADER]
    assert re.fullmatch(r"[0-9A-F]+/[0-9A-F]+", position)
    assert wrote.headers[READ_FROM_HEADER] == "primary"
    # The client sends the position back, here to the same process: its read includes the write.
    read = post(standby_down, '{ tenant(slug: "standby-e2e") { slug } }', None, position)
    assert (read.status_code, read.json()) == (200, {"data": {"tenant": {"slug": "standby-e2e"}}})
    assert read.headers[READ_FROM_HEADER] == "primary"


def test_a_position_that_is_not_one_is_refused_with_what_to_send(standby_down: Server) -> None:
    answer = post(standby_down, '{ tenant(slug: "standby-e2e") { slug } }', None, "yesterday")
    assert answer.status_code == 200
    assert answer.json()["data"] == {"tenant": None}
    assert answer.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert answer.json()["errors"][0]["message"] == (
        "The Compacts-Read-After header must be a position as a mutation's answer gave it, such as 0/3000148; "
        "send it back unchanged or leave it out ('yesterday' is not one)."
    )


def test_a_mutation_with_a_position_that_is_not_one_is_refused_and_records_nothing(
    standby_down: Server,
) -> None:
    admin = standby_down.token("platform-admin")
    create = 'mutation { createTenant(slug: "standby-refused", name: "Refused", tier: NATIONAL) { slug } }'
    answer = post(standby_down, create, admin, "0/zz")
    assert answer.json()["data"] is None
    assert answer.json()["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert "Compacts-Read-After" in answer.json()["errors"][0]["message"]
    assert post(standby_down, '{ tenant(slug: "standby-refused") { slug } }').json() == {
        "data": {"tenant": None}
    }
