"""The projection worker: one loop per process keeps every read model it holds current (advisory locks)."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass

import psycopg
from eventsourcing.persistence import Mapper, Notification, Tracking
from eventsourcing.postgres import PostgresFactory
from eventsourcing.projection import Projection
from psycopg import sql
from psycopg.rows import TupleRow

from infra.database import Database
from infra.event_store import APPLICATION_NAME, EventReader
from projections.base import (
    BatchItem,
    ProjectionSpec,
    ReadModelView,
    StoredEventsProjection,
    batch,
    pipeline,
)
from projections.catalogue import PROJECTIONS
from projections.session_loop import SessionLoop
from projections.views import _factory, construct_view, worker_env

log = logging.getLogger(__name__)

# The first half of every projection's advisory lock key; the second is hashtext(name).
LOCK_NAMESPACE = 7_100_002
# How often a worker tries to take projections it does not hold (another worker's, until it dies).
LOCK_RETRY_SECONDS = 1.0
BATCH = 500
# A worker that finds more than BATCH events waiting is catching up (a new read model, a rebuild, a
# restart after a while): it reads this many at once and applies them by the bulk path.
BULK_BATCH = 5000
# eventsourcing NOTIFYs this channel (the event table's name) on every write.
EVENTS_CHANNEL = "registry_events"
# `compacts rebuild` asks here (payload: a projection's name) for a projection's lock, to swap its tables.
RELEASE_CHANNEL = "compacts_release"
# How long a worker leaves a released projection alone, so the one that asked can take its lock.
RELEASE_REST_SECONDS = 0.5  # the rebuild polls every 50 ms, so it is there first


def worker_name() -> str:
    """What a worker's lock connection calls itself (its host and process): /metrics names who holds what."""
    return f"compacts-worker {socket.gethostname()}:{os.getpid()}"


