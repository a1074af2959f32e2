"""What the database says of the read side: each read model's lag and holder, each tenant's checkpoint age."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import psycopg
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from psycopg import sql

from infra.database import Database
from infra.event_store import APPLICATION_NAME, EVENTS_TABLE
from projections.catalogue import PROJECTIONS
from projections.worker import LOCK_NAMESPACE

# Events behind are counted up to this many: a read model being rebuilt from nothing would otherwise make
# every scrape count the whole store.
COUNT_CAP = 100_000
# A scrape or a readiness probe within this long of the last reuses its answer: /metrics and /health/ready
# answer anyone who asks, and must not become a way to load the database.
REUSE_SECONDS = 2.0
CONNECT_TIMEOUT_SECONDS = 2
STATEMENT_TIMEOUT_MS = 5000

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lag:
    """How far a read model is behind the event store."""

    position: int
    events_behind: int
    # Since the oldest event it has not projected was recorded; 0 when it has projected every one.
    seconds_behind: float


@dataclass(frozen=True)
class Snapshot:
    """The read side as the database saw it at one moment; `up` is False when it did not answer."""

    up: bool
    lag: dict[str, Lag] = field(default_factory=dict)
    # Read model -> the worker holding its lock (host:pid), for the read models some worker holds.
    holders: dict[str, str] = field(default_factory=dict)
    # Tenant slug -> seconds since its newest signed checkpoint (signed_at is ISO 8601 text).
    checkpoint_ages: dict[str, float] = field(default_factory=dict)

    def lagging(self, max_seconds: float) -> list[str]:
        """The read models whose oldest unprojected event is older than `max_seconds`."""
        return sorted(
            name for name, lag in self.lag.items() if lag.events_behind and lag.seconds_behind > max_seconds
        )


def _lag_query() -> sql.Composed:
    """One statement for every read model: its position, the events it handles past it, the oldest one's age.

    Each part is a range scan of the event store's primary key from the read model's position, so a read
    model that is current costs one index probe. An event's recorded time is in its stored state (JSON).
    """
    parts = []
    for spec in PROJECTIONS:
        parts.append(
            sql.SQL(
                "SELECT {name} AS name, t.at, b.behind, b.oldest FROM"
                " (SELECT coalesce(max(notification_id), 0) AS at FROM {tracking}"
                "  WHERE application_name = {app}) t,"
                " LATERAL (SELECT count(*) AS behind, min(e.notification_id) AS oldest FROM"
                "  (SELECT notification_id FROM {events} WHERE notification_id > t.at {topics}"
                "   ORDER BY notification_id LIMIT {cap}) e) b"
            ).format(
                name=sql.Literal(spec.name),
                tracking=sql.Identifier(spec.tracking_table),
                app=sql.Literal(APPLICATION_NAME),
                events=sql.Identifier(EVENTS_TABLE),
                topics=sql.SQL("AND topic = ANY({})").format(sql.Literal(list(spec.topics)))
                if spec.topics
                else sql.SQL(""),
                cap=sql.Literal(COUNT_CAP),
            )
        )
    lag = sql.SQL(" UNION ALL ").join(parts)
    return sql.SQL(
        "SELECT l.name, l.at, l.behind,"
        " coalesce(extract(epoch FROM now() - (convert_from(s.state, 'UTF8')::jsonb"
        "  #>> '{{timestamp,_data_}}')::timestamptz), 0)"
        " FROM ({lag}) l LEFT JOIN {events} s ON s.notification_id = l.oldest"
    ).format(lag=lag, events=sql.Identifier(EVENTS_TABLE))


LAG = _lag_query()
# A two-key advisory lock shows its keys as classid and objid; objid is hashtext's int4 read unsigned.
# pg_locks lists the whole server's locks: only this database's are this registry's.
HOLDERS = sql.SQL(
    "SELECT n.name, a.application_name FROM unnest({names}::text[]) AS n(name)"
    " JOIN pg_locks l ON l.locktype = 'advisory' AND l.classid = {namespace} AND l.objsubid = 2"
    "  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    "  AND l.objid::bigint = (hashtext(n.name)::bigint & 4294967295) AND l.granted"
    " JOIN pg_stat_activity a ON a.pid = l.pid"
).format(names=sql.Literal([spec.name for spec in PROJECTIONS]), namespace=sql.Literal(LOCK_NAMESPACE))
CHECKPOINT_AGES = (
    "SELECT tenant_id, extract(epoch FROM now() - max(signed_at::timestamptz)) FROM checkpoints"
    " GROUP BY tenant_id"
)
# How projections.worker.worker_name begins.
WORKER_PREFIX = "compacts-worker "


def read_state(db: Database) -> Snapshot:
    """The read side as the database sees it now; a database that does not answer gives `up=False`."""
    try:
        with psycopg.connect(
            db.psycopg_conninfo(),
            connect_timeout=CONNECT_TIMEOUT_SECONDS,
            # A probe that waits on a stuck database answers "down" rather than hanging with it.
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
        ) as conn:
            lag = {
                str(name): Lag(int(at), int(behind), float(seconds) if behind else 0.0)
                for name, at, behind, seconds in conn.execute(LAG).fetchall()
            }
            holders = {
                str(name): str(holder).removeprefix(WORKER_PREFIX)
                for name, holder in conn.execute(HOLDERS).fetchall()
            }
            ages = {str(tenant): float(age) for tenant, age in conn.execute(CHECKPOINT_AGES).fetchall()}
    except psycopg.Error as error:
        # Down, too slow, or unable to answer (a database not yet migrated): a gauge of 0, not a failed page.
        log.warning("the read side's state could not be read: %s", error)
        return Snapshot(up=False)
    return Snapshot(up=True, lag=lag, holders=holders, checkpoint_ages=ages)


class ReadSideState:
    """The latest snapshot, taken again once it is REUSE_SECONDS old; safe from several threads."""

    def __init__(self, db: Database, reuse_seconds: float = REUSE_SECONDS) -> None:
        self.db = db
        self.reuse_seconds = reuse_seconds
        self._lock = threading.Lock()
        self._taken = float("-inf")
        self._last = Snapshot(up=False)

    def snapshot(self) -> Snapshot:
        with self._lock:
            if time.monotonic() - self._taken >= self.reuse_seconds:
                self._last = read_state(self.db)
                self._taken = time.monotonic()
            return self._last


class ReadSideCollector(Collector):
    """The database's answers as Prometheus gauges, read at each scrape (within REUSE_SECONDS)."""

    def __init__(self, state: ReadSideState) -> None:
        self.state = state

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snap = self.state.snapshot()
        yield GaugeMetricFamily(
            "compacts_database_up", "1 when the database answered this scrape's questions", value=int(snap.up)
        )
        behind = GaugeMetricFamily(
            "compacts_read_model_events_behind",
            f"Events a read model handles that it has not projected yet (counted up to {COUNT_CAP})",
            labels=["read_model"],
        )
        seconds = GaugeMetricFamily(
            "compacts_read_model_seconds_behind",
            "Seconds since the oldest event a read model has not projected was recorded (0 when current)",
            labels=["read_model"],
        )
        position = GaugeMetricFamily(
            "compacts_read_model_position",
            "The last event position a read model has projected",
            labels=["read_model"],
        )
        for name, lag in snap.lag.items():
            behind.add_metric([name], lag.events_behind)
            seconds.add_metric([name], lag.seconds_behind)
            position.add_metric([name], lag.position)
        holder = GaugeMetricFamily(
            "compacts_read_model_holder",
            "1 for the worker (host:pid) that holds a read model's lock and keeps it current",
            labels=["read_model", "worker"],
        )
        for name, worker in snap.holders.items():
            holder.add_metric([name, worker], 1)
        ages = GaugeMetricFamily(
            "compacts_checkpoint_age_seconds",
            "Seconds since a tenant's newest signed checkpoint (tenants with none are not listed)",
            labels=["tenant"],
        )
        for tenant, age in snap.checkpoint_ages.items():
            ages.add_metric([tenant], age)
        yield from (behind, seconds, position, holder, ages)
