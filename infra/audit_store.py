"""The auditors' view of the event store and the signed checkpoints, in PostgreSQL (services/ports.py)."""

from __future__ import annotations

from collections.abc import Iterator

from eventsourcing.postgres import PostgresDatastore
from psycopg import sql

from domain.events import ID_SEPARATOR
from infra.chain import Checkpoint, StoredFact
from infra.event_store import EVENTS_TABLE

# One tenant's ids run from "slug:" up to, not including, "slug;" (';' follows ':' bytewise).
AFTER_SEPARATOR = chr(ord(ID_SEPARATOR) + 1)
STREAM_BATCH = 2000
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
        with self.datastore.get_connection() as conn, conn.transaction():
            query = sql.SQL(
                "SELECT originator_id, originator_version, topic, state FROM {} "
                "WHERE originator_id >= %s AND originator_id < %s ORDER BY notification_id"
            ).format(sql.Identifier(EVENTS_TABLE))
            with conn.cursor(name="tenant_events_stream") as cursor:
                cursor.itersize = STREAM_BATCH
                cursor.execute(query, (tenant + ID_SEPARATOR, tenant + AFTER_SEPARATOR))
                for row in cursor:
                    yield StoredFact(
                        row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"])
                    )

    def published_hashes(self, tenant: str) -> dict[int, str]:
        with self.datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT position, hash FROM tenant_events WHERE tenant_id = %s", (tenant,)
            ).fetchall()
        return {int(r["position"]): str(r["hash"]) for r in rows}

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
