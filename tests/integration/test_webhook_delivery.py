"""The delivery worker against real PostgreSQL and a real receiver: once, in order, across crashes, retried."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg.rows import DictRow, dict_row

from api.bootstrap import vault_of
from api.tools.webhook_receiver import Receiver, verified
from domain.actors import Actor, Role
from domain.commands import (
    AmendCompact,
    CreateTenant,
    CreateWebhook,
    DeleteWebhook,
    DraftCode,
    PublishCompact,
)
from domain.compact import Section
from domain.tenancy import Tier
from domain.webhooks import MAX_ATTEMPTS
from infra.database import Database
from infra.event_store import EventReader
from infra.webhook_sender import Sender
from infra.webhook_targets import PublicTargets
from projections.views import worker_env
from projections.webhook_delivery import DeliveryWorker, delivery_counts
from services.codes import CodeService
from services.compacts import CompactService
from services.registry import Registry
from services.tenants import TenantService
from services.webhooks import CreatedWebhook, WebhookService, new_secret
from tests.support import certificates, rows

ADMIN = Actor(sub="admin", roles=frozenset({Role.PLATFORM_ADMIN}))


class Clock:
    """The worker's clock, moved on by the test: retries fall due without waiting for them."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def harlow(clean_db: Database, registry: Registry) -> WebhookService:
    TenantService(registry).create_tenant(
        ADMIN, CreateTenant(slug="harlow", name="Harlow", tier=Tier.NATIONAL)
    )
    return WebhookService(registry, vault_of(registry), PublicTargets(allow_private=True))


def publish(registry: Registry) -> None:
    CompactService(registry, vault_of(registry)).publish(
        ADMIN,
        PublishCompact(
            tenant="harlow",
            title="Harlow Compact",
            effective_on=date(2020, 1, 1),
            sections=(Section("1", "Principles", "We work together.", ()),),
        ),
    )


def amend(registry: Registry, n: int) -> None:
    CompactService(registry, vault_of(registry)).amend(
        ADMIN,
        AmendCompact(
            tenant="harlow",
            effective_on=date(2021, 1, n),
            rationale=f"Change {n}.",
            upsert=(Section("1", "Principles", f"We work together, {n}.", ()),),
        ),
    )


@pytest.fixture
def connection(clean_db: Database) -> Iterator[psycopg.Connection[DictRow]]:
    with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True, row_factory=dict_row) as conn:
        yield conn


@pytest.fixture
def reader(clean_db: Database) -> Iterator[EventReader]:
    events = EventReader(worker_env(clean_db))
    yield events
    events.close()


def delivering(db: Database, clock: Clock | None = None, *, batch: int = 500) -> DeliveryWorker:
    sender = Sender(PublicTargets(allow_private=True), timeout=5)
    return DeliveryWorker(db, sender, timedelta(seconds=5), batch=batch, clock=clock or Clock())


def drain(worker: DeliveryWorker, conn: psycopg.Connection[DictRow], reader: EventReader) -> None:
    while worker.fan_out(conn, reader):
        pass
    while worker.send_due(conn):
        pass


def test_each_event_after_the_subscription_is_delivered_once_in_order_and_signed(
    clean_db: Database,
    registry: Registry,
    harlow: WebhookService,
    receiver: Receiver,
    connection: psycopg.Connection[DictRow],
    reader: EventReader,
) -> None:
    publish(registry)  # before the subscription: not sent
    created = harlow.create(ADMIN, CreateWebhook(tenant="harlow", url=receiver.url, events=("*",)))
    for n in (1, 2, 3):
        amend(registry, n)
    worker = delivering(clean_db)
    before = delivery_counts()["delivered"]
    drain(worker, connection, reader)
    drain(worker, connection, reader)  # nothing more to do: nothing sent twice
    bodies = [verified(created.secret, r) for r in receiver.all()]
    assert [b["type"] for b in bodies] == ["CompactAmended"] * 3
    assert [b["data"]["event"]["rationale"] for b in bodies] == ["Change 1.", "Change 2.", "Change 3."]
    assert len({r.headers["webhook-id"] for r in receiver.all()}) == 3
    assert (
        rows(clean_db, "SELECT status, attempts, response_status FROM webhook_deliveries")
        == [("DELIVERED", 1, 204)] * 3
    )
    assert delivery_counts()["delivered"] - before == 3
    worker.sender.close()


