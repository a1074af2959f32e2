"""Group commit on the real event store: concurrent commands share transactions, and only race losers fail."""

from __future__ import annotations

import functools
import threading
from collections import Counter

import psycopg

from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.errors import Conflict
from domain.tenancy import Tier
from infra.database import Database
from infra.event_store import GroupCommit, GroupCommittingRecorder
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import count_events
from tests.support import run_threads

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))
CALLERS = 8
EACH = 25


def group_of(registry: Registry) -> GroupCommit:
    """The group commit inside the registry's event store (infra/event_store.py)."""
    recorder = registry.recorder
    assert isinstance(recorder, GroupCommittingRecorder)
    return recorder.group


def test_concurrent_commands_are_stored_once_each_in_fewer_transactions(clean_db: Database) -> None:
    registry = Registry.connect(clean_db)
    tenants = TenantService(registry)
    barrier = threading.Barrier(CALLERS)
    positions: list[int] = []

    def create(caller: int) -> None:
        barrier.wait()
        for n in range(EACH):
            recorded = tenants.create_tenant(
                ADMIN, CreateTenant(slug=f"t-{caller}-{n}", name="T", tier=Tier.NATIONAL)
            )
            positions.append(recorded.notification_id)

    try:
        run_threads(create, CALLERS)
        written = group_of(registry).transactions
    finally:
        registry.close()
    # Every command answered with its own position, and every event is stored once, gapless.
    assert len(set(positions)) == CALLERS * EACH
    assert count_events(clean_db) == CALLERS * EACH
    with psycopg.connect(clean_db.psycopg_conninfo()) as conn:
        ids = [r[0] for r in conn.execute("SELECT notification_id FROM registry_events ORDER BY 1")]
        slugs = {r[0] for r in conn.execute("SELECT originator_id FROM registry_events")}
    assert sorted(positions) == ids
    assert slugs == {f"t-{c}-{n}:tenant" for c in range(CALLERS) for n in range(EACH)}
    # Eight callers at once share transactions; the exact number depends on the scheduler. None is zero:
    # every command goes through the group (eventsourcing's save passes `tracking=None`, which once sent
    # every command around it).
    assert 0 < written < CALLERS * EACH


def test_in_a_group_only_the_commands_that_lost_a_race_fail(clean_db: Database) -> None:
    registry = Registry.connect(clean_db)
    tenants = TenantService(registry)
    barrier = threading.Barrier(CALLERS)
    outcomes: Counter[str] = Counter()

    def create(round_: int, caller: int) -> None:
        barrier.wait()
        # Half the callers race for one slug; the other half each create a slug of their own.
        contested = caller % 2 == 0
        slug = f"contested-{round_}" if contested else f"own-{round_}-{caller}"
        try:
            tenants.create_tenant(ADMIN, CreateTenant(slug=slug, name="T", tier=Tier.NATIONAL))
            outcomes["contested" if contested else "own"] += 1
        except Conflict:
            outcomes["conflict"] += 1

    try:
        for round_ in range(5):
            run_threads(functools.partial(create, round_), CALLERS)
    finally:
        registry.close()
    assert count_events(clean_db) == 5 * (1 + CALLERS // 2)
    assert outcomes == Counter({"own": 5 * CALLERS // 2, "contested": 5, "conflict": 5 * (CALLERS // 2 - 1)})
