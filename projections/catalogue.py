"""Every read model the worker keeps current, in one list, and the whole database's schema made ready."""

from __future__ import annotations

from collections.abc import Iterable

import psycopg
from psycopg import sql

from infra.database import READER_ROLE, Database
from infra.migrate import migrate as migrate_schema
from projections import (
    amendment_proposals,
    annual_reviews,
    codes_of_practice,
    compact_text,
    consultations,
    disputes,
    funding_notices,
    register_of_parties,
    steering_group,
    tenant_directory,
    tenant_history,
    webhooks,
)
from projections.base import WORKER_ROLE, ProjectionSpec, Table
from projections.views import create_view_tables

# Any fixed number will do; it only has to differ from the schema's and the projections' lock keys.
TRACKING_LOCK_KEY = 7_100_003

PROJECTIONS: tuple[ProjectionSpec, ...] = (
    tenant_directory.READ_MODEL,
    compact_text.READ_MODEL,
    register_of_parties.READ_MODEL,
    codes_of_practice.READ_MODEL,
    steering_group.READ_MODEL,
    amendment_proposals.READ_MODEL,
    annual_reviews.READ_MODEL,
    disputes.READ_MODEL,
    consultations.READ_MODEL,
    funding_notices.READ_MODEL,
    tenant_history.READ_MODEL,
    webhooks.READ_MODEL,
)
# Every read model's tables, in the order a worker writes them: its projections in the order above, each
# projection's tables in the order it declares them. Whatever locks many of them (a truncation, a rebuild's
# swap) takes its locks in this order too, and so never deadlocks with a worker.
TABLES: tuple[Table, ...] = tuple(table for spec in PROJECTIONS for table in spec.tables)

# The tables of read models there are no longer. The rules tenants once set by hand are no read model
# now: figures come from commitments (ADR 0008).
RETIRED = ("compact_rules", "compact_rules_tracking")

EVERY_ROW = sql.SQL("USING (true) WITH CHECK (true)")


def projections_for(topics: tuple[str, ...]) -> list[ProjectionSpec]:
    """The read models that a command's events change, which its response must wait for."""
    wanted = set(topics)
    # A read model with no topics takes every event (the tenant history).
    return [p for p in PROJECTIONS if not p.topics or wanted & set(p.topics)]


def secured(tables: Iterable[Table]) -> sql.Composed:
    """Row-level security, policies and grants of read-model tables, whatever they had before.

    ENABLE and FORCE on every table, so that no query can forget a tenant filter; the owner (migrations)
    and the worker role keep every row, and the reading role sees the rows each table's `readers` names.
    Grants are revoked first, so that a table swapped in by a rebuild ends as a new database's does.
    """
    reader, worker = sql.Identifier(READER_ROLE), sql.Identifier(WORKER_ROLE)
    statements: list[sql.Composable] = []
    for table in tables:
        name = sql.Identifier(table.name)
        statements += [
            sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(name),
            sql.SQL("ALTER TABLE {} FORCE ROW LEVEL SECURITY").format(name),
            # FORCE applies to the owner too.
            sql.SQL("DROP POLICY IF EXISTS owner_all ON {}").format(name),
            sql.SQL("CREATE POLICY owner_all ON {} FOR ALL TO CURRENT_USER {}").format(name, EVERY_ROW),
            sql.SQL("DROP POLICY IF EXISTS worker ON {}").format(name),
            sql.SQL("CREATE POLICY worker ON {} FOR ALL TO {} {}").format(name, worker, EVERY_ROW),
            sql.SQL("DROP POLICY IF EXISTS reader ON {}").format(name),
            sql.SQL("CREATE POLICY reader ON {} FOR SELECT TO {} USING ({})").format(
                name, reader, sql.SQL(table.readers)
            ),
            *_granted(name),
        ]
    return sql.SQL(";\n").join(statements)


def tracking_granted(specs: Iterable[ProjectionSpec]) -> sql.Composed:
    """The grants of read models' tracking tables: their positions are no one's secret."""
    return sql.SQL(";\n").join(
        statement for spec in specs for statement in _granted(sql.Identifier(spec.tracking_table))
    )


def _granted(table: sql.Identifier) -> list[sql.Composable]:
    reader, worker = sql.Identifier(READER_ROLE), sql.Identifier(WORKER_ROLE)
    return [
        sql.SQL("REVOKE ALL ON {} FROM {}, {}").format(table, reader, worker),
        sql.SQL("GRANT SELECT ON {} TO {}").format(table, reader),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(table, worker),
    ]


def migrate(db: Database, reader_password: str | None = None) -> None:
    """The database made ready: infra's schema and the event store, then every read model's tables.

    Safe to run from many processes at once: each half runs under an advisory lock of its own. The read
    models' half is one transaction: its tables, their security, and their tracking tables' grants.
    """
    migrate_schema(db, reader_password)
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (TRACKING_LOCK_KEY,))
        try:
            create_view_tables(db, PROJECTIONS)
            script = [
                *(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(t)) for t in RETIRED),
                *(sql.SQL(spec.ddl()) for spec in PROJECTIONS),
                secured(TABLES),
                tracking_granted(PROJECTIONS),
            ]
            # One simple query: its statements commit together or not at all.
            conn.execute(sql.SQL(";\n").join(script))
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (TRACKING_LOCK_KEY,))
