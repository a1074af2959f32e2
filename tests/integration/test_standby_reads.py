"""Reads on a real streaming standby: a client's reads include its writes, even while the standby has not
replayed them, and a standby that is down or stops under a read leaves them to the primary."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import psycopg
import pytest

from api.reading import RequestReads
from api.standby import BadReadAfter, Standby, format_lsn
from api.tools.soak import OwnServer, StandbyServer, free_port
from domain.actors import ANONYMOUS, Actor, Role
from infra.availability import DatabaseUnavailable
from infra.database import READER_ROLE, Database

EDITOR = Actor(sub="editor@example.org", roles=frozenset({Role.EDITOR}), issuer="compact-registry")
# Whether the server answering is a standby, and whether it holds the write numbered $1.
ASK = "SELECT pg_is_in_recovery(), count(*) FROM marks WHERE n = $1"


@dataclass
class Pair:
    primary: Database
    standby: Database


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """A primary with a table the reading role may read, and a standby of it made with pg_basebackup."""
    home: Path = tmp_path_factory.mktemp("standby")
    primary = OwnServer(home)
    standby: StandbyServer | None = None
    try:
        primary.start()
        with psycopg.connect(primary.database.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(f"CREATE ROLE {READER_ROLE} LOGIN")
            conn.execute("CREATE TABLE marks (n int PRIMARY KEY)")
            conn.execute(f"GRANT SELECT ON marks TO {READER_ROLE}")
        standby = StandbyServer(home, primary, apply_delay_ms=0)
        standby.start()
        yield Pair(primary.database, standby.database)
    finally:
        if standby is not None:
            standby.remove()
        primary.remove()


def replay(pair: Pair, *, paused: bool) -> None:
    """Stop or resume the standby's replay: while it is stopped, the standby is behind every later write."""
    with psycopg.connect(pair.standby.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")


async def resume_soon(pair: Pair) -> None:
    await asyncio.sleep(0.3)
    replay(pair, paused=False)


def write(pair: Pair, n: int) -> None:
    with psycopg.connect(pair.primary.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("INSERT INTO marks VALUES (%s)", (n,))


@asynccontextmanager
async def pools(
    pair: Pair, standby_at: Database | None = None
) -> AsyncIterator[tuple[asyncpg.Pool, asyncpg.Pool]]:
    """The primary's read pool and the standby's, both signed in as the reading role."""
    primary = await asyncpg.create_pool(**pair.primary.reader(None).asyncpg_kwargs(), min_size=0, max_size=2)
    kwargs = (standby_at or pair.standby).reader(None).asyncpg_kwargs()
    standby = await asyncpg.create_pool(**kwargs, min_size=0, max_size=2, timeout=2)
    try:
        yield primary, standby
    finally:
        await standby.close()
        await primary.close()


async def read(reads: RequestReads, n: int) -> tuple[bool, int]:
    try:
        async with reads.read() as conn:
            row = await conn.fetchrow(ASK, n)
    finally:
        await reads.close()
    assert row is not None
    return bool(row[0]), int(row[1])


def test_a_read_with_no_write_to_wait_for_uses_the_standby(pair: Pair) -> None:
    async def scenario() -> None:
        async with pools(pair) as (primary, standby_pool):
            standby = Standby(standby_pool, primary, wait=5)
            reads = RequestReads(primary, ANONYMOUS, standby)
            in_recovery, _found = await read(reads, 0)
            assert in_recovery
            assert reads.sources == {"standby"}

    asyncio.run(scenario())


def test_a_read_after_the_clients_own_write_waits_until_the_standby_has_replayed_it(pair: Pair) -> None:
    async def scenario() -> None:
        async with pools(pair) as (primary, standby_pool):
            standby = Standby(standby_pool, primary, wait=10)
            replay(pair, paused=True)
            write(pair, 1)
            standby.remember(("compact-registry", "editor@example.org"), await standby.written_now())
            # The standby has not replayed the write: another reader's read there does not see it ...
            assert await read(RequestReads(primary, ANONYMOUS, standby), 1) == (True, 0)
            # ... and the writer's own read waits until it has, and reads it there.
            resuming = asyncio.create_task(resume_soon(pair))
            assert await read(RequestReads(primary, EDITOR, standby), 1) == (True, 1)
            await resuming

    asyncio.run(scenario())


def test_a_client_that_sends_its_writes_position_back_reads_it_through_another_process(pair: Pair) -> None:
    async def scenario() -> None:
        async with pools(pair) as (primary, standby_pool):
            writer = Standby(standby_pool, primary, wait=10)
            replay(pair, paused=True)
            write(pair, 2)
            position = format_lsn(await writer.written_now())
            # Another process knows nothing of the write but what the client sends back.
            other = Standby(standby_pool, primary, wait=10)
            resuming = asyncio.create_task(resume_soon(pair))
            assert await read(RequestReads(primary, EDITOR, other, position), 2) == (True, 1)
            await resuming

    asyncio.run(scenario())


def test_a_read_that_cannot_wait_for_the_standby_reads_its_write_from_the_primary(pair: Pair) -> None:
    async def scenario() -> None:
        async with pools(pair) as (primary, standby_pool):
            standby = Standby(standby_pool, primary, wait=0.2)
            replay(pair, paused=True)
            try:
                write(pair, 3)
                position = format_lsn(await standby.written_now())
                reads = RequestReads(primary, ANONYMOUS, standby, position)
                assert await read(reads, 3) == (False, 1)
                assert reads.sources == {"primary"}
            finally:
                replay(pair, paused=False)

    asyncio.run(scenario())


def test_a_position_that_is_not_one_is_refused_with_what_to_send_instead(pair: Pair) -> None:
    async def scenario() -> None:
        async with pools(pair) as (primary, standby_pool):
            reads = RequestReads(primary, ANONYMOUS, Standby(standby_pool, primary, wait=1), "yesterday")
            with pytest.raises(BadReadAfter) as refused:
                await read(reads, 0)
            assert refused.value.message == (
                "The Compacts-Read-After header must be a position as a mutation's answer gave it, such as "
                "0/3000148; send it back unchanged or leave it out ('yesterday' is not one)."
            )
            assert refused.value.code == "BAD_USER_INPUT"

    asyncio.run(scenario())


def test_while_the_standby_is_down_reads_use_the_primary_without_an_error(pair: Pair) -> None:
    nowhere = Database(f"host=127.0.0.1 port={free_port()} user=postgres dbname=postgres")

    async def scenario() -> None:
        async with pools(pair, standby_at=nowhere) as (primary, standby_pool):
            standby = Standby(standby_pool, primary, wait=1)
            reads = RequestReads(primary, ANONYMOUS, standby)
            assert await read(reads, 0) == (False, 0)
            assert reads.sources == {"primary"}
            # Until it is tried again, reads go straight to the primary.
            assert not standby.usable()

    asyncio.run(scenario())


async def select_one(reads: RequestReads) -> None:
    async with reads.read() as conn:
        await asyncio.sleep(0.2)  # the termination reaches the client first
        await conn.fetchval("SELECT 1")


def test_a_standby_connection_closed_under_a_read_lets_the_request_be_answered_from_the_primary(
    pair: Pair,
) -> None:
    async def scenario() -> None:
        async with pools(pair) as (primary, standby_pool):
            standby = Standby(standby_pool, primary, wait=1)
            reads = RequestReads(primary, ANONYMOUS, standby)
            async with reads.read() as conn:
                backend = await conn.fetchval("SELECT pg_backend_pid()")
            # The standby ends the connection, as a fast shutdown does, while the request still holds it.
            with psycopg.connect(pair.standby.psycopg_conninfo(), autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
            with pytest.raises(DatabaseUnavailable):
                await select_one(reads)
            assert reads.answer_again()
            again = reads.on_primary()
            assert await read(again, 0) == (False, 0)
            await reads.close()

    asyncio.run(scenario())


def test_after_a_command_the_requests_reads_use_the_primary_and_are_never_answered_again(pair: Pair) -> None:
    async def scenario() -> None:
        async with pools(pair) as (primary, standby_pool):
            reads = RequestReads(primary, EDITOR, Standby(standby_pool, primary, wait=10))
            await reads.writing()
            assert await read(reads, 0) == (False, 0)
            assert reads.sources == {"primary"}
            assert not reads.answer_again()

    asyncio.run(scenario())
