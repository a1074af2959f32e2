"""Rebuild read models from the event store into shadow tables, compare them, and swap them in atomically."""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from eventsourcing.projection import Projection
from psycopg import sql
from psycopg.rows import TupleRow

from infra.database import Database, scratch_database
from infra.event_store import EventReader
from projections.base import WORKER_ROLE, ProjectionSpec, ReadModelView
from projections.catalogue import PROJECTIONS, TABLES, migrate, secured, tracking_granted
from projections.views import _factory, construct_view, worker_env
from projections.worker import BULK_BATCH, LOCK_NAMESPACE, RELEASE_CHANNEL, apply_in_bulk

# How long a rebuild waits for the running workers to let go of the projections it swaps.
LOCK_WAIT_SECONDS = 60.0

# Every read model's table, with the columns that order its rows for a comparison.
READ_MODELS: dict[str, str] = {table.name: table.order_by for table in TABLES}
# The event store, the keys the projections need to open sealed personal data, and from which event on
# each link format of the hash chains is used (the replay must link each event as the live history did).
COPIED = {
    "registry_events": "originator_id, originator_version, topic, state, notification_id",
    "person_keys": "subject, key, created_at",
    "chain_link_formats": "link_format, from_notification_id",
}
# Tables the scratch database's own migration filled, which the live database's rows replace.
REPLACED = ("chain_link_formats",)


@dataclass(frozen=True)
class Difference:
    table: str
    live_rows: int
    replayed_rows: int
    differing_rows: int


def _copy(source: Database, target: Database) -> int:
    """Stream the event store (and person keys) into the scratch database, in order."""
    copied = 0
    with psycopg.connect(source.psycopg_conninfo()) as src, psycopg.connect(target.psycopg_conninfo()) as dst:
        for table in REPLACED:
            dst.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        for table, columns in COPIED.items():
            cols = sql.SQL(columns)
            out = sql.SQL("COPY (SELECT {} FROM {} ORDER BY 1, 2) TO STDOUT (FORMAT BINARY)").format(
                cols, sql.Identifier(table)
            )
            into = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table), cols)
            with src.cursor().copy(out) as reading, dst.cursor().copy(into) as writing:
                for block in reading:
                    writing.write(block)
        dst.execute(
            "SELECT setval('registry_events_notification_id_seq', coalesce(max(notification_id), 1))"
            " FROM registry_events"
        )
        row = dst.execute("SELECT count(*) FROM registry_events").fetchone()
        copied = int(row[0]) if row else 0
    return copied


def _columns(conn: psycopg.Connection[TupleRow], table: str) -> sql.Composable:
    """The table's row, its columns in name order: a table an upgrade added columns to holds them last,
    where a new database's holds them in place, and the two must still compare equal."""
    names = [
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s ORDER BY column_name",
            (table,),
        ).fetchall()
    ]
    return sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.Identifier(n) for n in names))


def digest(db: Database, table: str) -> str:
    """One hash of the table's rows, whatever order they are stored in: equal tables, equal digests."""
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        row = sql.SQL("md5({}::text)").format(_columns(conn, table))
        query = sql.SQL("SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM ")
        found = conn.execute(
            query + sql.SQL("(SELECT {} AS h FROM {}) AS rows").format(row, sql.Identifier(table))
        ).fetchone()
        assert found is not None
        return f"{found[0]}:{found[1]}"


def row_digests(db: Database, table: str) -> Counter[bytes]:
    """Each row's hash, as many times as the row is there: what two tables' differing rows are counted by.

    Streamed from a server-side cursor, so that a table of millions of rows costs tens of bytes a row here.
    """
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        row = _columns(conn, table)
        found: Counter[bytes] = Counter()
        with conn.cursor(name=f"digests_{table}") as cursor:
            cursor.itersize = 10_000
            cursor.execute(
                sql.SQL("SELECT decode(md5({}::text), 'hex') FROM {}").format(row, sql.Identifier(table))
            )
            for (hashed,) in cursor:
                found[bytes(hashed)] += 1
        return found


def replay(db: Database, progress: Callable[[int, int], None]) -> None:
    """Project every stored event into the database's empty read models by the bulk path."""
    app = EventReader(worker_env(db))
    factory = _factory(db)
    try:
        projections = {s.name: s.projection(view=construct_view(factory, s)) for s in PROJECTIONS}
        _catch_up(app, projections, dict.fromkeys(projections, 0), progress)
    finally:
        app.close()
        factory.close()


