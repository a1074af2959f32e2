"""Every read runs in its own read-only transaction that tells PostgreSQL's row-level security who asks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from asyncpg.transaction import Transaction

from api.standby import Standby, client_of, parse_lsn, recovery_conflict
from domain.actors import Actor
from infra.availability import DatabaseUnavailable

log = logging.getLogger(__name__)

# A read that runs longer than this is cancelled rather than left to hold a connection.
STATEMENT_TIMEOUT_MS = 5000

# Local to the transaction (the third argument): a connection returned to the pool keeps nothing.
# The tenants travel as an array and are stored in PostgreSQL's own array syntax, which quotes any
# element that needs it, so the policy reads back exactly the tenants sent (compacts_member).
SET_READER = """
SELECT set_config('compacts.tenants', $1::text[]::text, true),
       set_config('compacts.admin', $2, true),
       set_config('compacts.actor', $3, true),
       set_config('statement_timeout', $4, true)
"""


async def keep_session(conn: asyncpg.Connection) -> None:
    """What a read connection's pool does to it on its way back, beyond asyncpg's own ROLLBACK of an open
    transaction: nothing. Every setting a read makes is local to its transaction (SET_READER), and reads
    neither LISTEN, SET, hold cursors nor take advisory locks, so asyncpg's default reset (RESET ALL,
    UNLISTEN, CLOSE ALL, unlocking) found nothing to undo and cost a round trip on every request."""


# How a standby that is stopped, starting, unreachable or too slow to connect fails a read's start. A
# connection the standby dropped in the middle of the shared replay-position poll can also leave asyncpg's
# client state confused (InternalClientError, "another operation is in progress"): the primary answers then
# too, rather than the request failing.
STANDBY_DOWN = (
    DatabaseUnavailable,
    OSError,
    TimeoutError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)


def reader_settings(actor: Actor) -> tuple[list[str], str, str, str]:
    """The tenants whose private rows the actor may read, whether it is an admin, and who it is."""
    members = sorted(t for t in actor.tenants if actor.can_audit(t))
    return (
        members,
        "on" if actor.is_platform_admin else "off",
        actor.sub or "",
        str(STATEMENT_TIMEOUT_MS),
    )


def _gone(conn: asyncpg.Connection) -> bool:
    """Whether the server closed the connection; the pool detaches one it saw closed from its proxy."""
    try:
        return bool(conn.is_closed())
    except asyncpg.InterfaceError:
        return True


@asynccontextmanager
async def reading(pool: asyncpg.Pool, actor: Actor) -> AsyncIterator[asyncpg.Connection]:
    """One read on its own, outside a GraphQL request: a request's reads with just the one."""
    reads = RequestReads(pool, actor)
    try:
        async with reads.read() as conn:
            yield conn
    finally:
        await reads.close()


