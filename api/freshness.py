"""Read-your-writes: wait, woken by NOTIFY, until the read models include a command's own events."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import asyncpg
from opentelemetry import trace

from domain.errors import DomainError
from infra.event_store import APPLICATION_NAME
from infra.spans import span
from projections.base import PROJECTED_CHANNEL, ProjectionSpec
from projections.catalogue import projections_for
from services.registry import Recorded

log = logging.getLogger(__name__)

# A lost notification (a dropped listener connection) costs at most this long, never correctness.
RECHECK_SECONDS = 0.5
TRACER = trace.get_tracer(__name__)


class ReadModelsBehind(DomainError):
    code = "INTERNAL"


class ReadModelWaiter:
    """One LISTEN connection per API process, shared by every waiting mutation."""

    def __init__(self, pool: asyncpg.Pool, connect_kwargs: dict[str, str | int]) -> None:
        self.pool = pool
        self.connect_kwargs = connect_kwargs
        self.positions: dict[str, int] = {}
        self.changed = asyncio.Condition()
        self._listener: asyncpg.Connection | None = None
        # Moves on whenever a notification may have gone unheard (the listener lost, or listening anew), so
        # that the response cache drops every answer it could no longer know to be current.
        self._epoch = 0
        self._again: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._epoch += 1
        try:
            self._listener = await asyncpg.connect(**self.connect_kwargs)
            self._listener.add_termination_listener(self._lost)
            await self._listener.add_listener(PROJECTED_CHANNEL, self._heard)
        except (OSError, asyncpg.PostgresError):
            log.warning("cannot LISTEN for projections yet; waiting mutations will re-check")
            self._listener = None
        self._epoch += 1

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    @property
    def epoch(self) -> int:
        """The listener's generation; -1 while it is not listening. A connection the server ended reads as
        closed before its termination callback has run, so the callback alone would leave a moment in which
        the old generation still looked current."""
        return self._epoch if self.listening else -1

    def _lost(self, _conn: asyncpg.Connection) -> None:
        self._epoch += 1

    def listen_again(self) -> None:
        """Start listening again in the background, once at a time, if the listener is lost."""
        if self.listening or (self._again is not None and not self._again.done()):
            return
        self._again = asyncio.get_running_loop().create_task(self._listen_again())

    async def _listen_again(self) -> None:
        await self.start()
        if not self.listening:
            # The database is away: ask again in a while, not on every request meanwhile.
            await asyncio.sleep(RECHECK_SECONDS)

    async def close(self) -> None:
        if self._again is not None:
            self._again.cancel()
        if self._listener is not None:
            await self._listener.close()

    def _heard(self, _conn: asyncpg.Connection, _pid: int, _channel: str, payload: str) -> None:
        name, _, position = payload.rpartition(":")
        if position.isdigit() and int(position) > self.positions.get(name, 0):
            self.positions[name] = int(position)
            asyncio.get_running_loop().create_task(self._notify_all())

    async def _notify_all(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    async def _read_position(self, spec: ProjectionSpec) -> int:
        value = await self.pool.fetchval(
            f"SELECT notification_id FROM {spec.tracking_table} WHERE application_name = $1",
            APPLICATION_NAME,
        )
        position = int(value or 0)
        if position > self.positions.get(spec.name, 0):
            self.positions[spec.name] = position
        return self.positions.get(spec.name, 0)

    async def wait_for(self, recorded: Recorded, timeout: float) -> None:
        """Return once every read model the events touch has reached their position."""
        if self._listener is None or self._listener.is_closed():
            await self.start()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        with span(TRACER, "wait for read models") as waiting:
            if waiting is not None:
                waiting.set_attribute("compacts.position", recorded.notification_id)
            for spec in projections_for(recorded.topics):
                handled = [recorded.positions[t] for t in spec.topics if t in recorded.positions]
                target = max(handled) if spec.topics else recorded.notification_id
                with span(TRACER, f"read model {spec.name}") as waited:
                    if waited is not None:
                        waited.set_attribute("compacts.read_model", spec.name)
                        waited.set_attribute("compacts.position", target)
                    await self._wait_for_one(spec, target, deadline, recorded, timeout)

    async def _wait_for_one(
        self, spec: ProjectionSpec, target: int, deadline: float, recorded: Recorded, timeout: float
    ) -> None:
        """Return once `spec`'s read model has reached `target`; past `deadline`, ReadModelsBehind."""
        loop = asyncio.get_running_loop()
        while self.positions.get(spec.name, 0) < target:
            if await self._read_position(spec) >= target:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise ReadModelsBehind(
                    f"Your change was recorded (position {recorded.notification_id}) but the "
                    f"read models have not caught up within {timeout:g} s; query it again shortly."
                )
            async with self.changed:
                # Re-checked under the condition: no notification can slip in before wait().
                if self.positions.get(spec.name, 0) >= target:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), timeout=min(remaining, RECHECK_SECONDS))
