"""The event store in PostgreSQL as eventsourcing keeps it: how commands write it, how read models read it."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg
from eventsourcing.application import Application
from eventsourcing.persistence import (
    ApplicationRecorder,
    DatetimeAsISO,
    DecimalAsStr,
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    Notification,
    StoredEvent,
    UUIDAsHex,
)
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore, PostgresFactory
from eventsourcing.utils import Environment, EnvType
from psycopg.conninfo import make_conninfo
from psycopg.pq import TransactionStatus
from psycopg.sql import SQL, Identifier, Literal

from infra.availability import Availability, guard
from infra.database import EXTRA_CONNINFO, Database
from infra.metrics import GROUP_COMMIT_SIZE
from infra.settings import Settings

APPLICATION_NAME = "Registry"
# eventsourcing names the event table after the application: `registry_events`.
EVENTS_TABLE = "registry_events"


def store_env(db: Database, *, create_tables: bool = False) -> dict[str, str]:
    """The eventsourcing settings of the registry's event store."""
    return {
        # This module: eventsourcing.postgres, refusing at once while the database is down, group commit.
        "PERSISTENCE_MODULE": f"{__name__}:EventStoreFactory",
        "ORIGINATOR_ID_TYPE": "text",
        "CREATE_TABLE": "yes" if create_tables else "no",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "10",
        # How long a caller waits for a pooled connection; also how long one that was waiting when the
        # database stopped takes to hear of it (later callers are refused at once: infra.availability).
        "POSTGRES_CONNECT_TIMEOUT": "2",
        # No round trip to test each pooled connection before use (it cost a fifth of the append rate):
        # a connection that died with a restarted server fails its statement, the pool drops it, and
        # eventsourcing retries the operation on another (see infra.availability).
        "POSTGRES_PRE_PING": "no",
        # A writer that cannot take the table lock in time gives up instead of queueing forever.
        "POSTGRES_LOCK_TIMEOUT": "10",
        **aggregate_cache(),
        **db.eventsourcing_env(),
    }


def in_memory_env() -> dict[str, str]:
    """The same store in this process's memory (eventsourcing's POPO module), for the services' unit tests."""
    return {"PERSISTENCE_MODULE": "eventsourcing.popo", "ORIGINATOR_ID_TYPE": "text"}


def aggregate_cache() -> dict[str, str]:
    """Keep recently used aggregates in memory, brought up to date from the store on every load.

    A register with a thousand parties is otherwise rebuilt from all its events on every command. Each
    load still reads the events recorded since (by any process), so the cache never answers with a
    stale state while events are only ever appended. `COMPACTS_AGGREGATE_CACHE=0` turns it off: the
    tests do, because they empty the event store between tests, which nothing else ever does.
    """
    size = Settings.from_env().aggregate_cache
    if size <= 0:
        return {}
    return {
        "AGGREGATE_CACHE_MAXSIZE": str(size),
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }


# A command's outcome in a group: its events' notification ids, or why it was not stored.
Outcome = Sequence[int] | BaseException
# Writes several commands' events in one transaction and tells each command its own outcome; raises when the
# transaction as a whole failed, and then nothing was stored.
GroupWriter = Callable[[Sequence[Sequence[StoredEvent]]], Sequence[Outcome]]


def held_lock() -> threading.Lock:
    lock = threading.Lock()
    lock.acquire()
    return lock


@dataclass
class Pending:
    """One command's events, waiting for a leader to write them; then their ids, or why they failed."""

    stored: Sequence[StoredEvent]
    done: threading.Event = field(default_factory=threading.Event)
    ids: Sequence[int] = ()
    error: BaseException | None = None
    # Released once for each reason the command's thread must wake: its outcome is known, or it is its turn
    # to lead the next group. Only that thread waits on it, so a group's end wakes no thread in vain.
    wake: threading.Lock = field(default_factory=held_lock)


