"""Scheduled checkpoints: each tenant whose history moved on gets one, and only those."""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.bootstrap import audit_store_of
from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.tenancy import Tier
from infra.database import Database
from infra.tokens import KeyRing, key_id
from projections.worker import ProjectionWorker, wait_until_current
from services.audit import AuditService
from services.checkpoints import CheckpointScheduler
from services.registry import Registry
from services.tenants import TenantService

ADMIN = Actor(sub="admin", roles=frozenset({Role.PLATFORM_ADMIN}))


def test_a_round_signs_the_tenants_that_moved_on_and_no_others(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    key = Ed25519PrivateKey.generate()
    audit = AuditService(
        registry, audit_store_of(registry), KeyRing(key, {key_id(key.public_key()): key.public_key()})
    )
    scheduler = CheckpointScheduler(audit, interval=3600)
    tenants = TenantService(registry)
    tenants.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    tenants.create_tenant(ADMIN, CreateTenant(slug="wales", name="Wales", tier=Tier.NATIONAL))
    wait_until_current(clean_db, timeout=30)
    assert scheduler.run_once() == 2
    assert scheduler.run_once() == 0
    tenants.create_tenant(
        ADMIN, CreateTenant(slug="london", name="London", tier=Tier.REGIONAL, parent="england")
    )
    wait_until_current(clean_db, timeout=30)
    # London's own history is new; England's did not move (a child's creation is London's event).
    assert scheduler.due() == ["london"]
    assert scheduler.run_once() == 1
    assert [c.position for c in audit.checkpoints("london")] == [1]
    assert audit.verify_history(ADMIN, "england").ok