def check(live: Database, server: Database, progress: Callable[[int, int], None]) -> list[Difference]:
    """Replay everything by the bulk path into a scratch database; the tables whose rows differ from the
    live ones, which the live path (the worker, event by event) wrote."""
    with scratch_database(server, "replay") as replayed:
        migrate(replayed)
        _copy(live, replayed)
        replay(replayed, progress)
        differences = []
        for table in READ_MODELS:
            if digest(live, table) == digest(replayed, table):
                continue
            ours, theirs = row_digests(live, table), row_digests(replayed, table)
            differing = (ours - theirs).total() + (theirs - ours).total()
            if differing:
                differences.append(Difference(table, ours.total(), theirs.total(), differing))
        return differences


def _projection_specs(names: Sequence[str] | None) -> list[ProjectionSpec]:
    known = {p.name: p for p in PROJECTIONS}
    unknown = sorted(set(names or ()) - set(known))
    if unknown:
        raise ValueError(f"unknown read models {unknown}; they are: {', '.join(sorted(known))}")
    return [p for p in PROJECTIONS if not names or p.name in names]


def _shadow_tables(conn: psycopg.Connection[TupleRow], schema: str, specs: list[ProjectionSpec]) -> None:
    """Empty tables shaped like the live ones (columns, checks, keys, indexes), for the worker role."""
    tables = [t.name for s in specs for t in s.tables]
    ident = sql.Identifier(schema)
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(ident))
    for table in tables:
        conn.execute(
            sql.SQL("CREATE TABLE {}.{} (LIKE public.{} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)").format(
                ident, sql.Identifier(table), sql.Identifier(table)
            )
        )
    constraints = conn.execute(
        "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype"
        " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid"
        " WHERE t.relnamespace = 'public'::regnamespace AND t.relname = ANY(%s)"
        " AND c.contype IN ('p', 'u', 'f')"
        " ORDER BY c.contype DESC",  # keys before the foreign keys that need them
        (tables,),
    ).fetchall()
    # Unqualified names in the definitions resolve to the shadow tables.
    conn.execute(sql.SQL("SET search_path TO {}").format(ident))
    for table, name, definition, _kind in constraints:
        conn.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(sql.Identifier(table), sql.Identifier(name))
            + sql.SQL(definition)
        )
    # Indexes by the names the read model's own definitions give them, which a later migration looks for.
    for spec in specs:
        for statement in re.findall(r"CREATE (?:UNIQUE )?INDEX IF NOT EXISTS .*?;", spec.ddl(), re.DOTALL):
            conn.execute(statement.encode())
    conn.execute("SET search_path TO public")
    conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(ident, sql.Identifier(WORKER_ROLE)))
    conn.execute(
        sql.SQL("GRANT ALL ON ALL TABLES IN SCHEMA {} TO {}").format(ident, sql.Identifier(WORKER_ROLE))
    )


@contextmanager
def _locks(db: Database, specs: list[ProjectionSpec]) -> Iterator[None]:
    """Hold the projections' worker locks, asking the running workers to let go of them first."""
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        waiting = [s.name for s in specs]
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while waiting:
            for name in list(waiting):
                taken = conn.execute(
                    "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, name)
                ).fetchone()
                if taken and taken[0]:
                    waiting.remove(name)
                else:
                    conn.execute("SELECT pg_notify(%s, %s)", (RELEASE_CHANNEL, name))
            if waiting and time.monotonic() > deadline:
                raise TimeoutError(f"the workers did not let go of {waiting}")
            if waiting:
                time.sleep(0.05)
        yield  # the locks go when this connection closes


def _catch_up(
    app: EventReader,
    projections: dict[str, Projection[ReadModelView]],
    scanned: dict[str, int],
    progress: Callable[[int, int], None],
) -> None:
    """Replay every stored event into the shadow projections, streaming a batch at a time."""
    head = app.recorder.max_notification_id() or 0
    every = any(not p.topics for p in projections.values())
    topics = [] if every else sorted({t for p in projections.values() for t in p.topics})
    while True:
        start = min(scanned.values()) + 1
        batch = app.select(start, BULK_BATCH, topics)
        apply_in_bulk(app.mapper, projections, scanned, batch)
        progress(min(scanned.values()) if batch else head, head)
        if len(batch) < BULK_BATCH:
            return