class ProjectionWorker(SessionLoop):
    """Keeps read models current until told to stop; several may run at once, one holds each projection.

    Each projection's lock is a session advisory lock on this worker's one lock connection: if the
    process dies, PostgreSQL frees its locks and another worker resumes from the tracking rows.
    """

    thread_name = "projection-worker"
    label = "projection worker"

    def __init__(
        self, db: Database, specs: Sequence[ProjectionSpec] = PROJECTIONS, batch: int = BATCH
    ) -> None:
        super().__init__()
        self.db = db
        self.specs = list(specs)
        self.batch = batch
        self.holding: set[str] = set()
        self.resting: dict[str, float] = {}
        # While catching up, the next batch is read there as the current one is written (`_project_batch`);
        # one thread for each session, ended with it.
        self._reader: ThreadPoolExecutor | None = None
        self._ahead: Ahead | None = None

    def _session_ended(self) -> None:
        self.holding.clear()

    def _session(self) -> None:
        app = EventReader(worker_env(self.db))
        factory = _factory(self.db)
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="projection-reader")
        self._ahead = None
        try:
            with psycopg.connect(
                self.db.psycopg_conninfo(), autocommit=True, connect_timeout=5, application_name=worker_name()
            ) as lock:
                lock.execute(f"LISTEN {EVENTS_CHANNEL}")
                lock.execute(f"LISTEN {RELEASE_CHANNEL}")
                projections: dict[str, Projection[ReadModelView]] = {}
                # How far each held projection has looked: its tracking row, or further when the events
                # since were of types it does not handle (those leave no tracking row behind).
                scanned: dict[str, int] = {}
                next_lock_attempt = 0.0
                while not self.stopping.is_set():
                    if time.monotonic() >= next_lock_attempt and len(self.holding) < len(self.specs):
                        self._take_locks(lock, factory, projections, scanned)
                        next_lock_attempt = time.monotonic() + LOCK_RETRY_SECONDS
                    caught_up = self._project_batch(app, projections, scanned) if projections else True
                    # Woken by the event store's NOTIFY; the timeout also checks the lock connection.
                    # Read first, act after: the connection is busy while it waits for notifications.
                    notes = list(lock.notifies(timeout=0.5 if caught_up else 0.0, stop_after=1))
                    for note in notes:
                        if note.channel == RELEASE_CHANNEL:
                            self._release(lock, note.payload, projections, scanned)
                    lock.execute("SELECT 1")
        finally:
            # The reader is closed next: let a read in flight end first, whatever becomes of it.
            self._reader.shutdown(wait=True, cancel_futures=True)
            self._reader, self._ahead = None, None
            app.close()
            factory.close()

    def _take_locks(
        self,
        lock: psycopg.Connection[tuple[object, ...]],
        factory: PostgresFactory,
        projections: dict[str, Projection[ReadModelView]],
        scanned: dict[str, int],
    ) -> None:
        for spec in self.specs:
            if spec.name in self.holding or self.resting.get(spec.name, 0.0) > time.monotonic():
                continue
            row = lock.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, spec.name)
            ).fetchone()
            if row and row[0]:
                view = construct_view(factory, spec)
                projections[spec.name] = spec.projection(view=view)
                # Read once, when the lock is taken: from then on this worker is its only writer.
                scanned[spec.name] = view.max_tracking_id(APPLICATION_NAME) or 0
                self.holding.add(spec.name)
                log.info("projection %s: holding its lock", spec.name)

    def _release(
        self,
        lock: psycopg.Connection[tuple[object, ...]],
        name: str,
        projections: dict[str, Projection[ReadModelView]],
        scanned: dict[str, int],
    ) -> None:
        """Let go of a projection for a while: a rebuild is waiting to swap its tables."""
        if name not in self.holding:
            return
        projections.pop(name, None)
        scanned.pop(name, None)
        self.holding.discard(name)
        lock.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (LOCK_NAMESPACE, name))
        self.resting[name] = time.monotonic() + RELEASE_REST_SECONDS
        log.info("projection %s: released for a rebuild", name)

    def _project_batch(
        self,
        app: EventReader,
        projections: dict[str, Projection[ReadModelView]],
        scanned: dict[str, int],
    ) -> bool:
        """Apply the next batch of events to every held projection; True when all are caught up."""
        # A projection with no topics takes every event, so then the batch is not filtered at all.
        every = any(not projection.topics for projection in projections.values())
        topics = () if every else tuple(sorted({t for p in projections.values() for t in p.topics}))
        limit = max(self.batch, BULK_BATCH)
        wanted = Reading(min(scanned[name] for name in projections) + 1, limit, topics, _decoded(projections))
        ahead, self._ahead = self._ahead, None
        read = ahead.future.result() if ahead is not None and ahead.reading == wanted else wanted.read(app)
        if len(read.notifications) == limit:
            # Catching up: the next batch is read and decoded while this one is written, so the worker's
            # Python and the database's own work on the other core overlap instead of taking turns.
            after = Reading(read.notifications[-1].id + 1, limit, topics, wanted.decoding)
            assert self._reader is not None, "batches are projected only in a session"
            self._ahead = Ahead(after, self._reader.submit(after.read, app))
        if len(read.notifications) > self.batch:
            apply_in_bulk(app.mapper, projections, scanned, read.notifications, read.decoded)
        else:
            apply_notifications(app.mapper, projections, scanned, read.notifications, self.stopping)
        return len(read.notifications) < limit or self.stopping.is_set()


@dataclass(frozen=True)
class Reading:
    """Which events a batch reads (from `start`, at most `limit`, of `topics` or all), and which of them
    it decodes: those of `decoding`'s topics, or all when it is None."""

    start: int
    limit: int
    topics: tuple[str, ...]
    decoding: frozenset[str] | None

    def read(self, app: EventReader) -> Read:
        notifications = app.select(self.start, self.limit, self.topics)
        return Read(notifications, decode(app.mapper, notifications, self.decoding))


@dataclass(frozen=True)
class Read:
    """A batch of stored events, and the domain events decoded from them by notification id."""

    notifications: Sequence[Notification]
    decoded: Mapping[int, object]


