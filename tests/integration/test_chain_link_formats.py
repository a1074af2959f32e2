"""Chains made before v2 links keep their v1 links: the history, a replay, verification and bundles agree."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.bootstrap import audit_store_of
from domain.actors import Actor, Role
from domain.commands import AssignSteeringRole, CreateTenant
from domain.steering_group import SteeringRole
from domain.tenancy import Tier
from infra.chain import GENESIS, LINK_V1, LINK_V2, StoredFact, link, verify_bundle
from infra.database import Database
from infra.tokens import KeyRing, key_id
from projections.rebuild import check
from projections.worker import ProjectionWorker, wait_until_current
from services.audit import AuditService
from services.registry import Registry
from services.steering_group import SteeringGroupService
from services.tenants import TenantService
from tests.conftest import _server, fresh_database

ADMIN = Actor(sub="admin", roles=frozenset({Role.PLATFORM_ADMIN}))
KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def upgraded_midway() -> Iterator[tuple[Database, Registry, AuditService]]:
    """Two tenants' first events stored under v1 links, as if the release bringing v2 came after them."""
    with fresh_database() as db:
        registry = Registry.connect(db)
        tenants = TenantService(registry)
        try:
            tenants.create_tenant(ADMIN, CreateTenant(slug="east", name="East", tier=Tier.NATIONAL))
            tenants.create_tenant(
                ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.REGIONAL, parent="east")
            )
            with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
                conn.execute(
                    "UPDATE chain_link_formats SET from_notification_id ="
                    " (SELECT max(notification_id) + 1 FROM registry_events) WHERE link_format = 2"
                )
            tenants.create_tenant(
                ADMIN, CreateTenant(slug="harlow", name="Harlow", tier=Tier.DISTRICT, parent="essex")
            )
            # Essex's chain: its creation under v1, then a steering group formed under v2.
            SteeringGroupService(registry).assign(
                ADMIN,
                AssignSteeringRole(
                    tenant="essex", role=SteeringRole.CHAIR, holder="Essex CVS", since=date(2020, 1, 1)
                ),
            )
            worker = ProjectionWorker(db)
            worker.start()
            try:
                wait_until_current(db, timeout=60)
            finally:
                worker.stop()
            audit = AuditService(
                registry, audit_store_of(registry), KeyRing(KEY, {key_id(KEY.public_key()): KEY.public_key()})
            )
            yield db, registry, audit
        finally:
            registry.close()


def stored(db: Database, tenant: str) -> list[tuple[int, StoredFact, str]]:
    """The tenant's events as stored, each with its notification id and the hash the history published."""
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        rows = conn.execute(
            "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, e.state, h.hash"
            " FROM registry_events e JOIN tenant_events h USING (notification_id)"
            " WHERE h.tenant_id = %s ORDER BY h.position",
            (tenant,),
        ).fetchall()
    return [(r[0], StoredFact(r[1], r[2], r[3], bytes(r[4])), r[5]) for r in rows]


def test_events_stored_before_v2_keep_v1_links_and_later_ones_are_linked_by_v2(
    upgraded_midway: tuple[Database, Registry, AuditService],
) -> None:
    db, _, audit = upgraded_midway
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        row = conn.execute(
            "SELECT from_notification_id FROM chain_link_formats WHERE link_format = 2"
        ).fetchone()
    assert row is not None
    boundary = int(row[0])
    formats = {}
    for tenant in ("east", "essex", "harlow"):
        previous = GENESIS
        for position, (notification_id, fact, published) in enumerate(stored(db, tenant), start=1):
            form = LINK_V2 if notification_id >= boundary else LINK_V1
            formats[tenant, position] = form
            previous = link(previous, position, fact._replace(link_format=form))
            assert published == previous, (tenant, position)
        assert audit.verify_history(ADMIN, tenant).ok
    assert formats == {
        ("east", 1): LINK_V1,
        ("essex", 1): LINK_V1,
        ("essex", 2): LINK_V2,  # the steering group formed
        ("essex", 3): LINK_V2,  # and its chair assigned
        ("harlow", 1): LINK_V2,
    }


def test_a_replay_links_each_event_as_the_live_history_did(
    upgraded_midway: tuple[Database, Registry, AuditService],
) -> None:
    db, _, _ = upgraded_midway
    assert check(db, _server(), lambda _done, _total: None) == []


def test_a_bundle_of_a_chain_of_both_formats_verifies_offline_and_names_an_edit(
    upgraded_midway: tuple[Database, Registry, AuditService], tmp_path: Path
) -> None:
    db, _, audit = upgraded_midway
    audit.checkpoint(ADMIN, "essex")
    path = tmp_path / "essex.zip"
    audit.export(ADMIN, "essex", path)
    with zipfile.ZipFile(path) as bundle:
        lines = [json.loads(line) for line in bundle.read("events.jsonl").decode().splitlines()]
    assert [line["link_format"] for line in lines] == [LINK_V1, LINK_V2, LINK_V2]
    report = verify_bundle(path)
    assert (report.ok, report.checked) == (True, len(lines))
    # Respacing a v2 event's JSON keeps its meaning but not its bytes: the chain names it.
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(
            "UPDATE registry_events SET state = convert_to(replace(convert_from(state, 'UTF8'), ',', ', '), 'UTF8')"
            " WHERE originator_id = 'harlow:tenant'"
        )
    result = audit.verify_history(ADMIN, "harlow")
    assert (result.ok, result.first_bad_position) == (False, 1)
    assert audit.verify_history(ADMIN, "essex").ok
