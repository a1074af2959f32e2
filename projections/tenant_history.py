"""Every event of a tenant in order, with its position and its link in the tenant's hash chain."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from eventsourcing.persistence import Notification, Tracking
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from domain.events import tenant_of
from infra.audit_store import link_formats
from infra.chain import GENESIS, LinkFormats, StoredFact, link
from projections.base import (
    MEMBERS,
    BatchItem,
    OneByOne,
    ProjectionSpec,
    ReadModelView,
    StoredEventsProjection,
    Table,
    staged_as,
)

NAME = "tenant_history"

LAST = "SELECT position, hash FROM tenant_events WHERE tenant_id = %s ORDER BY position DESC LIMIT 1"
# The same for many tenants at once: one probe of the primary key each.
LASTS = """
SELECT t.tenant_id, l.position, l.hash FROM unnest(%s::text[]) AS t (tenant_id)
CROSS JOIN LATERAL (
    SELECT position, hash FROM tenant_events e WHERE e.tenant_id = t.tenant_id ORDER BY position DESC LIMIT 1
) AS l
"""
# The library's own keys in an event's stored state: shown as fields of their own, not in the payload.
ENVELOPE = ("timestamp", "actor", "originator_topic")
# A tenant event as the view hands it to PostgreSQL: its columns and their types, in this order.
EVENT_COLUMNS = {
    "tenant_id": "text", "position": "bigint", "notification_id": "bigint", "originator_id": "text",
    "originator_version": "bigint", "type": "text", "state": "jsonb", "hash": "text", "previous_hash": "text",
}  # fmt: skip
# A row's recorded time, actor and payload come from the event's stored state, read by PostgreSQL: the
# live path and the bulk path share this one definition, and the bulk path's JSON is parsed by the server
# (beside the worker, on a core of its own) instead of by the worker's Python, event by event.
# `{events}` is a relation of EVENT_COLUMNS.
DERIVE = f"""
INSERT INTO tenant_events (tenant_id, position, notification_id, originator_id, originator_version, type,
                           recorded_at, actor, payload, hash, previous_hash)
SELECT tenant_id, position, notification_id, originator_id, originator_version, type,
       coalesce(state -> 'timestamp' ->> '_data_', state ->> 'timestamp')::timestamptz,
       state ->> 'actor',
       state - ARRAY[{", ".join(f"'{key}'" for key in ENVELOPE)}],
       hash, previous_hash
FROM {{events}}
"""
# The live path's: one event, its values as parameters.
INSERT = DERIVE.format(
    events=f"(VALUES ({', '.join(f'%s::{kind}' for kind in EVENT_COLUMNS.values())}))"
    f" AS e ({', '.join(EVENT_COLUMNS)})"
)


def event_type(topic: str) -> str:
    """`domain.register:Register.PartySigned` is a PartySigned."""
    return topic.rsplit(".", 1)[-1].rsplit(":", 1)[-1]


def recorded_at(state: Mapping[str, object]) -> datetime:
    """When the event was recorded: its stored timestamp, as eventsourcing's transcoder wrote it."""
    stamp = state["timestamp"]
    text = stamp["_data_"] if isinstance(stamp, dict) else stamp
    if not isinstance(text, str):
        raise TypeError(f"a stored event's timestamp is text, not {text!r}")
    return datetime.fromisoformat(text)


