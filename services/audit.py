"""Auditors' checks, straight from the event store: recompute a tenant's hash chain and compare it."""

from __future__ import annotations

from collections.abc import Iterator

from psycopg import sql

from domain.actors import Actor
from domain.errors import Forbidden, Unauthenticated
from domain.events import ID_SEPARATOR
from infra.chain import StoredFact, Verified, verify
from services.registry import Registry

# One tenant's ids run from "slug:" up to, not including, "slug;" (';' follows ':' bytewise).
AFTER_SEPARATOR = chr(ord(ID_SEPARATOR) + 1)
STREAM_BATCH = 2000


def require_auditor(actor: Actor, tenant: str, doing: str) -> None:
    if actor.sub is None:
        raise Unauthenticated(f"Sign in to {doing}: send a token of an auditor or editor of '{tenant}'.")
    if not actor.can_audit(tenant):
        raise Forbidden(f"Only an auditor or editor of '{tenant}', or a platform-admin, may {doing}.")


class AuditService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _events(self, tenant: str) -> Iterator[StoredFact]:
        """The tenant's events in order, streamed by a server-side cursor, never loaded whole."""
        datastore = self.registry.recorder.datastore  # type: ignore[attr-defined]
        with datastore.get_connection() as conn, conn.transaction():
            query = sql.SQL(
                "SELECT originator_id, originator_version, topic, state FROM {} "
                "WHERE originator_id >= %s AND originator_id < %s ORDER BY notification_id"
            ).format(sql.Identifier("registry_events"))
            with conn.cursor(name="tenant_events_stream") as cursor:
                cursor.itersize = STREAM_BATCH
                cursor.execute(query, (tenant + ID_SEPARATOR, tenant + AFTER_SEPARATOR))
                for row in cursor:
                    yield StoredFact(
                        row["originator_id"], row["originator_version"], row["topic"], bytes(row["state"])
                    )

    def _published(self, tenant: str) -> dict[int, str]:
        datastore = self.registry.recorder.datastore  # type: ignore[attr-defined]
        with datastore.get_connection() as conn:
            rows = conn.execute(
                "SELECT position, hash FROM tenant_events WHERE tenant_id = %s", (tenant,)
            ).fetchall()
        return {int(r["position"]): str(r["hash"]) for r in rows}

    def verify_history(self, actor: Actor, tenant: str) -> Verified:
        """Recompute the chain from the event store and name the first position that differs."""
        require_auditor(actor, tenant, "verify the history")
        self.registry.require_tenant(tenant)
        return verify(self._events(tenant), self._published(tenant))
