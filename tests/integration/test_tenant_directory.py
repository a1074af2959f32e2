"""The tenant directory read model: kept current by the worker, exactly once, by one worker at a time."""

from __future__ import annotations

import time

import psycopg

from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.tenancy import Tier
from infra.database import Database
from projections.worker import ProjectionWorker
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import truncate_all
from tests.support import paused, rows, tracked, wait_until

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))


def seed(registry: Registry) -> int:
    service = TenantService(registry)
    service.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    service.create_tenant(
        ADMIN, CreateTenant(slug="east", name="East of England", tier=Tier.REGIONAL, parent="england")
    )
    service.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.COUNTY, parent="east"))
    return service.create_tenant(
        ADMIN, CreateTenant(slug="harlow", name="Harlow", tier=Tier.DISTRICT, parent="essex")
    ).notification_id


def test_directory_and_ancestor_chain_follow_the_events(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    last = seed(registry)
    wait_until(lambda: tracked(clean_db, "tenant_directory") >= last)
    assert rows(clean_db, "SELECT tenant_id, tier, parent_id, created_by FROM tenants ORDER BY position") == [
        ("england", "NATIONAL", None, "admin@example.org"),
        ("east", "REGIONAL", "england", "admin@example.org"),
        ("essex", "COUNTY", "east", "admin@example.org"),
        ("harlow", "DISTRICT", "essex", "admin@example.org"),
    ]
    assert rows(
        clean_db, "SELECT ancestor_id, depth FROM tenant_ancestors WHERE tenant_id = 'harlow' ORDER BY depth"
    ) == [("harlow", 0), ("essex", 1), ("east", 2), ("england", 3)]


def test_a_replay_from_the_event_store_rebuilds_the_same_rows(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    last = seed(registry)
    wait_until(lambda: tracked(clean_db, "tenant_directory") >= last)
    query = (
        "SELECT tenant_id, name, tier, parent_id, created_at, created_by, position"
        " FROM tenants ORDER BY tenant_id"
    )
    live = rows(clean_db, query)
    with paused(worker):
        # Empty the read model and its tracking, keep the events: a fresh worker replays them all.
        with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute("TRUNCATE tenant_ancestors, tenants, tenant_directory_tracking")
        replayer = ProjectionWorker(clean_db)
        replayer.start()
        try:
            wait_until(lambda: tracked(clean_db, "tenant_directory") >= last)
            assert rows(clean_db, query) == live
        finally:
            replayer.stop()


def test_two_workers_share_each_projection_and_the_second_takes_over(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    with paused(worker):
        two_workers(clean_db, registry)


def two_workers(clean_db: Database, registry: Registry) -> None:
    first, second = ProjectionWorker(clean_db), ProjectionWorker(clean_db)
    first.start()
    wait_until(lambda: "tenant_directory" in first.holding)
    second.start()
    try:
        time.sleep(1.5)
        assert "tenant_directory" not in second.holding
        first.stop()
        wait_until(lambda: "tenant_directory" in second.holding)
        last = seed(registry)
        wait_until(lambda: tracked(clean_db, "tenant_directory") >= last)
        assert rows(clean_db, "SELECT count(*) FROM tenants") == [(4,)]
    finally:
        first.stop()
        second.stop()
        truncate_all(clean_db)


def test_a_worker_gets_past_batches_that_hold_none_of_a_projections_events(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    with paused(worker):
        small_batches = ProjectionWorker(clean_db, batch=2)
        small_batches.start()
        try:
            # Seven tenant events: several batches in which most read models find nothing of theirs.
            last = seed(registry)
            for slug in ("kent", "surrey", "sussex"):
                TenantService(registry).create_tenant(
                    ADMIN, CreateTenant(slug=slug, name=slug.title(), tier=Tier.COUNTY, parent="east")
                )
            wait_until(lambda: tracked(clean_db, "tenant_directory") > last)
            assert rows(clean_db, "SELECT count(*) FROM tenants") == [(7,)]
        finally:
            small_batches.stop()