def version_taken(event: StoredEvent) -> IntegrityError:
    """What a command hears when another command already holds one of its aggregates' versions."""
    return IntegrityError(
        f"duplicate key: version {event.originator_version} of {event.originator_id} is already recorded"
    )


class GroupCommit:
    """Writes concurrent commands' events together, keeping each aggregate's optimistic concurrency.

    The event store serialises writers (a table lock keeps notification ids gapless), so commands from
    many threads would otherwise commit one after another, one transaction each. Here a command that
    finds the store free leads: it takes every command queued meanwhile and writes all their events in
    one transaction, while the next group queues behind it. `write` answers each command in the group on
    its own: a command that lost a race for an aggregate's next version hears IntegrityError, the others
    are stored. Without such a writer, and whenever the group's transaction fails as a whole, the leader
    writes the group's commands one by one with `insert`, so each gets the outcome it would have had alone.
    Every command's thread raises only its own error; the leader never answers for the others.
    """

    def __init__(
        self,
        insert: Callable[[Sequence[StoredEvent]], Sequence[int] | None],
        write: GroupWriter | None = None,
    ) -> None:
        self._insert = insert
        self._write = write or self._all_or_nothing
        self._queue: list[Pending] = []
        self._queue_lock = threading.Lock()
        self._leading = False  # whether some thread is writing a group; the queue waits for it
        self.transactions = 0  # how many transactions wrote events: fewer than commands under load

    def put(self, stored: Sequence[StoredEvent]) -> Sequence[int]:
        mine = Pending(stored)
        with self._queue_lock:
            self._queue.append(mine)
            leads = not self._leading
            self._leading = True
        if not leads:
            mine.wake.acquire()  # until its outcome is known, or it is handed the next group
        if not mine.done.is_set():
            self._lead()
        if mine.error is not None:
            raise mine.error
        return mine.ids

    def _lead(self) -> None:
        """Write everyone queued, then hand the commands that queued meanwhile to the first of them."""
        try:
            self._write_queued()
        finally:
            with self._queue_lock:
                if self._queue:
                    # That thread wakes to lead; the rest of the group's threads sleep on until it is done.
                    self._queue[0].wake.release()
                else:
                    self._leading = False

    def _write_queued(self) -> None:
        """Write every queued command; each learns its own outcome, and only its own."""
        group: list[Pending] = []
        try:
            with self._queue_lock:
                group, self._queue = self._queue, []
            if group and self._write_together(group):
                return
            # The group's transaction failed as a whole: a command whose events break nothing is stored,
            # and an outage reaches each command that was not stored.
            for pending in group:
                self._write_one(pending)
        finally:
            for pending in group:
                if pending.error is None and len(pending.ids) != len(pending.stored):
                    pending.error = RuntimeError("the write was interrupted before this command was stored")
                pending.done.set()
                pending.wake.release()

    def _write_together(self, group: list[Pending]) -> bool:
        try:
            outcomes = self._write([p.stored for p in group])
        except Exception:
            return False
        self.transactions += 1
        # The commands whose events the transaction wrote: one that lost a version race wrote nothing.
        written = sum(1 for outcome in outcomes if not isinstance(outcome, BaseException))
        if written:
            GROUP_COMMIT_SIZE.observe(written)
        for pending, outcome in zip(group, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                pending.error = outcome
            else:
                pending.ids = outcome
        return True

    def _all_or_nothing(self, commands: Sequence[Sequence[StoredEvent]]) -> list[Outcome]:
        """Every command's events in one insert: all stored, or the insert's error for the whole group."""
        if len(commands) > 1:
            ids = self._insert([s for stored in commands for s in stored]) or []
        else:
            ids = self._insert(commands[0]) or []
        outcomes: list[Outcome] = []
        start = 0
        for stored in commands:
            outcomes.append(ids[start : start + len(stored)])
            start += len(stored)
        return outcomes

    def _write_one(self, pending: Pending) -> None:
        try:
            pending.ids = self._insert(pending.stored) or []
            self.transactions += 1
            GROUP_COMMIT_SIZE.observe(1)
        except Exception as error:
            pending.error = error


def segments(commands: Sequence[Sequence[StoredEvent]]) -> list[list[int]]:
    """The commands in order, cut wherever one holds an (aggregate, version) that an earlier one in the
    same segment holds: within a segment no two commands can clash, so one statement decides each."""
    cuts: list[list[int]] = [[]]
    keys: set[tuple[str, int]] = set()
    for index, stored in enumerate(commands):
        mine = {(str(s.originator_id), s.originator_version) for s in stored}
        if keys & mine:
            cuts.append([])
            keys = set()
        cuts[-1].append(index)
        keys |= mine
    return [cut for cut in cuts if cut]


# How many segment sizes keep their INSERT rendered and prepared: a group rarely holds more events.
SEGMENT_STATEMENTS = 64


class GroupCommittingRecorder(PostgresApplicationRecorder):
    """eventsourcing's PostgreSQL recorder, writing concurrent commands' events together (GroupCommit).

    A group is one transaction in one round trip: the table lock, the NOTIFY, and one INSERT per segment
    of the group (segments()), pipelined. Each INSERT leaves out the commands that would break an
    (aggregate, version) key already stored, by the events before it in the table or in earlier segments,
    and those commands hear IntegrityError, as each would have written alone. The table lock is taken
    before the INSERT reads the table, so no other writer can store a clashing version in between.
    """

    def __init__(self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events") -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        self.group = GroupCommit(self._insert_alone, self.write_group)
        table = SQL("{}.{}").format(Identifier(self.datastore.schema), Identifier(self.events_table_name))
        # Rendered once: composing statements for every group cost as much Python as the rest of a write.
        self._begin = [
            b"BEGIN",
            SQL("SET LOCAL lock_timeout = '{}s'").format(self.datastore.lock_timeout).as_bytes(),
            # The lock eventsourcing takes (_lock_table): notification ids are issued in commit order.
            SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(table).as_bytes(),
            SQL("NOTIFY {}").format(Identifier(self.channel_name)).as_bytes(),
        ]
        self._table, self._id_type = table, Identifier(self.datastore.originator_id_type)
        # Each group size's statement, rendered once (`_insert_segment`).
        self._segment_statements: dict[int, bytes] = {}

    def _insert_segment(self, rows: int) -> bytes:
        """The INSERT of a segment of `rows` events, each row's values a parameter of its own.

        Rows of VALUES, not arrays: with arrays (`unnest(%s::bytea[], ...)`) a group of one took 0.65 to
        1.1 ms between BEGIN and COMMIT, against 0.25 to 0.27 ms with VALUES (psycopg's pipeline, 2,000
        groups): PostgreSQL parsing the array literals, and psycopg building them, cost more than the write.
        """
        statement = self._segment_statements.get(rows)
        if statement is None:
            row = SQL("(%s::{id_type}, %s::bigint, %s::text, %s::bytea, %s::integer, {position})")
            values = SQL(", ").join(
                row.format(id_type=self._id_type, position=Literal(position)) for position in range(rows)
            )
            statement = (
                SQL(
                    "WITH batch (originator_id, originator_version, topic, state, command, position) AS ("
                    " VALUES {values}"
                    ") "
                    "INSERT INTO {table} (originator_id, originator_version, topic, state) "
                    "SELECT originator_id, originator_version, topic, state FROM batch "
                    # Each row's key probed by its own correlated subquery, which PostgreSQL runs as an
                    # index probe per row: as a join, its plan turned to a scan of the whole event table
                    # with a hash whenever the table's statistics lagged its growth (0.8 ms at 3,000
                    # events, and growing with the store).
                    "WHERE command <> ALL (ARRAY("
                    " SELECT b.command FROM batch b WHERE (SELECT 1 FROM {table} e"
                    " WHERE e.originator_id = b.originator_id AND e.originator_version = b.originator_version"
                    ") IS NOT NULL"
                    ")) "
                    "ORDER BY position "
                    "RETURNING originator_id, originator_version, notification_id"
                )
                .format(values=values, table=self._table)
                .as_bytes()
            )
            if len(self._segment_statements) < SEGMENT_STATEMENTS:
                self._segment_statements[rows] = statement
        return statement

    def _insert_alone(self, stored_events: Sequence[StoredEvent]) -> Sequence[int] | None:
        ids: Sequence[int] | None = super().insert_events(stored_events)
        return ids

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: object) -> Sequence[int] | None:
        # eventsourcing's Application.save passes `tracking=None` on every save: only a position to track
        # (a process application's) is not ours to group.
        if kwargs.get("tracking") is not None or kwargs.keys() - {"tracking"} or not stored_events:
            ids: Sequence[int] | None = super().insert_events(stored_events, **kwargs)
            return ids
        return self.group.put(stored_events)

    def write_group(self, commands: Sequence[Sequence[StoredEvent]]) -> list[Outcome]:
        """Store the commands in one transaction and one round trip; each learns its own outcome."""
        cuts = segments(commands)
        failure: Exception | None = None
        with self.datastore.get_connection() as conn:
            inserts = []
            try:
                # The pipeline's end sends the one Sync and reads every result: a sync() inside it would
                # cost a second round trip, for the end's own Sync.
                with conn.pipeline():
                    # Statements whose results nobody reads share one cursor: a cursor each cost more than
                    # sending them.
                    control = conn.cursor()
                    for statement in self._begin:
                        control.execute(statement, prepare=True)
                    for cut in cuts:
                        numbered = [(n, s) for n in cut for s in commands[n]]
                        cursor = conn.cursor()
                        values = [
                            value
                            for n, s in numbered
                            for value in (s.originator_id, s.originator_version, s.topic, s.state, n)
                        ]
                        # Prepared only for the sizes kept: a rare size is planned once and forgotten.
                        statement = self._insert_segment(len(numbered))
                        cursor.execute(statement, values, prepare=len(numbered) in self._segment_statements)
                        inserts.append(cursor)
                    control.execute(b"COMMIT")
                rows = [cursor.fetchall() for cursor in inserts]
            except Exception as error:
                failure = error
            if failure is not None:
                if conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
                    # A connection that broke meanwhile cannot roll back: the pool drops it, and the
                    # caller hears the failure itself, not the rollback's.
                    with contextlib.suppress(psycopg.Error):
                        conn.rollback()
                raise failure
        outcomes: dict[int, Outcome] = {}
        for cut, returned in zip(cuts, rows, strict=True):
            # Each segment's own rows: a later segment's command may hold the key an earlier one stored.
            stored = {
                (str(r["originator_id"]), r["originator_version"]): r["notification_id"] for r in returned
            }
            for n in cut:
                ids = [stored.get((str(s.originator_id), s.originator_version)) for s in commands[n]]
                taken = next((s for s, i in zip(commands[n], ids, strict=True) if i is None), None)
                outcomes[n] = version_taken(taken) if taken is not None else [i for i in ids if i is not None]
        return [outcomes[n] for n in range(len(commands))]


class EventStoreFactory(PostgresFactory):
    """eventsourcing's PostgreSQL persistence, refusing at once while the database is down; group commit."""

    application_recorder_class = GroupCommittingRecorder

    def __init__(self, env: Environment | EnvType | None) -> None:
        super().__init__(env)
        parts = {
            "dbname": self.env.get(self.POSTGRES_DBNAME),
            "host": self.env.get(self.POSTGRES_HOST),
            "port": self.env.get(self.POSTGRES_PORT),
            "user": self.env.get(self.POSTGRES_USER),
            "password": self.env.get(self.POSTGRES_PASSWORD),
        }
        # The URL's other options (sslmode, sslrootcert, application_name...), which eventsourcing has no
        # keys for: libpq joins the pool's conninfo with the keywords eventsourcing passes each connection.
        extra = self.env.get(EXTRA_CONNINFO) or ""
        self.datastore.pool.conninfo = extra
        conninfo = make_conninfo(extra, **{k: v for k, v in parts.items() if v})
        guard(self.datastore, Availability(conninfo))


def create_event_store(db: Database) -> None:
    """Make the event table as eventsourcing lays it out, where it is missing."""
    factory = InfrastructureFactory.construct(
        env=Environment(APPLICATION_NAME, store_env(db, create_tables=True))
    )
    try:
        factory.application_recorder()  # creates its table as it is constructed
    finally:
        factory.close()


def datastore_of(app: Application[str]) -> PostgresDatastore:
    """The connection pool behind an application's event store, for the adapters that share it."""
    recorder = app.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        raise TypeError("the registry's event store is not in PostgreSQL")
    return recorder.datastore


# Any integer of 18 digits or fewer fits in 64 bits. A state has a run of 19 digits where its bytes, with
# every digit made "0" and every other byte a space, hold 19 "0"s in a row: two passes in C, where the
# regular expression [0-9]{19} cost more than orjson's whole parse (5 against 1.4 us for a register event).
_DIGITS_ONLY = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x20 for byte in range(256))
_LONG_RUN = b"0" * 19