def _compare(
    conn: psycopg.Connection[TupleRow], schema: str, tables: list[str], tenant: str | None
) -> list[Difference]:
    """Each table's rows against its shadow's, counted in the server: a million rows never come here."""
    differences = []
    for table in tables:
        where = sql.SQL(" WHERE tenant_id = %(tenant)s") if tenant else sql.SQL("")
        row = _columns(conn, table)
        live, rebuilt = (
            sql.SQL("SELECT md5({}::text) FROM {}{}").format(row, sql.Identifier(side, table), where)
            for side in ("public", schema)
        )
        query = sql.SQL(
            "SELECT (SELECT count(*) FROM ({live}) AS l), (SELECT count(*) FROM ({rebuilt}) AS r),"
            " (SELECT count(*) FROM"
            " (({live} EXCEPT ALL {rebuilt}) UNION ALL ({rebuilt} EXCEPT ALL {live})) AS d)"
        ).format(live=live, rebuilt=rebuilt)
        found = conn.execute(query, {"tenant": tenant}).fetchone()
        assert found is not None
        if found[2]:
            differences.append(Difference(table, found[0], found[1], found[2]))
    return differences


def _swap(conn: psycopg.Connection[TupleRow], schema: str, specs: list[ProjectionSpec]) -> None:
    """In one transaction: the live tables out, the shadow ones in, with the live ones' security."""
    read_tables = [t for s in specs for t in s.tables]
    tables = [*(t.name for t in read_tables), *(s.tracking_table for s in specs)]
    retired = f"{schema}_retired"
    with conn.transaction():
        conn.execute("SET LOCAL lock_timeout = '10s'")
        for table in tables:
            conn.execute(
                sql.SQL("LOCK TABLE public.{} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table))
            )
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(retired)))
        for table in tables:
            conn.execute(
                sql.SQL("ALTER TABLE public.{} SET SCHEMA {}").format(
                    sql.Identifier(table), sql.Identifier(retired)
                )
            )
            conn.execute(
                sql.SQL("ALTER TABLE {}.{} SET SCHEMA public").format(
                    sql.Identifier(schema), sql.Identifier(table)
                )
            )
        # Row-level security, policies and grants, exactly as a migration leaves them.
        conn.execute(secured(read_tables))
        conn.execute(tracking_granted(specs))
    conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(retired)))


def rebuild(
    live: Database,
    names: Sequence[str] | None = None,
    *,
    swap: bool,
    tenant: str | None = None,
    progress: Callable[[int, int], None] = lambda _done, _total: None,
) -> list[Difference]:
    """Replay the read models into shadow tables and compare them with the live ones; with `swap`,
    put the rebuilt tables in their place in one transaction, readers never finding a table missing.

    The live workers keep projecting while the history is replayed; only the last catch-up and the swap
    hold the projections' locks. `tenant` narrows the comparison, not the replay.
    """
    specs = _projection_specs(names)
    tables = [t.name for s in specs for t in s.tables]
    schema = f"rebuild_{os.getpid()}_{int(time.time())}"
    factory = _factory(live, schema=schema)
    app = EventReader(worker_env(live))
    try:
        with psycopg.connect(live.psycopg_conninfo(), autocommit=True) as conn:
            _shadow_tables(conn, schema, specs)
            try:
                views = {s.name: construct_view(factory, s) for s in specs}
                for view in views.values():
                    view.create_table()
                conn.execute(
                    sql.SQL("GRANT ALL ON ALL TABLES IN SCHEMA {} TO {}").format(
                        sql.Identifier(schema), sql.Identifier(WORKER_ROLE)
                    )
                )
                projections = {s.name: s.projection(view=views[s.name]) for s in specs}
                scanned = dict.fromkeys(projections, 0)
                _catch_up(app, projections, scanned, progress)
                with _locks(live, specs):
                    _catch_up(app, projections, scanned, progress)
                    differences = _compare(conn, schema, tables, tenant)
                    if swap:
                        _swap(conn, schema, specs)
            finally:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    finally:
        app.close()
        factory.close()
    return differences
