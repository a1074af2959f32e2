"""What every read model shares: its declared tables, its tracking table, the NOTIFY that wakes waiters."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, ClassVar, TypeVar

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.abc import Params
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composed, Identifier

from infra.event_store import APPLICATION_NAME

# "As recorded at" with no time given: everything recorded so far.
LATEST = datetime.max.replace(tzinfo=UTC)

# Mutations LISTEN here to return only once the read models include their own write.
PROJECTED_CHANNEL = "compacts_projected"


# Projections write as this role: it may change the read models and their tracking rows, and nothing
# else (not the event store, not the person keys, not checkpoints).
WORKER_ROLE = "compacts_worker"

# Who may read a table's rows: the condition of its reader policy (row-level security). Every row, or the
# rows of tenants the reader is a member of (infra/schema.sql's compacts_member: its members, its auditors,
# platform admins). A table may give a condition of its own.
PUBLIC = "true"
MEMBERS = "compacts_member(tenant_id)"

# One SQL statement and its parameters.
Statement = tuple[str, Params]


@dataclass(frozen=True)
class Table:
    """One table of a read model, as the migration, the rebuild and the tests need it."""

    name: str
    # The columns that order its rows, so that a replay's rows compare with the live ones.
    order_by: str
    # Which rows the reading role sees: PUBLIC, MEMBERS, or a condition of the table's own.
    readers: str = PUBLIC


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One event of a catch-up batch: as stored, and decoded once for every read model."""

    notification: Notification
    # The domain event, for read models that take decoded events; None for those fed the stored form.
    event: object | None

    @property
    def tracking(self) -> Tracking:
        """Its position, made when asked: a batch records only a few of its thousands."""
        return Tracking(APPLICATION_NAME, self.notification.id)


# How a view in bulk hands an event back to its projection, to be applied as the live path applies it.
OneByOne = Callable[[BatchItem], None]


class ReadModelView(PostgresTrackingRecorder):
    """A view whose every update commits together with its tracking row, then announces itself."""

    projection_name: str = ""
    # True when the view applies a catch-up batch at once (`apply_bulk`); otherwise the bulk path hands
    # it the batch's events one by one, as the live path does.
    bulk: ClassVar[bool] = False
    # Set while the view takes part in a batch: its writes go into the batch's transaction, and only
    # its last position is recorded, once, when the batch ends.
    _batch: Cursor[DictRow] | None = None
    _first: Tracking | None = None
    _pending: Tracking | None = None

    @contextmanager
    def writing(self) -> Iterator[Cursor[DictRow]]:
        """A transaction that runs as the worker role, whatever user the process logged in as."""
        if self._batch is not None:
            yield self._batch
            return
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"SET LOCAL ROLE {WORKER_ROLE}")
            if self.datastore.schema != "public":
                # A rebuild writes into shadow tables of the same names in a schema of its own.
                curs.execute(
                    SQL("SET LOCAL search_path TO {}, public").format(Identifier(self.datastore.schema))
                )
            yield curs

    def apply(self, tracking: Tracking, *statements: Statement) -> None:
        """Run the statements, record the position and notify, all in one transaction."""
        with self.writing() as curs:
            for sql, params in statements:
                curs.execute(sql, params)
            self.track(curs, tracking)

    @property
    def batching(self) -> bool:
        return self._batch is not None

    def prepare(self, curs: Cursor[DictRow], notifications: Sequence[Notification]) -> None:
        """Before a batch: read, in one round trip, what its events will need.

        A view may keep what it has written and would otherwise read back in later batches, but only while
        batching: the worker that holds a projection's lock is its tables' only writer, a failed batch
        forgets it (`forget`), and a write outside a batch must read afresh.
        """

    def forget(self) -> None:
        """After a batch, committed or not: drop whatever `prepare` read and the batch remembered."""

    def apply_bulk(self, curs: Cursor[DictRow], items: Sequence[BatchItem], one_by_one: OneByOne) -> None:
        """Apply a catch-up batch's events at once, in memory where it can, writing each table in a few
        statements; an event it has no bulk form for goes to `one_by_one`, in its place in the order.

        Called inside `batch(..., pipelined=False)`, with `prepare` already run. The rows must be exactly
        those the live path writes event by event: `compacts check-read-models` compares the two.
        """
        raise NotImplementedError(f"{type(self).__name__} has no bulk path")

    def insert_tracking(self, tracking: Tracking) -> None:
        """An event the view has nothing to write for: only its position, and in the batch if there is one.

        The library's own version commits in a transaction of its own, which inside a batch would record
        a position whose batch might yet roll back, and the events before it would never be applied.
        """
        with self.writing() as curs:
            self.track(curs, tracking)

    def track(self, curs: Cursor[DictRow], tracking: Tracking) -> None:
        if self._batch is not None and self._first is not None:
            # The bulk path records a batch's first position before its events (`apply_bulk`), and
            # may hand that first event on to be applied one by one: a position already recorded is not
            # recorded again, which the tracking row would refuse.
            if tracking.notification_id > self._first.notification_id:
                self._pending = tracking
            return
        # Outside a batch, and for a batch's first event: the tracking row refuses a position it has
        # passed (IntegrityError), so a worker that lost its lock mid-batch cannot apply again what
        # the worker that took over has applied. The batch's last position is recorded at its end.
        self._record(curs, tracking)
        if self._batch is not None:
            self._first = tracking

    def _record(self, curs: Cursor[DictRow], tracking: Tracking) -> None:
        self._insert_tracking(curs, tracking)
        if self.datastore.schema not in ("", "public"):
            return  # a rebuild's shadow tables: the live read model has not reached this position
        # pg_notify is transactional: listeners hear of the position only once it is visible.
        curs.execute(
            "SELECT pg_notify(%s, %s)",
            (PROJECTED_CHANNEL, f"{self.projection_name}:{tracking.notification_id}"),
        )


