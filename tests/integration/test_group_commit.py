"""Group commit on the real event store: concurrent commands share transactions, and only race losers fail."""

from __future__ import annotations

import functools
import re
import threading
from collections import Counter

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent

from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.errors import Conflict
from domain.tenancy import Tier, new_tenant
from infra.database import Database
from infra.event_store import GroupCommit, GroupCommittingRecorder
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import count_events, fresh_database
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


def stored_tenant(registry: Registry, slug: str) -> list[StoredEvent]:
    """A new tenant's events as the store keeps them, not yet written."""
    tenant = new_tenant(slug=slug, name="T", tier=Tier.NATIONAL, parent=None, actor="admin@example.org")
    return [registry.mapper.to_stored_event(e) for e in tenant.collect_events()]


def recorder_of(registry: Registry) -> GroupCommittingRecorder:
    recorder = registry.recorder
    assert isinstance(recorder, GroupCommittingRecorder)
    return recorder


def test_a_group_stores_every_command_that_clashes_with_nothing_and_refuses_the_rest_in_one_go(
    clean_db: Database,
) -> None:
    registry = Registry.connect(clean_db)
    try:
        recorder = recorder_of(registry)
        [first] = recorder.write_group([stored_tenant(registry, "stored")])
        assert not isinstance(first, BaseException)
        again = stored_tenant(registry, "stored")
        a, b = stored_tenant(registry, "ay"), stored_tenant(registry, "bee")
        twin = stored_tenant(registry, "ay")  # a second command for a's first version, in the same group
        # One command holds a version already stored (with one of a's): written alone, it would fail, and
        # then its other event would not block the command after it either.
        mixed = [*stored_tenant(registry, "stored"), *stored_tenant(registry, "cee")]
        c = stored_tenant(registry, "cee")
        outcomes = recorder.write_group([again, a, b, twin, mixed, c])
    finally:
        registry.close()
    refused = [n for n, o in enumerate(outcomes) if isinstance(o, IntegrityError)]
    assert refused == [0, 3, 4]
    assert "version 1 of stored:tenant is already recorded" in str(outcomes[0])
    assert "version 1 of ay:tenant is already recorded" in str(outcomes[3])
    # The stored commands have the next positions, in the group's order, with no gap.
    [start] = first
    assert [outcomes[1], outcomes[2], outcomes[5]] == [[start + 1], [start + 2], [start + 3]]
    with psycopg.connect(clean_db.psycopg_conninfo()) as conn:
        rows = conn.execute(
            "SELECT notification_id, originator_id FROM registry_events ORDER BY 1"
        ).fetchall()
    assert rows == [
        (start, "stored:tenant"),
        (start + 1, "ay:tenant"),
        (start + 2, "bee:tenant"),
        (start + 3, "cee:tenant"),
    ]


def test_a_group_that_breaks_nothing_but_fails_stores_nothing_and_leaves_the_connection_usable(
    clean_db: Database,
) -> None:
    registry = Registry.connect(clean_db)
    try:
        recorder = recorder_of(registry)
        # One command repeating a version within itself: the INSERT itself fails, and the whole group with it.
        broken = stored_tenant(registry, "twice") * 2
        with pytest.raises(IntegrityError):
            recorder.write_group([stored_tenant(registry, "kept-out"), broken])
        assert count_events(clean_db) == 0
        [after] = recorder.write_group([stored_tenant(registry, "after")])
    finally:
        registry.close()
    assert not isinstance(after, BaseException)
    assert count_events(clean_db) == 1


def test_a_group_announces_new_events_on_the_event_store_channel(clean_db: Database) -> None:
    registry = Registry.connect(clean_db)
    try:
        recorder = recorder_of(registry)
        with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as listener:
            listener.execute(f"LISTEN {recorder.channel_name}")
            recorder.write_group([stored_tenant(registry, "heard")])
            heard = [n.channel for n in listener.notifies(timeout=5, stop_after=1)]
    finally:
        registry.close()
    assert heard == [recorder.channel_name]


@pytest.mark.parametrize("rows", [1, 4, 8, 16, 64])
def test_a_groups_version_check_reads_the_event_table_by_its_key_whatever_its_statistics_say(
    rows: int,
) -> None:
    # Statistics taken while the table was nearly empty, then thousands of events: as a join, the check
    # was planned as a scan of the whole table for some group sizes, and grew slower with the store.
    # A database of its own: the filler events are no registry's, and no worker may project them.
    with fresh_database() as db:
        registry = Registry.connect(db)
        try:
            statement = recorder_of(registry)._insert_segment(rows).decode()
        finally:
            registry.close()
        with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute("ANALYZE registry_events")
            conn.execute(
                "INSERT INTO registry_events (originator_id, originator_version, topic, state)"
                " SELECT 'filler-' || n, 1, 'filler', '\\x7b7d' FROM generate_series(1, 5000) AS n"
            )
            numbered = iter(range(1, 5 * rows + 1))
            conn.execute(f"PREPARE segment AS {re.sub('%s', lambda _: f'${next(numbered)}', statement)}")
            conn.execute("SET plan_cache_mode = force_generic_plan")
            arguments = ", ".join(f"'new-{n}', 1, 't', '\\x7b7d', {n}" for n in range(rows))
            conn.execute("BEGIN")
            try:
                plan = "\n".join(str(row[0]) for row in conn.execute(f"EXPLAIN EXECUTE segment({arguments})"))
            finally:
                conn.execute("ROLLBACK")
    assert "Seq Scan on registry_events" not in plan
    assert "registry_events_pkey" in plan
