"""A request's reads share one transaction; a failed read ends it, and the request's end gives it back."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from api.reading import RequestReads
from domain.actors import Actor, Role
from infra.availability import DatabaseUnavailable
from infra.database import Database

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))


async def scenario(db: Database) -> None:
    pool = await asyncpg.create_pool(**db.asyncpg_kwargs(), min_size=1, max_size=2)
    try:
        reads = RequestReads(pool, ADMIN)
        async with reads.read() as conn:
            began = await conn.fetchval("SELECT now()")
        async with reads.read() as conn:
            # The same transaction: now() is the time the transaction began.
            assert await conn.fetchval("SELECT now()") == began
        with pytest.raises(asyncpg.DataError):
            async with reads.read() as conn:
                await conn.fetchval("SELECT 1 / 0")
        # The failed read ended its transaction; the next read begins another instead of being refused.
        async with reads.read() as conn:
            assert await conn.fetchval("SELECT 2") == 2
            assert await conn.fetchval("SELECT now()") != began
        await reads.end()
        assert pool.get_idle_size() == pool.get_size()
        async with reads.read() as conn:
            assert await conn.fetchval("SELECT current_setting('transaction_read_only')") == "on"
        await reads.close()
        assert pool.get_idle_size() == pool.get_size()
        with pytest.raises(RuntimeError, match="ended"):
            async with reads.read():
                pass
        assert pool.get_idle_size() == pool.get_size()
    finally:
        await pool.close()


def test_a_failed_read_ends_the_transaction_and_closing_gives_the_connection_back(db: Database) -> None:
    asyncio.run(scenario(db))


async def connection_closed_under_a_read(db: Database) -> None:
    pool = await asyncpg.create_pool(**db.asyncpg_kwargs(), min_size=1, max_size=2)
    try:
        reads = RequestReads(pool, ADMIN)
        async with reads.read() as conn:
            backend = await conn.fetchval("SELECT pg_backend_pid()")
        # The server ends the connection as a restart would: the next statement finds it closed.
        other = await asyncpg.connect(**db.asyncpg_kwargs())
        try:
            assert await other.fetchval("SELECT pg_terminate_backend($1)", backend)
        finally:
            await other.close()
        with pytest.raises(DatabaseUnavailable):
            async with reads.read() as conn:
                await conn.fetchval("SELECT 1")
        # The broken connection was dropped, not handed to the next read; the close is no error either.
        async with reads.read() as conn:
            assert await conn.fetchval("SELECT 3") == 3
        await reads.close()
    finally:
        await pool.close()


def test_a_connection_the_server_closed_is_unavailable_not_a_fault(db: Database) -> None:
    asyncio.run(connection_closed_under_a_read(db))