@dataclass(frozen=True)
class Ahead:
    """The next batch, being read in the background, and what it was asked for."""

    reading: Reading
    future: Future[Read]


def _decoded(projections: Mapping[str, Projection[ReadModelView]]) -> frozenset[str] | None:
    """The topics whose events some projection takes decoded (None: every topic's)."""
    takers = [p for p in projections.values() if not isinstance(p, StoredEventsProjection)]
    if any(not p.topics for p in takers):  # a projection with no topics takes every event
        return None
    return frozenset(t for p in takers for t in p.topics)


def decode(
    mapper: Mapper[str], notifications: Sequence[Notification], topics: frozenset[str] | None
) -> dict[int, object]:
    """The domain events of the notifications of these topics (all, for None), by notification id."""
    return {n.id: mapper.to_domain_event(n) for n in notifications if topics is None or n.topic in topics}


def apply_notifications(
    mapper: Mapper[str],
    projections: dict[str, Projection[ReadModelView]],
    scanned: dict[str, int],
    notifications: Sequence[Notification],
    stopping: threading.Event | None = None,
) -> None:
    """Hand each stored event, in order, to every projection that handles it and has not seen it.

    The whole batch is one transaction (see `projections.base.batch`): while catching up, that is one
    commit per `BATCH` events instead of one per event and read model.
    """
    last: int | None = None
    with batch([projection.view for projection in projections.values()], notifications):
        for notification in notifications:
            event = None
            for name, projection in projections.items():
                wanted = not projection.topics or notification.topic in projection.topics
                if wanted and scanned[name] < notification.id:
                    tracking = Tracking(APPLICATION_NAME, notification.id)
                    if isinstance(projection, StoredEventsProjection):
                        projection.process_stored(notification, tracking)
                    else:
                        event = event or mapper.to_domain_event(notification)
                        projection.process_event(event, tracking)
            last = notification.id
            if stopping is not None and stopping.is_set():
                break
    # Only once the batch has committed: a failed batch is applied again from where it started.
    if last is not None:
        # The batch held every event of every projection's types up to its last one.
        for name in projections:
            scanned[name] = max(scanned[name], last)


def apply_in_bulk(
    mapper: Mapper[str],
    projections: dict[str, Projection[ReadModelView]],
    scanned: dict[str, int],
    notifications: Sequence[Notification],
    decoded: Mapping[int, object] | None = None,
) -> None:
    """The catch-up path: read model by read model, each in a transaction of its own, side by side.

    Each stored event is decoded once, for every read model that takes it (`decoded`, where the batch was
    read with its events decoded already). A view with a bulk form (`ReadModelView.bulk`) applies the
    batch in memory and writes each table in a few statements; the others get its events one by one,
    pipelined, exactly as on the live path. Views write only their own tables, so applying one view's
    events before the next view's gives the rows the live order gives.

    Each view with a bulk form is a lane of its own, on a connection of its own, and the other views
    share one: while one lane waits for PostgreSQL, another's Python runs. A lane commits its views' rows
    with their positions, or nothing; a lane that fails leaves the others' commits in place, and the batch
    is read again from the earliest position any view still lacks (each skips what it has applied).
    """
    if decoded is None:
        # Decoded before the transactions begin, which then wait on nothing but the views' own work.
        decoded = decode(mapper, notifications, _decoded(projections))
    items = [BatchItem(n, decoded.get(n.id)) for n in notifications]
    by_topic: dict[str, list[BatchItem]] = {}
    for item in items:
        by_topic.setdefault(item.notification.topic, []).append(item)
    lanes = [[name] for name, p in projections.items() if p.view.bulk]
    lanes.append([name for name, p in projections.items() if not p.view.bulk])
    lanes = [lane for lane in lanes if lane]
    if not lanes:
        return

    def run(lane: list[str]) -> None:
        _apply_lane({name: projections[name] for name in lane}, scanned, notifications, items, by_topic)

    *others, own = lanes
    running = [_lanes().submit(run, lane) for lane in others]
    failures: list[BaseException] = []
    try:
        run(own)
    except BaseException as failed:  # raised below, once every lane has ended
        failures.append(failed)
    wait(running)
    failures.extend(e for future in running if (e := future.exception()) is not None)
    if failures:
        raise failures[0]


