"""Reads on a streaming standby: whether it has replayed a client's own writes, and whether it answers."""

from __future__ import annotations

import asyncio
import logging
import math
import re
from collections import OrderedDict

import asyncpg

from domain.actors import Actor
from domain.errors import DomainError

log = logging.getLogger(__name__)

# A mutation's answer carries the position of its write here, and a client sends it back on later requests
# so that its reads include that write through any API process.
READ_AFTER_HEADER = "Compacts-Read-After"
# Which server answered a request's reads (`primary`, `standby`, or both), when a standby is configured.
READ_FROM_HEADER = "Compacts-Read-From"
# How often a read waiting for the standby asks how far it has replayed; the waiting reads share one query.
POLL_SECONDS = 0.01
# After the standby failed, reads go straight to the primary for this long before it is tried again, so an
# outage costs one failed connection a second rather than one per request.
RETRY_SECONDS = 1.0
# Connecting to a standby that does not answer gives up this soon (unless its URL says otherwise), and the
# read goes to the primary.
CONNECT_TIMEOUT_SECONDS = 2.0
# Clients whose last write this process remembers; the oldest is forgotten first. A forgotten client's
# next read may come from a standby that is behind, unless it sends Compacts-Read-After.
REMEMBERED_CLIENTS = 10_000
# PostgreSQL's own spelling of a WAL position: two hexadecimal halves of a 64-bit number.
LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")
# A query on a standby that PostgreSQL cancelled because replay had to remove what it was reading.
RECOVERY_CONFLICT = "40001"


class BadReadAfter(DomainError):
    code = "BAD_USER_INPUT"


def parse_lsn(text: str) -> int:
    """A WAL position as a number; BadReadAfter if `text` is not one."""
    found = LSN.fullmatch(text.strip())
    if found is None:
        raise BadReadAfter(
            f"The {READ_AFTER_HEADER} header must be a position as a mutation's answer gave it, such as "
            f"0/3000148; send it back unchanged or leave it out ('{text[:40]}' is not one)."
        )
    return (int(found[1], 16) << 32) | int(found[2], 16)


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def client_of(actor: Actor) -> tuple[str, str] | None:
    """Whose writes a read must include: a signed-in subject of an issuer; anonymous callers write nothing."""
    if actor.is_anonymous or not actor.sub:
        return None
    return (actor.issuer or "", actor.sub)


def recovery_conflict(error: BaseException) -> bool:
    return isinstance(error, asyncpg.PostgresError) and getattr(error, "sqlstate", None) == RECOVERY_CONFLICT


class Standby:
    """The standby's read pool, and what this process knows of it: how far it has replayed, whether it
    answers, and the position of each client's last write.

    Nothing here is shared between API processes: a client that reaches several sends its last write's
    position back in Compacts-Read-After (docs/adr/0019-reads-on-a-standby.md).
    """

    def __init__(self, pool: asyncpg.Pool, primary: asyncpg.Pool, wait: float) -> None:
        self.pool = pool
        self.primary = primary
        self.wait = wait
        self.replayed = 0
        self.written: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._polled_at = -math.inf
        self._poll = asyncio.Lock()
        self._down_until = -math.inf
        self._said_down = False

    def usable(self) -> bool:
        """Whether to try the standby: it has not failed within the last RETRY_SECONDS."""
        return asyncio.get_running_loop().time() >= self._down_until

    def failed(self, error: BaseException) -> None:
        """The standby refused, dropped or could not serve a read: use the primary for a while."""
        self._down_until = asyncio.get_running_loop().time() + RETRY_SECONDS
        if not self._said_down:
            log.warning("the standby does not answer (%s); reads use the primary until it does", error)
            self._said_down = True

    def answered(self) -> None:
        if self._said_down:
            log.warning("the standby answers again; reads use it")
            self._said_down = False

    def remember(self, client: tuple[str, str] | None, lsn: int) -> None:
        if client is None:
            return
        self.written[client] = max(lsn, self.written.pop(client, 0))
        while len(self.written) > REMEMBERED_CLIENTS:
            self.written.popitem(last=False)

    def needed(self, client: tuple[str, str] | None, echoed: int) -> int:
        """The position the standby must have replayed for this client's reads to include its writes."""
        return max(echoed, self.written.get(client, 0) if client is not None else 0)

    async def written_now(self) -> int:
        """The primary's WAL position now: past the commit of everything a finished wait has seen."""
        value = await self.primary.fetchval("SELECT pg_current_wal_lsn()::text")
        return parse_lsn(str(value))

    async def caught_up(self, lsn: int) -> bool:
        """Whether the standby has replayed up to `lsn`, waiting at most `wait` seconds for it to."""
        if lsn <= self.replayed:
            return True
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.wait
        while True:
            await self._ask_replayed()
            if self.replayed >= lsn:
                return True
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            await asyncio.sleep(min(POLL_SECONDS, remaining))

    async def _ask_replayed(self) -> None:
        # One query for every read waiting at the time: the others find the answer fresh when they get in.
        async with self._poll:
            loop = asyncio.get_running_loop()
            if loop.time() - self._polled_at < POLL_SECONDS:
                return
            value = await self.pool.fetchval("SELECT pg_last_wal_replay_lsn()::text", timeout=self.wait + 1)
            self._polled_at = loop.time()
            if value is None:
                # Not in recovery: a primary (a promoted standby, or a wrong URL) can say nothing of what it
                # has of the other's writes, so reads that must include one go to the primary.
                log.warning("DATABASE_READ_URL is not a standby's; reads after a write use the primary")
                return
            self.replayed = max(self.replayed, parse_lsn(str(value)))
