"""The auditors' view of the event store and the signed checkpoints, in PostgreSQL (services/ports.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from eventsourcing.postgres import PostgresDatastore
from psycopg import sql
from psycopg.rows import tuple_row

from domain.events import ID_SEPARATOR
from infra.chain import Checkpoint, LinkFormats, StoredFact
from infra.event_store import EVENTS_TABLE

# One tenant's ids run from "slug:" up to, not including, "slug;" (';' follows ':' bytewise).
AFTER_SEPARATOR = chr(ord(ID_SEPARATOR) + 1)
# Rows fetched per round trip of the server-side cursor: at ~300 bytes an event, a few MB at a time,
# so the round trips are a small part of the time and memory stays flat however long the chain.
STREAM_BATCH = 20_000
LINK_FORMATS = "SELECT from_notification_id, link_format FROM chain_link_formats ORDER BY 1"
# Tenants whose newest event is past their newest checkpoint (or that have none yet).
DUE = """
SELECT e.tenant_id FROM (SELECT tenant_id, max(position) AS head FROM tenant_events GROUP BY tenant_id) e
LEFT JOIN (SELECT tenant_id, max(position) AS signed FROM checkpoints GROUP BY tenant_id) c USING (tenant_id)
WHERE c.signed IS NULL OR c.signed < e.head
ORDER BY e.tenant_id
"""


class PostgresAuditStore:
    """Reads the stored bytes of a tenant's events and keeps checkpoints, on the event store's own pool."""

    def __init__(self, datastore: PostgresDatastore) -> None:
        self.datastore = datastore

    def stored_events(self, tenant: str) -> Iterator[StoredFact]:
        """The tenant's events in order, each with its link's format, fetched many thousands at a time.

        The rows arrive in binary (bytea as its bytes, not hex text to decode) as plain tuples in the
        order of StoredFact's fields, and the link format is worked out by the server, so each row
        becomes an event with no Python work but the tuple's own.
        """
        make = StoredFact._make
        with self.datastore.get_connection() as conn, conn.transaction():
            formats = link_formats(conn)
            # Newest format first: the first boundary an event is at or past is its format's.
            cases = sql.SQL(" ").join(
                sql.SQL("WHEN notification_id >= {} THEN {}").format(sql.Literal(first), sql.Literal(form))
                for first, form in sorted(formats.starts, reverse=True)
            )
            query = sql.SQL(
                "SELECT originator_id, originator_version, topic, state, CASE {} ELSE 1 END FROM {} "
                "WHERE originator_id >= %s AND originator_id < %s ORDER BY notification_id"
            ).format(cases, sql.Identifier(EVENTS_TABLE))
            with conn.cursor(name="tenant_events_stream", binary=True, row_factory=tuple_row) as cursor:
                cursor.itersize = STREAM_BATCH
                cursor.execute(query, (tenant + ID_SEPARATOR, tenant + AFTER_SEPARATOR))
                while rows := cursor.fetchmany(STREAM_BATCH):
                    yield from map(make, rows)

    def tenants(self) -> list[str]:
        """Every tenant, those with the longest histories first (so parallel checks finish together)."""
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT t.tenant_id FROM tenants t LEFT JOIN tenant_events e USING (tenant_id)"
                " GROUP BY t.tenant_id ORDER BY count(e.position) DESC, t.tenant_id"
            ).fetchall()
        return [str(r["tenant_id"]) for r in rows]

    def published_hashes(self, tenant: str) -> dict[int, str]:
        # Pairs straight into a dict: no Python per row beyond the driver's own, for millions of rows.
        with self.datastore.get_connection() as conn, conn.cursor(row_factory=tuple_row) as cursor:
            cursor.execute("SELECT position, hash FROM tenant_events WHERE tenant_id = %s", (tenant,))
            return dict(cursor.fetchall())

    def checkpoints(self, tenant: str) -> list[Checkpoint]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT tenant_id, position, head_hash, signed_at, kid, signature FROM checkpoints"
                " WHERE tenant_id = %s ORDER BY position, kid",
                (tenant,),
            ).fetchall()
        return [
            Checkpoint(
                r["tenant_id"], int(r["position"]), r["head_hash"], r["signed_at"], r["kid"], r["signature"]
            )
            for r in rows
        ]

    def add_checkpoint(self, checkpoint: Checkpoint) -> None:
        c = checkpoint
        with self.datastore.get_connection() as conn:
            conn.execute(
                "INSERT INTO checkpoints (tenant_id, position, head_hash, signed_at, kid, signature)"
                " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                (c.tenant, c.position, c.head_hash, c.signed_at, c.kid, c.signature),
            )

    def due_for_checkpoint(self) -> list[str]:
        with self.datastore.get_connection() as conn:
            return [str(row["tenant_id"]) for row in conn.execute(DUE).fetchall()]

    def parent_of(self, tenant: str) -> str | None:
        with self.datastore.get_connection() as conn:
            row = conn.execute("SELECT parent_id FROM tenants WHERE tenant_id = %s", (tenant,)).fetchone()
        return None if row is None or row["parent_id"] is None else str(row["parent_id"])

    def children_of(self, tenant: str) -> list[str]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT tenant_id FROM tenants WHERE parent_id = %s ORDER BY tenant_id", (tenant,)
            ).fetchall()
        return [str(r["tenant_id"]) for r in rows]

    def states_of(self, originator_id: str) -> list[bytes]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT state FROM {} WHERE originator_id = %s ORDER BY originator_version").format(
                    sql.Identifier(EVENTS_TABLE)
                ),
                (originator_id,),
            ).fetchall()
        return [bytes(r["state"]) for r in rows]


def link_formats(conn: psycopg.Connection[Any]) -> LinkFormats:
    """The link formats' boundaries as the migrations recorded them (infra/migrations/0002)."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        rows = cursor.execute(LINK_FORMATS).fetchall()
    return LinkFormats(tuple((int(first), int(form)) for first, form in rows))
