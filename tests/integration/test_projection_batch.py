"""A batch is projected all or none per read model, with one tracking row each (live: one transaction)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Mapper, Notification
from eventsourcing.projection import Projection

from api.bootstrap import vault_of
from domain.actors import Actor, Role
from domain.commands import CreateTenant, PublishCompact, SignCompact
from domain.compact import Section
from domain.register import Sector
from domain.tenancy import Tenant, Tier
from infra.chain import GENESIS
from projections.base import ReadModelView
from projections.catalogue import PROJECTIONS
from projections.views import _factory, construct_view
from projections.worker import apply_in_bulk, apply_notifications
from services.compacts import CompactService
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import fresh_database

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))
DIRECTORY = next(spec for spec in PROJECTIONS if spec.name == "tenant_directory")
HISTORY = next(spec for spec in PROJECTIONS if spec.name == "tenant_history")
REGISTER = next(spec for spec in PROJECTIONS if spec.name == "register_of_parties")
# The migration leaves a marker row of its own in every tracking table.
OURS = "WHERE application_name = 'Registry'"


def rows(conn: psycopg.Connection[tuple[object, ...]], query: str) -> list[tuple[object, ...]]:
    return list(conn.execute(query))


# The live path (event by event) and the bulk path (a worker catching up) keep the same guarantees.
Apply = Callable[
    [Mapper[str], dict[str, Projection[ReadModelView]], dict[str, int], Sequence[Notification]], None
]


@pytest.mark.parametrize("apply", [apply_notifications, apply_in_bulk], ids=["live", "bulk"])
def test_a_batch_commits_every_event_or_none_and_records_one_position_per_read_model(apply: Apply) -> None:
    with fresh_database() as db:
        registry = Registry.connect(db)
        factory = _factory(db)
        try:
            tenants = TenantService(registry)
            tenants.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
            for slug in ("essex", "kent"):
                tenants.create_tenant(
                    ADMIN, CreateTenant(slug=slug, name=slug.title(), tier=Tier.COUNTY, parent="england")
                )
            CompactService(registry, vault_of(registry)).publish(ADMIN, PublishCompact(
                tenant="england", title="England", effective_on=date(2010, 1, 1),
                sections=(Section("1", "Funding", "Twelve weeks' notice.", ()),),
            ))  # fmt: skip
            stored = list(registry.recorder.select_notifications(start=1, limit=10))
            assert len(stored) == 4
            for party in ("CVS", "Age UK"):
                CompactService(registry, vault_of(registry)).sign(ADMIN, SignCompact(
                    tenant="england", party=party, sector=Sector.VOLUNTARY_COMMUNITY,
                    signed_on=date(2011, 1, 1),
                ))  # fmt: skip
            signing = list(registry.recorder.select_notifications(start=stored[-1].id + 1, limit=10))
            # An event the directory cannot hold (its parent is no tenant): the batch it ends must fail.
            ghost = Notification(
                id=stored[-1].id + 1,
                originator_id="ghost:tenant",
                originator_version=1,
                topic=stored[0].topic,
                state=json.dumps(
                    {**json.loads(stored[0].state), "slug": "ghost", "tier": "COUNTY", "parent": "nowhere"}
                ).encode(),
            )
            views = {spec.name: construct_view(factory, spec) for spec in (DIRECTORY, HISTORY)}
            projections = {name: spec.projection(view=views[name]) for name, spec in
                           (("tenant_directory", DIRECTORY), ("tenant_history", HISTORY))}  # fmt: skip
            scanned = dict.fromkeys(projections, 0)
            with pytest.raises(IntegrityError, match="tenants_parent_id_fkey"):
                apply(registry.mapper, projections, scanned, [*stored, ghost])
            with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
                assert rows(conn, "SELECT tenant_id FROM tenants") == []
                assert rows(conn, f"SELECT * FROM tenant_directory_tracking {OURS}") == []
                assert scanned["tenant_directory"] == 0
                history = rows(conn, "SELECT count(*) FROM tenant_events")
                if apply is apply_notifications:
                    # The live path: one transaction for every read model, so the history has none of it.
                    assert history == [(0,)]
                    assert scanned["tenant_history"] == 0
                else:
                    # The bulk path: each lane commits on its own; the history's has all of its share.
                    assert history == [(len(stored) + 1,)]
                    assert rows(conn, f"SELECT notification_id FROM tenant_history_tracking {OURS}") == [
                        (ghost.id,)
                    ]
                    assert scanned["tenant_history"] == ghost.id
                    # The rest is the same for both paths, from nothing.
                    conn.execute(f"DELETE FROM tenant_history_tracking {OURS}")
                    conn.execute("TRUNCATE tenant_events")
                    scanned["tenant_history"] = 0

            apply(registry.mapper, projections, scanned, stored)
            last = stored[-1].id
            with psycopg.connect(db.psycopg_conninfo()) as conn:
                assert rows(conn, "SELECT tenant_id FROM tenants ORDER BY 1") == [
                    ("england",),
                    ("essex",),
                    ("kent",),
                ]
                # One tracking row per read model for the whole batch: the last event it handles.
                assert rows(conn, f"SELECT notification_id FROM tenant_directory_tracking {OURS}") == [
                    (stored[2].id,)
                ]
                assert rows(conn, f"SELECT notification_id FROM tenant_history_tracking {OURS}") == [(last,)]
                # Each tenant's hash chain links up inside the batch, as one event at a time would.
                chain = rows(
                    conn, "SELECT tenant_id, position, hash, previous_hash FROM tenant_events ORDER BY 1, 2"
                )
            assert [(t, p) for t, p, _, _ in chain] == [
                ("england", 1),
                ("england", 2),
                ("essex", 1),
                ("kent", 1),
            ]
            assert chain[1][3] == chain[0][2]
            assert {c[3] for c in (chain[0], chain[2], chain[3])} == {GENESIS}
            assert scanned == dict.fromkeys(projections, last)

            # A worker that lost its lock mid-batch, and thinks itself still at the start, cannot apply
            # the same events again: its batch's first position is refused, and the batch rolls back.
            # (Memberships are numbered per party, so no key would stop a second copy.)
            register = {"register_of_parties": REGISTER.projection(view=construct_view(factory, REGISTER))}
            # The worker that took over has applied the opening and the first signature...
            apply(registry.mapper, register, {"register_of_parties": 0}, signing[:-1])
            # ...and the one that lost its lock comes back with a batch from the start that goes further.
            with pytest.raises(IntegrityError, match="Failed to record tracking"):
                apply(registry.mapper, register, {"register_of_parties": 0}, signing)
            with psycopg.connect(db.psycopg_conninfo()) as conn:
                assert rows(conn, "SELECT party_key, membership FROM party_memberships") == [("cvs", 1)]
            assert registry.get_or_none("essex:tenant").__class__ is Tenant
        finally:
            factory.close()
            registry.close()