def has_long_digit_run(data: bytes) -> bool:
    """Whether `data` holds 19 ASCII digits in a row."""
    return _LONG_RUN in data.translate(_DIGITS_ONLY)


class ReadingTranscoder(JSONTranscoder):
    """eventsourcing's JSON transcoder, decoding with orjson where that gives the same objects.

    A rebuild decodes every event it reads, and the standard library's decoder with an object hook was a
    fifth of a rebuild's time. orjson parses, then each object goes through the same hook, innermost
    first, as `json` calls it. Whatever orjson refuses and `json` accepts (an escaped lone surrogate, NaN,
    a number too large for a double) is decoded by `json`, as before; so is any state with a run of 19
    digits, because orjson reads an integer past 64 bits as a float, where `json` keeps it exact.
    """

    def decode(self, data: bytes) -> object:
        if has_long_digit_run(data):
            return super().decode(data)
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError:
            return super().decode(data)
        if type(parsed) is dict:
            return self._hooked(parsed)
        if type(parsed) is list:
            return self._hooked_list(parsed)
        return parsed

    def _hooked(self, value: dict[str, Any]) -> object:
        # `type(...) is` rather than isinstance: this runs for every object of every event read, and JSON
        # gives only plain dicts and lists.
        for key, inner in value.items():
            kind = type(inner)
            if kind is dict:
                value[key] = self._hooked(inner)
            elif kind is list:
                value[key] = self._hooked_list(inner)
        if len(value) == 2:
            return self._decode_obj(value)
        return value

    def _hooked_list(self, value: list[Any]) -> list[object]:
        for index, inner in enumerate(value):
            kind = type(inner)
            if kind is dict:
                value[index] = self._hooked(inner)
            elif kind is list:
                value[index] = self._hooked_list(inner)
        return value


class EventReader:
    """Reads the event store in order, as the read models do: stored notifications and their domain events.

    The read side's own way in, so that projections never need the write side's application.
    """

    def __init__(self, env: dict[str, str]) -> None:
        self.factory = InfrastructureFactory.construct(env=Environment(APPLICATION_NAME, env))
        self.recorder: ApplicationRecorder = self.factory.application_recorder()
        transcoder = ReadingTranscoder()
        # The transcodings eventsourcing's Application registers, so that events read back alike.
        for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
            transcoder.register(transcoding)
        self.mapper: Mapper[str] = self.factory.mapper(transcoder=transcoder)

    def select(self, start: int, limit: int, topics: Sequence[str] = ()) -> Sequence[Notification]:
        return self.recorder.select_notifications(start=start, limit=limit, topics=topics)

    def close(self) -> None:
        self.factory.close()
