"""Every read runs in its own read-only transaction that tells PostgreSQL's row-level security who asks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from domain.actors import Actor

# A read that runs longer than this is cancelled rather than left to hold a connection.
STATEMENT_TIMEOUT_MS = 5000

# Local to the transaction (the third argument): a connection returned to the pool keeps nothing.
SET_READER = """
SELECT set_config('compacts.tenants', $1, true),
       set_config('compacts.admin', $2, true),
       set_config('compacts.actor', $3, true),
       set_config('statement_timeout', $4, true)
"""


def reader_settings(actor: Actor) -> tuple[str, str, str, str]:
    """The tenants whose private rows the actor may read, whether it is an admin, and who it is."""
    members = sorted(t for t in actor.tenants if actor.can_audit(t))
    return (
        ",".join(members),
        "on" if actor.is_platform_admin else "off",
        actor.sub or "",
        str(STATEMENT_TIMEOUT_MS),
    )


@asynccontextmanager
async def reading(pool: Any, actor: Actor, *, readonly: bool = True) -> AsyncIterator[Any]:
    async with pool.acquire() as conn, conn.transaction(readonly=readonly):
        await conn.execute(SET_READER, *reader_settings(actor))
        yield conn