class RequestReads:
    """One read-only transaction for a whole GraphQL request, begun at its first read, ended with it.

    A lookup reads through several dataloaders. Each used to begin, configure and commit a transaction
    of its own and reset its connection: five round trips around every query. Here the reads take turns
    on one connection instead (a lock), which the ending of the operation gives back (`ReleaseReads`).
    The transaction is READ COMMITTED, so each query sees what was committed before it began. A read
    that fails or is cancelled ends the transaction (PostgreSQL would refuse every later statement in
    it), and the next read begins another; a mutation ends it before its command (`end`), so no
    connection is held while the command and the read models' catching up run.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        actor: Actor,
        standby: Standby | None = None,
        read_after: str | None = None,
    ) -> None:
        self.pool = pool
        self.actor = actor
        # With a standby, reads go there unless it is down or has not replayed this client's writes in time.
        self.standby = standby
        # The Compacts-Read-After the client sent back, checked at the first read.
        self.read_after = read_after
        self.used = 0  # reads made, for the tests that check how the reads of a request batch up
        self.sources: set[str] = set()  # "primary", "standby": where this request's reads ran
        self.wrote = False  # a mutation of this request ran its command: its reads stay on the primary
        # A read on the standby failed under way: the request may be answered again from the primary.
        self.standby_failed = False
        self._lock = asyncio.Lock()
        # The connection and its open transaction, from the first read until the reads end.
        self._held: tuple[asyncpg.Connection, Transaction | None] | None = None
        self._on_standby = False
        members, admin, _, _ = reader_settings(actor)
        # A reader who sees only public rows needs no transaction: row-level security shows the public rows
        # to a session that names no tenant and no admin (no reader setting outlives its transaction, and
        # the pool resets each connection given back), and each READ COMMITTED statement saw only what was
        # committed before it began anyway. The statement timeout is the pool's (api.runtime.read_pool).
        # Three round trips fewer (BEGIN, the settings, ROLLBACK) for every anonymous request.
        self._public = not members and admin == "off"
        self._closed = False
        # Told each statement's text once it has run (by the driver, on the loop's next turn): the response
        # cache learns from it which read models an answer read.
        self.on_query: Callable[[str], None] | None = None

    def _logged(self, record: Any) -> None:
        if self.on_query is not None:
            self.on_query(record.query)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._lock:
            if self._closed:
                raise RuntimeError("the request's reads have ended")
            if self._held is None:
                self._held = await self._begin()
            self.used += 1
            try:
                yield self._held[0]
            except BaseException as error:
                # A connection the server closed under the read (it stopped, or restarted) says so as
                # asyncpg's InterfaceError or an OSError; the caller must hear "unavailable", not a fault.
                broken = self._held is not None and _gone(self._held[0])
                on_standby = self._on_standby
                await self._end()
                if on_standby and isinstance(error, Exception) and (broken or recovery_conflict(error)):
                    # The standby stopped, or replay cancelled the query: the primary can answer instead.
                    self.standby_failed = True
                    if broken and self.standby is not None:
                        self.standby.failed(error)
                    raise DatabaseUnavailable() from error
                if broken and isinstance(error, Exception):
                    raise DatabaseUnavailable() from error
                raise

    async def _begin(self) -> tuple[asyncpg.Connection, Transaction | None]:
        echoed = parse_lsn(self.read_after) if self.read_after else 0
        standby = self.standby
        if standby is not None and not self.wrote and standby.usable():
            try:
                if await standby.caught_up(standby.needed(client_of(self.actor), echoed)):
                    held = await self._begin_on(standby.pool)
                    standby.answered()
                    self._on_standby = True
                    self.sources.add("standby")
                    return held
            except STANDBY_DOWN as error:
                # Down, starting up or unreachable: this read, and the next second's, use the primary.
                standby.failed(error)
        held = await self._begin_on(self.pool)
        self._on_standby = False
        self.sources.add("primary")
        return held

    async def _begin_on(self, pool: asyncpg.Pool) -> tuple[asyncpg.Connection, Transaction | None]:
        try:
            conn = await pool.acquire()
        except OSError as error:
            # Refused, reset or unresolvable: asyncpg raises the socket's own error (several at once
            # when a name resolves to more than one address, as a plain OSError).
            raise DatabaseUnavailable() from error
        if self.on_query is not None:
            conn.add_query_logger(self._logged)
        if self._public:
            return conn, None
        try:
            transaction = conn.transaction(isolation="read_committed", readonly=True)
            await transaction.start()
            await conn.execute(SET_READER, *reader_settings(self.actor))
        except BaseException as error:
            broken = _gone(conn)
            await self._release(conn, pool)
            if broken and isinstance(error, Exception):
                raise DatabaseUnavailable() from error
            raise
        return conn, transaction

    async def _release(self, conn: asyncpg.Connection, pool: asyncpg.Pool) -> None:
        """Give the connection back; one the server broke is dropped, never an error for the request."""
        try:
            await pool.release(conn)
        except Exception:
            log.warning("a read connection could not be given back; it is dropped")
            with contextlib.suppress(Exception):
                conn.terminate()

    async def _end(self) -> None:
        held, self._held = self._held, None
        if held is None:
            return
        conn, transaction = held
        if self.on_query is not None:
            conn.remove_query_logger(self._logged)
        try:
            if transaction is not None:
                await transaction.rollback()  # it only read: nothing to keep
        except Exception:
            log.warning("a read transaction could not be rolled back; its connection is dropped")
            # Closed first, so the pool takes back a dead connection (and opens another when next
            # needed) rather than resetting one whose state the failed rollback left unknown.
            with contextlib.suppress(Exception):
                conn.terminate()
        finally:
            await self._release(conn, self.standby.pool if self._on_standby and self.standby else self.pool)

    async def end(self) -> None:
        """End the transaction and give the connection back; the next read begins another."""
        async with self._lock:
            await self._end()

    async def writing(self) -> None:
        """A mutation's command is about to run: end the transaction, and read from the primary from now on,
        which the mutation's wait for the read models is about (a standby replays them later).

        A Compacts-Read-After that is not a position is refused here, before the command can record anything.
        """
        if self.read_after:
            parse_lsn(self.read_after)
        async with self._lock:
            self.wrote = True
            await self._end()

    def answer_again(self) -> bool:
        """Whether the request should be answered again from the primary: a read on the standby failed
        under way, and no command ran, so running the operation again does nothing twice."""
        return self.standby_failed and not self.wrote

    def on_primary(self) -> RequestReads:
        """The reads of the same request, from the primary only."""
        return RequestReads(self.pool, self.actor)

    async def close(self) -> None:
        """End the transaction for good: the request is over, and a late read is an error."""
        async with self._lock:
            self._closed = True
            await self._end()