def _apply_lane(
    projections: dict[str, Projection[ReadModelView]],
    scanned: dict[str, int],
    notifications: Sequence[Notification],
    items: Sequence[BatchItem],
    by_topic: Mapping[str, Sequence[BatchItem]],
) -> None:
    """One transaction for these views' share of the batch; their positions move once it has committed."""
    views = [projection.view for projection in projections.values()]
    with batch(views, notifications, pipelined=False) as curs:
        assert curs is not None
        for name, projection in projections.items():
            wanted: Sequence[BatchItem] = (
                sorted(
                    (i for t in projection.topics for i in by_topic.get(t, ())),
                    key=lambda i: i.notification.id,
                )
                if projection.topics
                else items
            )
            # Those it has not seen: a view that was ahead of the others skips what it has applied.
            start = next((k for k, i in enumerate(wanted) if i.notification.id > scanned[name]), len(wanted))
            items_of = wanted[start:]
            if not items_of:
                continue
            one = _one_by_one(projection)
            if projection.view.bulk:
                projection.view.apply_bulk(curs, items_of, one)
            else:
                with pipeline(curs):
                    for item in items_of:
                        one(item)
    if notifications:
        for name in projections:
            scanned[name] = max(scanned[name], notifications[-1].id)


_LANES: ThreadPoolExecutor | None = None


def _lanes() -> ThreadPoolExecutor:
    """The threads that run a bulk batch's other lanes (one process's worker and rebuild share them)."""
    global _LANES  # made on first use: most processes never catch up in bulk
    if _LANES is None:
        _LANES = ThreadPoolExecutor(4, thread_name_prefix="bulk-lane")
    return _LANES


def _one_by_one(projection: Projection[ReadModelView]) -> Callable[[BatchItem], None]:
    """How the live path applies one event to this projection."""
    if isinstance(projection, StoredEventsProjection):
        fed = projection
        return lambda item: fed.process_stored(item.notification, item.tracking)
    return lambda item: projection.process_event(item.event, item.tracking)


def progress(db: Database) -> dict[str, tuple[int, int]]:
    """Each read model's position and the position it is due at (its last stored event's)."""
    found: dict[str, tuple[int, int]] = {}
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        for spec in PROJECTIONS:
            # A read model with no topics takes every event.
            due = conn.execute(
                "SELECT coalesce(max(notification_id), 0) FROM registry_events"
                " WHERE topic = ANY(%s) OR cardinality(%s::text[]) = 0",
                (list(spec.topics), list(spec.topics)),
            ).fetchone()
            found[spec.name] = (tracked(conn, spec), int((due or (0,))[0]))
    return found


def tracked(conn: psycopg.Connection[TupleRow], spec: ProjectionSpec) -> int:
    """The position a read model has reached, as its tracking table says."""
    at = conn.execute(
        sql.SQL("SELECT coalesce(max(notification_id), 0) FROM {} WHERE application_name = %s").format(
            sql.Identifier(spec.tracking_table)
        ),
        (APPLICATION_NAME,),
    ).fetchone()
    return int((at or (0,))[0])


def wait_until_current(
    db: Database, timeout: float = 300.0, on_progress: Callable[[int, int], None] | None = None
) -> None:
    """Block until every read model has projected every event it handles."""
    deadline = time.monotonic() + timeout
    while True:
        state = progress(db)
        done = sum(1 for at, due in state.values() if at >= due)
        if on_progress is not None:
            on_progress(done, len(state))
        if done == len(state):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the read models did not catch up: {state}")
        time.sleep(0.1)
