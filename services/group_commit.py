"""Group commit: the new events of commands saved at the same moment go to the store in one transaction."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import Notification, Recording, StoredEvent


@dataclass
class Pending:
    """One command's events, waiting for a leader to write them; then their ids, or why they failed."""

    events: Sequence[Any]
    stored: list[StoredEvent]
    done: threading.Event = field(default_factory=threading.Event)
    ids: Sequence[int] = ()
    error: BaseException | None = None

    def recordings(self) -> list[Recording[str]]:
        if self.error is not None:
            raise self.error
        return [
            Recording(
                event,
                Notification(
                    originator_id=s.originator_id,
                    originator_version=s.originator_version,
                    topic=s.topic,
                    state=s.state,
                    id=n,
                ),
            )
            for event, s, n in zip(self.events, self.stored, self.ids, strict=True)
        ]


class GroupCommit:
    """Writes concurrent commands' events together, keeping each aggregate's optimistic concurrency.

    The event store serialises writers (a table lock keeps notification ids gapless), so commands from
    many threads would otherwise commit one after another, one transaction each. Here a command that
    finds the store free leads: it takes every command queued meanwhile and writes all their events in
    one transaction. If that transaction fails (most often a version constraint: some command lost a
    race for an aggregate's next version), the leader writes the group's commands one by one, so each
    gets the outcome it would have had alone: the losers their IntegrityError, the rest stored. Every
    command's thread raises only its own error; the leader never answers for the others.
    """

    def __init__(
        self,
        insert: Callable[[list[StoredEvent]], Sequence[int] | None],
        to_stored: Callable[[Any], StoredEvent],
    ) -> None:
        self._insert = insert
        self._to_stored = to_stored
        self._queue: list[Pending] = []
        self._queue_lock = threading.Lock()
        self._writing = threading.Lock()
        self.transactions = 0  # how many transactions wrote events: fewer than commands under load

    def put(self, events: Sequence[Any]) -> list[Recording[str]]:
        mine = Pending(events, [self._to_stored(e) for e in events])
        with self._queue_lock:
            self._queue.append(mine)
        while not mine.done.is_set():
            # Whoever holds the lock writes for everyone queued; the others find their work done.
            with self._writing:
                if not mine.done.is_set():
                    self._write_queued()
        return mine.recordings()

    def _write_queued(self) -> None:
        """Write every queued command; each learns its own outcome, and only its own."""
        group: list[Pending] = []
        try:
            with self._queue_lock:
                group, self._queue = self._queue, []
            if len(group) > 1:
                try:
                    ids = self._insert([s for p in group for s in p.stored]) or []
                    self.transactions += 1
                except Exception:
                    ids = None
                if ids is not None:
                    start = 0
                    for pending in group:
                        pending.ids = ids[start : start + len(pending.stored)]
                        start += len(pending.stored)
                    return
            # Alone, or after the group failed: a race loser gets its IntegrityError, a command whose
            # events break nothing is stored, and an outage reaches each command that was not stored.
            for pending in group:
                self._write_one(pending)
        finally:
            for pending in group:
                if pending.error is None and len(pending.ids) != len(pending.stored):
                    pending.error = RuntimeError("the write was interrupted before this command was stored")
                pending.done.set()

    def _write_one(self, pending: Pending) -> None:
        try:
            pending.ids = self._insert(pending.stored) or []
            self.transactions += 1
        except Exception as error:
            pending.error = error


class GroupCommitting(Application[str]):
    """An application whose saves from many threads at once share transactions (see GroupCommit)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        super().__init__(env)
        self.group = GroupCommit(self.recorder.insert_events, self.mapper.to_stored_event)

    def _record(self, processing_event: ProcessingEvent[str]) -> list[Recording[str]]:
        if processing_event.tracking is not None or processing_event.saved_kwargs:
            return super()._record(processing_event)  # a position to track: not ours to group
        recordings = self.group.put(processing_event.events)
        # As the library's own _record: a cache that does not fast-forward is given the saved state.
        if self.repository.cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                self.repository.cache.put(aggregate_id, aggregate)
        return recordings
