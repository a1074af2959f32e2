"""The lookup benchmark's baseline: a bare litestar route running the lookup's SQL and returning JSON."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import uvicorn
from litestar import Litestar, post

from infra.database import Database
from infra.settings import Settings
from projections.queries.tiered_lookup import chain_of

LATEST = datetime.max.replace(tzinfo=UTC)


def bare_app(db: Database) -> Litestar:
    """No GraphQL, no tokens, no rate limits: the lookup's query, as the same role, as JSON."""
    pools: list[asyncpg.Pool] = []

    @asynccontextmanager
    async def lifespan(_app: Litestar) -> AsyncIterator[None]:
        pools.append(
            await asyncpg.create_pool(
                **db.reader(Settings.from_env().reader_password).asyncpg_kwargs(),
                min_size=1,
                max_size=10,
                server_settings={"plan_cache_mode": "force_generic_plan"},
            )
        )
        yield
        await pools[0].close()

    @post("/lookup", status_code=200)
    async def lookup(data: dict[str, str]) -> list[dict[str, Any]]:
        async with pools[0].acquire() as conn:
            levels = await chain_of(
                conn, data["locality"], data["matter"], date.fromisoformat(data["asOf"]), LATEST
            )
        return [asdict(level) for level in levels]

    return Litestar([lookup], lifespan=[lifespan])


if __name__ == "__main__":
    uvicorn.run(bare_app(Database(sys.argv[1])), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
