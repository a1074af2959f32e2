"""A process whose NOTIFY listener is lost forgets every kept answer, and keeps none until it listens again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import asyncpg

from api.freshness import ReadModelWaiter
from api.graphql.response_cache import ResponseCache, Ticket
from infra.database import Database

LISTENER = "SELECT pid FROM pg_stat_activity WHERE query LIKE 'LISTEN %' AND datname = current_database()"


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def scenario(db: Database) -> None:
    pool = await asyncpg.create_pool(**db.asyncpg_kwargs(), min_size=1, max_size=2)
    waiter = ReadModelWaiter(pool, db.asyncpg_kwargs())
    try:
        await waiter.start()
        assert waiter.listening
        cache = ResponseCache()
        kept = Ticket(key="k", positions=dict(waiter.positions), epoch=waiter.epoch)
        kept.read_models.add("tenant_directory")
        kept.query = kept.answered = True
        assert cache.keep(kept, b"{}", ())
        assert cache.find("k", waiter) is not None
        # The server ends the listener's connection, as a restart or a network fault would.
        listener = await pool.fetchval(LISTENER)
        assert await pool.fetchval("SELECT pg_terminate_backend($1)", listener)
        await until(lambda: not waiter.listening, "the lost listener was noticed")
        assert cache.find("k", waiter) is None
        waiter.listen_again()
        await until(lambda: waiter.listening, "the process listened again")
        # An answer kept before the loss stays forgotten: a notification may have been missed meanwhile.
        assert cache.find("k", waiter) is None
    finally:
        await waiter.close()
        await pool.close()


def test_a_lost_listener_drops_every_kept_answer_until_it_listens_again(db: Database) -> None:
    asyncio.run(scenario(db))
