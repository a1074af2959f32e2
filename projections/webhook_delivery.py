"""Webhook deliveries: a tracked fan-out of the event store into a delivery log, then signed POSTs, retried.

Two steps, each safe against a crash at any point:
- The fan-out reads events after its position and, in one transaction, writes a delivery row for each event
  and subscription that wants it and moves its position past them. A crash before the commit leaves
  neither, and the next run makes the same rows again (their keys are the subscription and the event); so
  no delivery is lost or made twice.
- The sender POSTs each subscription's oldest pending delivery, then records the outcome. A crash between
  the POST and the record leaves the delivery pending, and it is sent again with the same webhook-id: at
  least once, across kill -9. A subscription's deliveries go in the order of its tenant's events.
One worker holds the advisory lock and delivers; any others wait to take over if it dies.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
from eventsourcing.persistence import Notification
from psycopg.rows import DictRow, dict_row

from domain.clock import LONDON
from domain.clock import now as clock_now
from domain.events import tenant_of
from domain.webhooks import MAX_ATTEMPTS, backoff, is_private, wants
from infra.database import Database
from infra.event_store import EventReader
from infra.metrics import WEBHOOK_DELIVERIES
from infra.personal import PREFIX as SEALED
from infra.personal import open_with
from infra.webhook_sender import Outcome, Sender
from projections.session_loop import SessionLoop
from projections.tenant_history import ENVELOPE, event_type, recorded_at
from projections.views import worker_env

log = logging.getLogger(__name__)

# The projections' advisory lock namespace; the second half is hashtext of this name.
LOCK_NAMESPACE = 7_100_002
LOCK_NAME = "webhook_delivery"
EVENTS_CHANNEL = "registry_events"
BATCH = 500
# Subscriptions sent to at once; each sends its own deliveries one at a time, in order.
SENDERS = 8
IDLE_SECONDS = 0.5
WITHHELD = "[personal data withheld]"

_counts: Counter[str] = Counter()
_counts_lock = threading.Lock()


def delivery_counts() -> dict[str, int]:
    """Attempts made by this process, by outcome: delivered, retrying (failed, to be tried again), failed
    (given up). For a metrics endpoint to read."""
    with _counts_lock:
        return {outcome: _counts[outcome] for outcome in ("delivered", "retrying", "failed")}


def _count(outcome: str) -> None:
    WEBHOOK_DELIVERIES.labels(outcome).inc()
    with _counts_lock:
        _counts[outcome] += 1


def _withheld(value: object) -> object:
    """The payload with sealed personal data replaced: a receiver holds no key to it, and should not."""
    if isinstance(value, str) and value.startswith(SEALED):
        return WITHHELD
    if isinstance(value, dict):
        return {k: _withheld(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_withheld(v) for v in value]
    return value


def delivery_id(webhook: str, notification_id: int) -> str:
    """The webhook-id header: the same for every attempt of one event to one subscription."""
    return f"msg_{webhook.rsplit('-', 1)[-1]}_{notification_id}"


@dataclass
class Target:
    webhook_id: str
    tenant: str
    url: str
    events: list[str]
    include_private: bool


@dataclass(frozen=True)
class Due:
    webhook_id: str
    notification_id: int
    id: str
    body: str
    attempts: int
    url: str
    secret: str | None


TARGETS = """
SELECT webhook_id, tenant_id, url, events, include_private FROM webhook_targets
WHERE tenant_id = ANY(%s) AND NOT deleted AND disabled_at IS NULL
"""
ADD_TARGET = """
INSERT INTO webhook_targets (webhook_id, tenant_id, url, events, include_private, sealed_secret,
                             created_position)
VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (webhook_id) DO NOTHING
"""
ADD_DELIVERY = """
INSERT INTO webhook_deliveries (webhook_id, notification_id, tenant_id, id, event, body, next_attempt_at)
VALUES (%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (webhook_id, notification_id) DO NOTHING
"""
# Each live subscription's oldest pending delivery: a later one waits until it is delivered or given up.
# One probe of the pending index per subscription, however many deliveries are waiting.
HEADS = """
SELECT t.webhook_id, d.notification_id, d.id, d.body, d.attempts, d.next_attempt_at, t.url, t.sealed_secret,
       k.key
FROM webhook_targets t
CROSS JOIN LATERAL (
    SELECT notification_id, id, body, attempts, next_attempt_at FROM webhook_deliveries d
    WHERE d.webhook_id = t.webhook_id AND d.status = 'PENDING' ORDER BY d.notification_id LIMIT 1
) AS d
LEFT JOIN person_keys k ON k.subject = t.webhook_id
WHERE NOT t.deleted AND t.disabled_at IS NULL
"""
DELIVERED = """
UPDATE webhook_deliveries SET status = 'DELIVERED', attempts = attempts + 1, last_attempt_at = %s,
       response_status = %s, last_error = NULL
WHERE webhook_id = %s AND notification_id = %s AND status = 'PENDING'
"""
RETRYING = """
UPDATE webhook_deliveries SET attempts = %s, last_attempt_at = %s, next_attempt_at = %s,
       response_status = %s, last_error = %s
WHERE webhook_id = %s AND notification_id = %s AND status = 'PENDING'
"""
GAVE_UP = """
UPDATE webhook_deliveries SET status = 'FAILED', attempts = %s, last_attempt_at = %s, response_status = %s,
       last_error = %s
WHERE webhook_id = %s AND notification_id = %s AND status = 'PENDING'
"""


def _targets(conn: psycopg.Connection[DictRow], tenants: list[str]) -> dict[str, dict[str, Target]]:
    """Each tenant's live subscriptions, by webhook id."""
    targets: dict[str, dict[str, Target]] = {t: {} for t in tenants}
    for r in conn.execute(TARGETS, (tenants,)).fetchall():
        targets[r["tenant_id"]][r["webhook_id"]] = Target(
            r["webhook_id"], r["tenant_id"], r["url"], list(r["events"]), r["include_private"]
        )
    return targets


def _add_target(conn: psycopg.Connection[DictRow], n: Notification, state: dict[str, object]) -> Target:
    """Records the subscription a WebhookCreated event made, and returns it."""
    originator = str(n.originator_id)
    events = state.get("events")
    target = Target(
        originator,
        tenant_of(originator),
        str(state["url"]),
        [str(e) for e in events] if isinstance(events, list) else [],
        bool(state.get("include_private")),
    )
    conn.execute(
        ADD_TARGET,
        (
            originator,
            target.tenant,
            target.url,
            target.events,
            target.include_private,
            state["secret"],
            n.id,
        ),
    )
    return target


def _deliveries(
    n: Notification, kind: str, state: dict[str, object], wanting: list[Target], due_at: datetime
) -> list[tuple[object, ...]]:
    """The delivery rows for one event: one for each of its tenant's subscriptions that wants it."""
    if not wanting:
        return []
    originator = str(n.originator_id)
    tenant = tenant_of(originator)
    at = recorded_at(state)
    payload = {k: v for k, v in state.items() if k not in ENVELOPE}
    private = is_private(kind, payload, at.astimezone(LONDON).date())
    body = json.dumps(
        {
            "type": kind,
            "timestamp": at.isoformat(),
            "data": {
                "tenant": tenant,
                "position": n.id,
                "aggregate": originator,
                "version": n.originator_version,
                "event": _withheld(payload),
            },
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return [
        (target.webhook_id, n.id, tenant, delivery_id(target.webhook_id, n.id), kind, body, due_at)
        for target in wanting
        if wants(target.events, target.include_private, kind, private)
    ]


class DeliveryWorker(SessionLoop):
    """Fans events out into deliveries and sends them, until told to stop."""

    thread_name = "webhook-delivery"
    label = "webhook delivery"

    def __init__(
        self,
        db: Database,
        sender: Sender,
        first_retry: timedelta,
        *,
        batch: int = BATCH,
        clock: Callable[[], datetime] = clock_now,
        rng: random.Random | None = None,
    ) -> None:
        super().__init__()
        self.db = db
        self.sender = sender
        self.first_retry = first_retry
        self.batch = batch
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - jitter, not a secret
        self.holding = False

    def stop(self, timeout: float = 15.0) -> None:
        super().stop(timeout)
        self.sender.close()

    def _session_ended(self) -> None:
        self.holding = False

    def _session(self) -> None:
        reader = EventReader(worker_env(self.db))
        conninfo = self.db.psycopg_conninfo()
        try:
            with (
                psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as lock,
                psycopg.connect(conninfo, autocommit=True, connect_timeout=5, row_factory=dict_row) as conn,
            ):
                lock.execute(f"LISTEN {EVENTS_CHANNEL}")
                while not self.stopping.is_set():
                    if not self.holding:
                        row = lock.execute(
                            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, LOCK_NAME)
                        ).fetchone()
                        self.holding = bool(row and row[0])
                        if not self.holding:
                            self.stopping.wait(1.0)
                            continue
                        log.info("webhook delivery: holding its lock")
                    more = self.fan_out(conn, reader) >= self.batch
                    self.send_due(conn)
                    list(lock.notifies(timeout=0.0 if more else IDLE_SECONDS, stop_after=1))
                    lock.execute("SELECT 1")
        finally:
            reader.close()

    def fan_out(self, conn: psycopg.Connection[DictRow], reader: EventReader) -> int:
        """Make the deliveries of the next batch of events and move past them, in one transaction."""
        with conn.transaction():
            row = conn.execute(
                "SELECT notification_id FROM webhook_position WHERE id = 1 FOR UPDATE"
            ).fetchone()
            position = int(row["notification_id"]) if row else 0
            notifications = reader.select(position + 1, self.batch)
            if not notifications:
                return 0
            self._fan_out(conn, notifications)
            conn.execute(
                "UPDATE webhook_position SET notification_id = %s WHERE id = 1", (notifications[-1].id,)
            )
        return len(notifications)

    def _fan_out(self, conn: psycopg.Connection[DictRow], notifications: Sequence[Notification]) -> None:
        """Writes a delivery row for each event and live subscription that wants it."""
        tenants = sorted({tenant_of(str(n.originator_id)) for n in notifications})
        targets = _targets(conn, tenants)
        due_at = self.clock()
        made: list[tuple[object, ...]] = []
        for n in notifications:
            originator = str(n.originator_id)
            tenant = tenant_of(originator)
            kind = event_type(n.topic)
            state: dict[str, object] = json.loads(n.state)
            # A subscription made or ended earlier in the batch applies to the events after it.
            if kind == "WebhookCreated":
                targets[tenant][originator] = _add_target(conn, n, state)
            elif kind == "WebhookDeleted":
                conn.execute("UPDATE webhook_targets SET deleted = true WHERE webhook_id = %s", (originator,))
                targets[tenant].pop(originator, None)
            else:
                made += _deliveries(n, kind, state, list(targets[tenant].values()), due_at)
        if made:
            # In one pipeline rather than a round trip each.
            with conn.cursor() as curs:
                curs.executemany(ADD_DELIVERY, made)

    def due(self, conn: psycopg.Connection[DictRow]) -> list[Due]:
        """Each live subscription's oldest pending delivery whose time has come."""
        at = self.clock()
        found = []
        for r in conn.execute(HEADS).fetchall():
            if r["next_attempt_at"] > at:
                continue
            key = bytes(r["key"]) if r["key"] is not None else None
            secret = open_with(key, r["webhook_id"], r["sealed_secret"]) if key is not None else None
            found.append(
                Due(
                    r["webhook_id"], r["notification_id"], r["id"], r["body"], r["attempts"], r["url"], secret
                )
            )
        return found

    def send_due(self, conn: psycopg.Connection[DictRow]) -> int:
        """Send what is due, one delivery per subscription at a time; returns how many were attempted."""
        due = [d for d in self.due(conn) if d.secret is not None]
        if not due:
            return 0
        with ThreadPoolExecutor(max_workers=min(SENDERS, len(due))) as pool:
            outcomes = list(pool.map(self._send, due))
        # Every outcome of the round in one transaction: one commit, not one per subscription.
        with conn.transaction():
            for delivery, (outcome, at) in zip(due, outcomes, strict=True):
                self.record(conn, delivery, outcome, at)
        return len(due)

    def _send(self, delivery: Due) -> tuple[Outcome, datetime]:
        assert delivery.secret is not None
        at = self.clock()
        return self.sender.send(delivery.url, delivery.secret, delivery.id, delivery.body, at), at

    def record(
        self, conn: psycopg.Connection[DictRow], delivery: Due, outcome: Outcome, at: datetime
    ) -> None:
        """The attempt's outcome and the subscription's health, together (in the round's transaction)."""
        attempts = delivery.attempts + 1
        key = (delivery.webhook_id, delivery.notification_id)
        with conn.transaction():
            if outcome.delivered:
                conn.execute(DELIVERED, (at, outcome.status, *key))
                conn.execute(
                    "UPDATE webhook_targets SET failures = 0 WHERE webhook_id = %s", (delivery.webhook_id,)
                )
                _count("delivered")
                return
            conn.execute(
                "UPDATE webhook_targets SET failures = failures + 1 WHERE webhook_id = %s",
                (delivery.webhook_id,),
            )
            if attempts >= MAX_ATTEMPTS:
                conn.execute(GAVE_UP, (attempts, at, outcome.status, outcome.error, *key))
                # Repeated failure: nothing more is sent until the subscription is made again.
                conn.execute(
                    "UPDATE webhook_targets SET disabled_at = %s WHERE webhook_id = %s",
                    (at, delivery.webhook_id),
                )
                log.warning("webhook %s disabled after %d failed attempts", delivery.webhook_id, attempts)
                _count("failed")
                return
            later = at + backoff(attempts, self.first_retry, self.rng)
            conn.execute(RETRYING, (attempts, at, later, outcome.status, outcome.error, *key))
            _count("retrying")