@contextmanager
def batch(
    views: Sequence[ReadModelView], notifications: Sequence[Notification], *, pipelined: bool = True
) -> Iterator[Cursor[DictRow] | None]:
    """One transaction for many events and views: a replay commits once per batch, not once per event.

    Each view records only the last position it reached, which is all its tracking table needs; a
    waiting mutation compares positions, so hearing of the last one also answers for those before it.
    If any event fails, the whole batch rolls back and is applied again from the same position.
    `pipelined=False` is the bulk path's: it writes a few statements per table, which need no pipeline,
    and uses one (`pipeline`) only around the events it applies one by one.
    """
    if not views:
        yield None
        return
    # Every write runs on the first view's connection, role and search_path: all must share them.
    assert all(view.datastore is views[0].datastore for view in views), "a batch spans one datastore"
    with views[0].writing() as curs, pipeline(curs) if pipelined else nullcontext():
        # Pipeline mode sends each write without waiting for its answer; a read waits only for itself.
        try:
            for view in views:
                view._batch, view._pending, view._first = curs, None, None
                view.prepare(curs, notifications)
            yield curs
            for view in views:
                if view._pending is not None:
                    view._record(curs, view._pending)
        finally:
            for view in views:
                view._batch, view._pending, view._first = None, None, None
                view.forget()


V = TypeVar("V", bound=ReadModelView)


class StoredEventsProjection(Projection[V]):
    """A projection fed each event as the event store holds it (its bytes), not decoded."""

    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        raise TypeError(f"{self.name} is fed stored notifications, not domain events")

    def process_stored(self, notification: Notification, tracking: Tracking) -> None:
        raise NotImplementedError


def staged(
    curs: Cursor[DictRow], table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> Identifier:
    """Rows copied (COPY) into a temporary table of `table`'s columns, gone when the transaction ends.

    The bulk path writes a read model's table from there in one statement. COPY straight into the table
    is refused: PostgreSQL does not COPY into a table under row-level security, as every read model is.
    """
    stage = Identifier(f"staged_{table}_{next(_stages)}")
    names = SQL(", ").join(map(Identifier, columns))
    curs.execute(
        SQL("CREATE TEMPORARY TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
            stage, names, Identifier(table)
        )
    )
    return _copied(curs, stage, names, rows)


def staged_as(
    curs: Cursor[DictRow], name: str, columns: Mapping[str, str], rows: Iterable[Sequence[object]]
) -> Identifier:
    """As `staged`, into a temporary table of the given columns and types, for a table whose rows are
    made from the staged ones by SQL (`INSERT ... SELECT` with expressions)."""
    stage = Identifier(f"staged_{name}_{next(_stages)}")
    definition = SQL(", ").join(
        SQL("{} {}").format(Identifier(column), SQL(kind)) for column, kind in columns.items()
    )
    curs.execute(SQL("CREATE TEMPORARY TABLE {} ({}) ON COMMIT DROP").format(stage, definition))
    return _copied(curs, stage, SQL(", ").join(map(Identifier, columns)), rows)


def _copied(
    curs: Cursor[DictRow], stage: Identifier, names: SQL | Composed, rows: Iterable[Sequence[object]]
) -> Identifier:
    with curs.copy(SQL("COPY {} ({}) FROM STDIN").format(stage, names)) as copy:
        for row in rows:
            copy.write_row(row)
    return stage


def insert_staged(
    curs: Cursor[DictRow], table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
) -> None:
    """New rows, many at once: COPY, then one INSERT (see `staged`)."""
    stage = staged(curs, table, columns, rows)
    names = SQL(", ").join(map(Identifier, columns))
    curs.execute(SQL("INSERT INTO {} ({}) SELECT {} FROM {}").format(Identifier(table), names, names, stage))


# Numbers the temporary tables, so that one transaction may stage a table more than once.
_stages = itertools.count()


@contextmanager
def pipeline(curs: Cursor[DictRow]) -> Iterator[None]:
    """Statements sent without waiting for each answer, until the block ends (psycopg's pipeline mode)."""
    with curs.connection.pipeline():
        yield


@dataclass(frozen=True)
class ProjectionSpec:
    """A read model as the worker, the migration, the rebuild and the API see it.

    Its tables are declared here once, in the order its view writes them, and made by the `.sql` file beside
    the projection's module, named after it: `projections/tenant_directory.sql` for
    `projections/tenant_directory.py`.
    """

    projection: type[Projection[Any]]
    view: type[ReadModelView]
    tables: tuple[Table, ...]

    @property
    def name(self) -> str:
        return self.projection.name

    def ddl(self) -> str:
        """Its tables' definitions: idempotent statements, run at every start."""
        package, _, module = self.projection.__module__.rpartition(".")
        return resources.files(package).joinpath(f"{module}.sql").read_text(encoding="utf-8")

    @property
    def tracking_table(self) -> str:
        # The eventsourcing factory names a view's tracking table after the projection.
        return f"{self.name.lower()}_tracking"

    @property
    def topics(self) -> tuple[str, ...]:
        return self.projection.topics


def json_object(column: str | None) -> dict[str, object] | None:
    """A jsonb column that holds an object, as asyncpg hands it over (its text); SQL's NULL is None."""
    if column is None:
        return None
    decoded: dict[str, object] = json.loads(column)
    return decoded


def json_objects(column: str) -> list[dict[str, object]]:
    """A jsonb column that holds a list of objects, as asyncpg hands it over (its text)."""
    decoded: list[dict[str, object]] = json.loads(column)
    return decoded