def test_a_crash_before_the_fan_out_commits_leaves_nothing_and_the_next_run_makes_each_delivery_once(
    clean_db: Database,
    registry: Registry,
    harlow: WebhookService,
    receiver: Receiver,
    connection: psycopg.Connection[DictRow],
    reader: EventReader,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    harlow.create(ADMIN, CreateWebhook(tenant="harlow", url=receiver.url, events=("CompactAmended",)))
    publish(registry)
    for n in (1, 2):
        amend(registry, n)
    worker = delivering(clean_db, batch=2)
    assert worker.fan_out(connection, reader) == 2  # the webhook's creation and the publication
    original = DeliveryWorker._fan_out

    def crash(self: DeliveryWorker, conn: psycopg.Connection[DictRow], notifications: object) -> None:
        original(self, conn, notifications)  # type: ignore[arg-type]
        raise RuntimeError("killed mid-batch")

    monkeypatch.setattr(DeliveryWorker, "_fan_out", crash)
    position = rows(clean_db, "SELECT notification_id FROM webhook_position")
    with pytest.raises(RuntimeError, match="killed mid-batch"):
        worker.fan_out(connection, reader)
    assert rows(clean_db, "SELECT count(*) FROM webhook_deliveries") == [(0,)]
    assert rows(clean_db, "SELECT notification_id FROM webhook_position") == position
    monkeypatch.setattr(DeliveryWorker, "_fan_out", original)
    drain(worker, connection, reader)
    assert rows(clean_db, "SELECT event, status FROM webhook_deliveries ORDER BY notification_id") == [
        ("CompactAmended", "DELIVERED"),
        ("CompactAmended", "DELIVERED"),
    ]
    assert len(receiver.all()) == 2
    worker.sender.close()


def test_a_delivery_sent_but_not_recorded_before_a_crash_is_sent_again_with_the_same_id(
    clean_db: Database,
    registry: Registry,
    harlow: WebhookService,
    receiver: Receiver,
    connection: psycopg.Connection[DictRow],
    reader: EventReader,
) -> None:
    created = harlow.create(ADMIN, CreateWebhook(tenant="harlow", url=receiver.url, events=("*",)))
    publish(registry)
    worker = delivering(clean_db)
    worker.fan_out(connection, reader)
    # The process dies after the POST, before recording it: the attempt is sent, the row stays pending.
    for due in worker.due(connection):
        worker._send(due)
    assert rows(clean_db, "SELECT status FROM webhook_deliveries") == [("PENDING",)]
    drain(worker, connection, reader)
    ids = [r.headers["webhook-id"] for r in receiver.all()]
    assert len(ids) == 2
    assert ids[0] == ids[1]
    assert [verified(created.secret, r)["type"] for r in receiver.all()] == ["CompactPublished"] * 2
    assert rows(clean_db, "SELECT status FROM webhook_deliveries") == [("DELIVERED",)]
    worker.sender.close()


def test_failures_back_off_then_the_subscription_is_disabled_and_later_deliveries_wait(
    clean_db: Database,
    registry: Registry,
    harlow: WebhookService,
    receiver: Receiver,
    connection: psycopg.Connection[DictRow],
    reader: EventReader,
) -> None:
    harlow.create(ADMIN, CreateWebhook(tenant="harlow", url=receiver.url, events=("*",)))
    publish(registry)
    amend(registry, 1)
    receiver.failing = True
    clock = Clock()
    worker = delivering(clean_db, clock)
    worker.fan_out(connection, reader)
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert worker.send_due(connection) == 1
        assert worker.send_due(connection) == 0  # not due again until its back-off has passed
        row = connection.execute(
            "SELECT attempts, next_attempt_at - last_attempt_at AS wait FROM webhook_deliveries"
            " ORDER BY notification_id LIMIT 1"
        ).fetchone()
        assert row is not None
        assert row["attempts"] == attempt
        waits.append(row["wait"])
        clock.at += timedelta(hours=2)
    # Each wait up to twice the one before (jitter takes up to half off), from about five seconds.
    assert timedelta(seconds=2.5) <= waits[0] <= timedelta(seconds=5)
    assert waits[3] > waits[0]
    # Only the first event was ever tried: the second waits behind it, in the tenant's order.
    assert {r.body for r in receiver.all()} == {receiver.all()[0].body}
    assert rows(clean_db, "SELECT event, status, attempts, response_status FROM webhook_deliveries ORDER BY notification_id") == [
        ("CompactPublished", "FAILED", MAX_ATTEMPTS, 503),
        ("CompactAmended", "PENDING", 0, None),
    ]  # fmt: skip
    assert rows(clean_db, "SELECT disabled_at IS NOT NULL, failures FROM webhook_targets") == [
        (True, MAX_ATTEMPTS)
    ]
    receiver.failing = False
    amend(registry, 2)
    drain(worker, connection, reader)
    # Disabled: nothing more is sent, and later events make no deliveries.
    assert len(receiver.all()) == MAX_ATTEMPTS
    assert rows(clean_db, "SELECT count(*) FROM webhook_deliveries") == [(2,)]
    worker.sender.close()


def private_ids(db: Database, webhook: str) -> set[str]:
    return {str(r[0]) for r in rows(db, f"SELECT id FROM webhook_deliveries WHERE webhook_id = '{webhook}'")}


def test_private_events_reach_only_a_subscription_that_asked_for_them_and_deletion_stops_deliveries(
    clean_db: Database,
    registry: Registry,
    harlow: WebhookService,
    receiver: Receiver,
    connection: psycopg.Connection[DictRow],
    reader: EventReader,
) -> None:
    public: CreatedWebhook = harlow.create(
        ADMIN, CreateWebhook(tenant="harlow", url=receiver.url, events=("*",))
    )
    private = harlow.create(
        ADMIN, CreateWebhook(tenant="harlow", url=receiver.url + "?all", events=("*",), include_private=True)
    )
    publish(registry)
    CodeService(registry).draft(
        ADMIN,
        DraftCode(
            tenant="harlow",
            key="draft",
            title="A draft",
            matters=("funding",),
            lead=None,
            drafted_on=date(2021, 1, 1),
        ),
    )
    worker = delivering(clean_db)
    drain(worker, connection, reader)
    # Each subscription's deliveries verify with its own secret.
    for r in receiver.all():
        verified(
            private.secret if r.headers["webhook-id"] in private_ids(clean_db, private.id) else public.secret,
            r,
        )
    sent = sorted(
        (webhook, event)
        for webhook, event in rows(clean_db, "SELECT webhook_id, event FROM webhook_deliveries")
    )
    assert sent == sorted([
        (public.id, "CompactPublished"), (private.id, "CompactPublished"), (private.id, "CodeDrafted"),
    ])  # fmt: skip
    harlow.delete(ADMIN, DeleteWebhook(id=private.id))
    amend(registry, 1)
    drain(worker, connection, reader)
    assert rows(clean_db, "SELECT webhook_id FROM webhook_deliveries WHERE event = 'CompactAmended'") == [
        (public.id,)
    ]
    # The deleted subscription's secret is erased with it.
    assert connection.execute(
        "SELECT count(*) AS n FROM person_keys WHERE subject = %s", (private.id,)
    ).fetchone() == {"n": 0}
    worker.sender.close()


def test_a_delivery_goes_to_the_address_that_was_checked_never_to_a_second_lookup(receiver: Receiver) -> None:
    port = receiver.server.server_address[1]
    lookups: list[str] = []

    def resolve(host: str, _port: int) -> list[str]:
        lookups.append(host)
        # The first answer is the receiver; any later lookup would point elsewhere (rebinding).
        return ["127.0.0.1"] if len(lookups) == 1 else ["127.0.0.2"]

    sender = Sender(PublicTargets(allow_private=True, resolve=resolve), timeout=5)
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    outcome = sender.send(
        f"http://receiver.invalid:{port}/hooks", secret, "msg_1", '{"a":1}', datetime.now(UTC)
    )
    sender.close()
    assert outcome.delivered
    assert lookups == ["receiver.invalid"]
    [received] = receiver.all()
    assert received.headers["host"] == f"receiver.invalid:{port}"
    assert verified(secret, received) == {"a": 1}


def test_a_name_that_resolves_to_a_private_address_at_sending_time_is_not_sent_to(receiver: Receiver) -> None:
    answers = iter([["93.184.215.14"], ["93.184.215.14", "127.0.0.1"]])
    targets = PublicTargets(allow_private=False, resolve=lambda _host, _port: next(answers))
    targets.check("https://hooks.example.org/x")  # public when the webhook was made
    sender = Sender(targets, timeout=5)
    outcome = sender.send(
        receiver.url, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_1", "{}", datetime.now(UTC)
    )
    sender.close()
    assert (outcome.delivered, outcome.status) == (False, None)
    assert outcome.error is not None
    assert "resolves to 127.0.0.1, a loopback address" in outcome.error
    assert receiver.all() == []


def test_over_tls_the_pinned_address_is_verified_against_the_urls_own_name(tmp_path: Path) -> None:
    made = certificates(tmp_path)  # for localhost and 127.0.0.1 only
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(made.cert, made.key)
    trust = ssl.create_default_context(cafile=str(made.ca))
    targets = PublicTargets(allow_private=True, resolve=lambda _host, _port: ["127.0.0.1"])
    with Receiver(tls) as receiver:
        port = receiver.server.server_address[1]
        sender = Sender(targets, timeout=5, verify=trust)
        now = datetime.now(UTC)
        named = sender.send(f"https://localhost:{port}/hooks", new_secret(), "msg_1", "{}", now)
        # The same address under a name the certificate does not hold: refused, though it holds the address.
        other = sender.send(f"https://other.invalid:{port}/hooks", new_secret(), "msg_2", "{}", now)
        sender.close()
    assert named.delivered
    assert not other.delivered
    assert other.error is not None
    assert "certificate" in other.error.lower()
    assert [r.headers["host"] for r in receiver.all()] == [f"localhost:{port}"]
