"""The database brought up to date under an advisory lock: numbered migrations, then the idempotent schema."""

# The tables no replay can make again (the event store, person keys, checkpoints, idempotency records) change
# only through numbered migrations in infra/migrations/, each applied once, in order, in a transaction of its
# own with the row that records it in `schema_migrations`. infra's roles and grants are schema.sql, applied
# whole at every start. The read models' tables are the projections' (projections/catalogue.py); one whose
# shape changes is rebuilt from the events (`compacts rebuild`), never altered by hand.

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from typing import Any

import psycopg
from psycopg import sql

from infra.database import READER_ROLE, Database
from infra.event_store import create_event_store

log = logging.getLogger(__name__)

# Whatever fixed number will do; it only has to differ from the projection workers' lock keys.
MIGRATION_LOCK_KEY = 7_100_001
MIGRATIONS_TABLE = "schema_migrations"
# The migrations that describe what release 0.1.0 made, before migrations were numbered, and the tables they
# make: a database that has those tables but no record of migrations gets these recorded as its baseline.
BASELINE_VERSION = 1
BASELINE_TABLES = ("registry_events", "person_keys", "checkpoints", "idempotent_requests")
FILE_NAME = re.compile(r"(\d{4})_([a-z0-9_]+)\.sql")

RECORDS = f"""
CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (
    version int PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    release text NOT NULL,
    baseline boolean NOT NULL DEFAULT false
)
"""


class MigrationRefused(Exception):
    """The database and this release's migrations disagree; nothing was changed."""


