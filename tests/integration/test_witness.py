"""A county witnessing its districts: a district's history rewritten with matching hashes is still caught."""

from __future__ import annotations

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.bootstrap import audit_store_of
from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.errors import Conflict
from domain.tenancy import Tier
from domain.witness import Witness, witness_id
from infra.chain import GENESIS, StoredFact, link
from infra.database import Database
from infra.tokens import KeyRing, key_id
from projections.worker import ProjectionWorker, wait_until_current
from services.audit import AuditService
from services.registry import Registry
from services.tenants import TenantService

ADMIN = Actor(sub="admin", roles=frozenset({Role.PLATFORM_ADMIN}))


def test_a_rewritten_district_fails_against_the_checkpoint_its_county_witnessed(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    key = Ed25519PrivateKey.generate()
    audit = AuditService(
        registry, audit_store_of(registry), KeyRing(key, {key_id(key.public_key()): key.public_key()})
    )
    tenants = TenantService(registry)
    tenants.create_tenant(ADMIN, CreateTenant(slug="east", name="East", tier=Tier.NATIONAL))
    tenants.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.REGIONAL, parent="east"))
    wait_until_current(clean_db, timeout=30)
    audit.checkpoint(ADMIN, "essex")
    assert audit.witness(ADMIN, "east") == ["essex"]
    assert audit.witness(ADMIN, "east") == []  # nothing newer to witness
    witness: object = registry.repository.get(witness_id("east"))
    assert isinstance(witness, Witness)
    assert witness.latest == {"essex": 1}

    # Someone with the database rewrites Essex's creation, recomputes its published hash to match,
    # and deletes Essex's own checkpoint. Only the copy in East's history is left to disagree.
    with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(
            "UPDATE registry_events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'Essex', 'Elsewhere'), 'UTF8')"
            " WHERE originator_id = 'essex:tenant'"
        )
        row = conn.execute(
            "SELECT originator_id, originator_version, topic, state FROM registry_events WHERE originator_id = 'essex:tenant'"
        ).fetchone()
        assert row is not None
        forged = link(GENESIS, 1, StoredFact(row[0], row[1], row[2], bytes(row[3])))
        conn.execute(
            "UPDATE tenant_events SET hash = %s WHERE tenant_id = 'essex' AND position = 1", (forged,)
        )
        conn.execute("DELETE FROM checkpoints WHERE tenant_id = 'essex'")
    result = audit.verify_history(ADMIN, "essex")
    assert (result.ok, result.first_bad_position) == (False, 1)
    assert audit.verify_history(ADMIN, "east").ok


def test_the_same_checkpoint_is_not_witnessed_twice() -> None:
    witness = Witness(tenant_slug="east", actor="a")
    witness.witness(
        child="essex", position=3, head_hash="h", signed_at="t", kid="k", signature="s", actor="a"
    )
    with pytest.raises(Conflict, match="already witnessed"):
        witness.witness(
            child="essex", position=3, head_hash="h", signed_at="t", kid="k", signature="s", actor="a"
        )