class TenantHistoryView(ReadModelView):
    projection_name = NAME
    bulk = True
    # While batching: each tenant's last position and hash, as this view wrote them.
    tails: dict[str, tuple[int, str]] = {}  # noqa: RUF012 (replaced per instance by `prepare`)
    # Which link format each event gets, by its notification id: fixed by the migrations, read once.
    formats: LinkFormats | None = None

    def _formats(self, curs: Cursor[DictRow]) -> LinkFormats:
        if self.formats is None:
            self.formats = link_formats(curs.connection)
        return self.formats

    def prepare(self, curs: Cursor[DictRow], notifications: Sequence[Notification]) -> None:
        """Each tenant's last link, for the tenants in the batch; a tenant new to the history has none."""
        tenants = sorted({tenant_of(str(n.originator_id)) for n in notifications})
        self.tails = dict.fromkeys(tenants, (0, GENESIS))
        curs.execute(LASTS, (tenants,))
        for row in curs.fetchall():
            self.tails[row["tenant_id"]] = (int(row["position"]), str(row["hash"]))

    def forget(self) -> None:
        self.tails = {}

    def append(self, notification: Notification, tracking: Tracking) -> None:
        tenant = tenant_of(str(notification.originator_id))
        with self.writing() as curs:
            tail = self.tails.get(tenant) if self.batching else None
            if tail is None:
                curs.execute(LAST, (tenant,))
                last = curs.fetchone()
                tail = (int(last["position"]), str(last["hash"])) if last else (0, GENESIS)
            row = linked(notification, tail, self._formats(curs).at(notification.id))
            curs.execute(INSERT, row)
            if self.batching:
                self.tails[tenant] = (row[1], row[7])
            self.track(curs, tracking)

    def apply_bulk(self, curs: Cursor[DictRow], items: Sequence[BatchItem], one_by_one: OneByOne) -> None:
        """Every link of the batch chained in memory from the tails `prepare` read, then one INSERT."""
        self.track(curs, items[0].tracking)
        rows: list[HistoryEvent] = []
        formats = self._formats(curs)
        for item in items:
            tenant = tenant_of(str(item.notification.originator_id))
            row = linked(item.notification, self.tails[tenant], formats.at(item.notification.id))
            rows.append(row)
            self.tails[tenant] = (row[1], row[7])
        stage = staged_as(curs, "tenant_events", EVENT_COLUMNS, rows)
        curs.execute(SQL(DERIVE).format(events=stage))
        self.track(curs, items[-1].tracking)


# A tenant event as the view hands it to PostgreSQL, in EVENT_COLUMNS' order; the state is the stored
# JSON's text, from which DERIVE takes the row's recorded time, actor and payload.
HistoryEvent = tuple[str, int, int, str, int, str, str, str, str]


def linked(notification: Notification, tail: tuple[int, str], link_format: int) -> HistoryEvent:
    """The event's row: the next position after its tenant's last, and its link, in `link_format`, chained
    to that one's."""
    originator_id = str(notification.originator_id)
    fact = StoredFact(
        originator_id, notification.originator_version, notification.topic, notification.state, link_format
    )
    position, previous = tail[0] + 1, tail[1]
    return (
        tenant_of(originator_id),
        position,
        notification.id,
        originator_id,
        notification.originator_version,
        event_type(notification.topic),
        notification.state.decode("utf-8"),
        link(previous, position, fact),
        previous,
    )


class TenantHistory(StoredEventsProjection[TenantHistoryView]):
    """Takes every event, as the event store holds it: its hash must be of the stored bytes."""

    name = NAME
    topics = ()

    def process_stored(self, notification: Notification, tracking: Tracking) -> None:
        self.view.append(notification, tracking)


# Its tables (tenant_history.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    TenantHistory,
    TenantHistoryView,
    tables=(Table("tenant_events", order_by="tenant_id, position", readers=MEMBERS),),
)


@dataclass(frozen=True)
class HistoryRow:
    position: int
    type: str
    recorded_at: datetime
    actor: str | None
    payload: Any  # the event's own fields as stored: whatever JSON its type holds
    hash: str
    previous_hash: str


async def history_page(
    conn: asyncpg.Connection,
    tenant: str,
    after: int,
    limit: int,
    before: int | None = None,
    *,
    backward: bool = False,
) -> tuple[list[HistoryRow], bool]:
    """Events between two positions, oldest first, and whether more follow (or, `backward`, come before:
    the page is then the last `limit` of them)."""
    rows = await conn.fetch(
        "SELECT position, type, recorded_at, actor, payload, hash, previous_hash FROM tenant_events"
        " WHERE tenant_id = $1 AND position > $2 AND ($4::bigint IS NULL OR position < $4)"
        f" ORDER BY position {'DESC' if backward else 'ASC'} LIMIT $3",
        tenant,
        after,
        limit + 1,
        before,
    )
    kept = rows[:limit]
    if backward:
        kept.reverse()
    page = [
        HistoryRow(
            r["position"],
            r["type"],
            r["recorded_at"],
            r["actor"],
            json.loads(r["payload"]),
            r["hash"],
            r["previous_hash"],
        )
        for r in kept
    ]
    return page, len(rows) > limit


async def published_hashes(conn: asyncpg.Connection, tenant: str) -> dict[int, str]:
    rows = await conn.fetch("SELECT position, hash FROM tenant_events WHERE tenant_id = $1", tenant)
    return {int(r["position"]): str(r["hash"]) for r in rows}