@dataclass(frozen=True)
class Migration:
    """One numbered file of infra/migrations/."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


@dataclass(frozen=True)
class Applied:
    """A migration as `schema_migrations` records it."""

    version: int
    name: str
    checksum: str
    applied_at: datetime
    release: str
    baseline: bool


def schema_sql() -> str:
    return resources.files("infra").joinpath("schema.sql").read_text(encoding="utf-8")


def migrations(source: Traversable | None = None) -> list[Migration]:
    """This release's migrations in order; numbered from 1 with no gap, so none can be skipped."""
    folder = source if source is not None else resources.files("infra").joinpath("migrations")
    found = []
    for entry in folder.iterdir():
        if not entry.name.endswith(".sql"):
            continue
        named = FILE_NAME.fullmatch(entry.name)
        if named is None:
            raise ValueError(f"{entry.name}: a migration is named NNNN_words.sql, such as 0002_add_index.sql")
        found.append(Migration(int(named[1]), named[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations must be numbered 1, 2, 3... with no gap: {[m.label for m in found]}")
    return found


def _release() -> str:
    try:
        return metadata.version("compact-registry")
    except metadata.PackageNotFoundError:
        return "unknown"


def _tables(conn: psycopg.Connection[Any]) -> set[str]:
    rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall()
    return {r[0] for r in rows}


def applied(conn: psycopg.Connection[Any]) -> list[Applied]:
    """What `schema_migrations` records, in order; nothing before the first migration ran."""
    if MIGRATIONS_TABLE not in _tables(conn):
        return []
    columns = "version, name, checksum, applied_at, release, baseline"
    rows = conn.execute(f"SELECT {columns} FROM {MIGRATIONS_TABLE} ORDER BY version").fetchall()
    return [Applied(*row) for row in rows]


def _refuse_disagreements(recorded: list[Applied], wanted: list[Migration]) -> None:
    known = {m.version: m for m in wanted}
    for done in recorded:
        mine = known.get(done.version)
        if mine is None:
            raise MigrationRefused(
                f"The database records migration {done.version:04d}_{done.name}, applied by release "
                f"{done.release}, which this release ({_release()}) does not have: run that release or a "
                "newer one; a database is never migrated back."
            )
        if mine.checksum != done.checksum:
            raise MigrationRefused(
                f"Migration {mine.label} differs from the one the database recorded (applied by release "
                f"{done.release}): a released migration is never edited; put the change in a new one."
            )


def _record_baseline(conn: psycopg.Connection[Any], wanted: list[Migration], release: str) -> list[Applied]:
    """A database made before migrations were numbered: the baseline's tables must all be there."""
    missing = [t for t in BASELINE_TABLES if t not in _tables(conn)]
    if missing:
        raise MigrationRefused(
            f"The database has an event store but no {', '.join(missing)}, so no release of the registry "
            "made it; point DATABASE_URL at the registry's database, or restore it from a backup."
        )
    for migration in wanted[:BASELINE_VERSION]:
        conn.execute(
            f"INSERT INTO {MIGRATIONS_TABLE} (version, name, checksum, release, baseline) "
            "VALUES (%s, %s, %s, %s, true)",
            (migration.version, migration.name, migration.checksum, release),
        )
        log.info("recorded migration %s as the baseline of a database made before 0.2.0", migration.label)
    return applied(conn)


def apply_migrations(conn: psycopg.Connection[Any], wanted: list[Migration]) -> list[Migration]:
    """Apply what the database has not had yet, each in its own transaction; return those applied.

    The caller holds the migration lock: without it two processes could both find a migration missing.
    """
    release = _release()
    with conn.transaction():
        existing = _tables(conn)
        conn.execute(RECORDS)
        recorded = applied(conn)
        if not recorded and "registry_events" in existing:
            recorded = _record_baseline(conn, wanted, release)
    _refuse_disagreements(recorded, wanted)
    done = {a.version for a in recorded}
    ran = []
    for migration in wanted:
        if migration.version in done:
            continue
        with conn.transaction():
            conn.execute(migration.sql.encode())
            conn.execute(
                f"INSERT INTO {MIGRATIONS_TABLE} (version, name, checksum, release) VALUES (%s, %s, %s, %s)",
                (migration.version, migration.name, migration.checksum, release),
            )
        log.info("applied migration %s", migration.label)
        ran.append(migration)
    return ran


def migrate(
    db: Database, reader_password: str | None = None, source: Traversable | None = None
) -> list[Migration]:
    """Bring tables, roles and grants up to date; safe to run from many processes at once.

    Returns the migrations this call applied (none when another process got there first). The read
    models' tracking tables are the projections' own (projections/catalogue.py `migrate`, which calls this
    first). The reading role may sign in (the API's reads log in as it); with `reader_password` it needs
    that password, which a server that does not trust local connections requires.
    """
    wanted = migrations(source)
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        # Serialise concurrent starts: a migration found missing by two processes would run twice, and
        # CREATE ... IF NOT EXISTS is not safe under a race either.
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            ran = apply_migrations(conn, wanted)
            login = sql.SQL("ALTER ROLE {} WITH LOGIN").format(sql.Identifier(READER_ROLE))
            if reader_password:
                login = sql.SQL("{} PASSWORD {}").format(login, sql.Literal(reader_password))
            _cluster_wide(conn, schema_sql().encode(), login)
            # The library's own statements (its row type) come after ours, so its CREATE TABLE IF NOT
            # EXISTS finds the event store already made.
            create_event_store(db)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    log.info("schema is up to date")
    return ran


def _cluster_wide(conn: psycopg.Connection[Any], *statements: bytes | sql.Composed) -> None:
    """Statements that touch roles, which belong to the whole server: the advisory lock is one database's,
    so another database migrating at the same moment may change the same role; PostgreSQL then refuses
    one of the two ("tuple concurrently updated"). Each statement is idempotent, so it is run again."""
    for statement in statements:
        for attempt in range(5):
            try:
                conn.execute(statement)
                break
            except psycopg.errors.InternalError_ as refused:
                if attempt == 4 or "concurrently updated" not in str(refused):
                    raise
                log.info("a role was changed by another database's migration at once; again")


def status(db: Database) -> list[Applied]:
    """The migrations the database records, for `compacts migrate` to show."""
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        return applied(conn)
