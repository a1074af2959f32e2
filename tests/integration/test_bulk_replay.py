"""The bulk path (catch-up batches) writes exactly the rows the live path writes, and the check says where not."""

from __future__ import annotations

from datetime import date

import psycopg
from psycopg import sql

from api.bootstrap import vault_of
from domain.commands import AppointChampion, CreateTenant, PublishCompact, SignCompact, WithdrawParty
from domain.compact import Section
from domain.register import Sector
from domain.tenancy import Tier
from infra.database import Database
from projections import rebuild
from projections.catalogue import PROJECTIONS
from projections.views import _factory, construct_view
from projections.worker import ProjectionWorker, apply_in_bulk, wait_until_current
from services.compacts import CompactService
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import READ_MODEL_TABLES
from tests.integration.test_replay import ADMIN, script_history, snapshot
from tests.support import all_tracked, paused, rows, wait_until


def comings_and_goings(registry: Registry) -> None:
    """A party that leaves twice while it has a champion, signs again in between, and a second party."""
    TenantService(registry).create_tenant(
        ADMIN, CreateTenant(slug="harlow", name="Harlow", tier=Tier.NATIONAL)
    )
    compacts = CompactService(registry, vault_of(registry))
    compacts.publish(
        ADMIN,
        PublishCompact(
            tenant="harlow", title="T", effective_on=date(2007, 4, 1), sections=(Section("1", "H", "t", ()),)
        ),
    )
    for party, signed in (("CVS", date(2008, 1, 1)), ("Police", date(2008, 1, 2))):
        compacts.sign(
            ADMIN, SignCompact(tenant="harlow", party=party, sector=Sector.STATUTORY, signed_on=signed)
        )
    compacts.appoint_champion(
        ADMIN, AppointChampion(tenant="harlow", party="CVS", name="Jo", appointed_on=date(2008, 2, 1))
    )
    compacts.withdraw(
        ADMIN, WithdrawParty(tenant="harlow", party="CVS", on=date(2009, 1, 1), reason="Closed")
    )
    compacts.sign(
        ADMIN, SignCompact(tenant="harlow", party="CVS", sector=Sector.STATUTORY, signed_on=date(2010, 1, 1))
    )
    compacts.appoint_champion(
        ADMIN,
        AppointChampion(
            tenant="harlow", party="CVS", name="Kim", appointed_on=date(2010, 2, 1), role="Chair"
        ),
    )
    compacts.appoint_champion(
        ADMIN,
        AppointChampion(tenant="harlow", party="Police", name="Lee", appointed_on=date(2010, 2, 2)),
    )
    compacts.withdraw(
        ADMIN, WithdrawParty(tenant="harlow", party="CVS", on=date(2011, 1, 1), reason="Merged")
    )
    compacts.withdraw(
        ADMIN, WithdrawParty(tenant="harlow", party="Police", on=date(2011, 2, 1), reason="Left")
    )
    compacts.sign(
        ADMIN, SignCompact(tenant="harlow", party="CVS", sector=Sector.STATUTORY, signed_on=date(2012, 1, 1))
    )


def replayed_in_bulk(db: Database) -> dict[str, list[tuple[object, ...]]]:
    """The read models as the live worker left them, then emptied and caught up by a worker whose
    threshold is so low that every batch takes the bulk path; both snapshots, the live one first."""
    live_positions = all_tracked(db)
    live = snapshot(db)
    tables = [*READ_MODEL_TABLES, *(p.tracking_table for p in PROJECTIONS)]
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables))))
    catching_up = ProjectionWorker(db, batch=5)
    catching_up.start()
    try:
        wait_until(lambda: all_tracked(db) == live_positions, timeout=60)
    finally:
        catching_up.stop()
    return live


def test_a_worker_catching_up_in_bulk_writes_the_rows_the_live_path_wrote(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_history(registry)
    comings_and_goings(registry)
    wait_until_current(clean_db, timeout=60)
    with paused(worker):
        live = replayed_in_bulk(clean_db)
        assert snapshot(clean_db) == live
    # The register as the two withdrawals of CVS, each with a champion in office, left it.
    assert rows(
        clean_db,
        "SELECT party_key, membership, withdrawn_on::text FROM party_memberships"
        " WHERE tenant_id = 'harlow' ORDER BY 1, 2",
    ) == [("cvs", 1, "2009-01-01"), ("cvs", 2, "2011-01-01"), ("cvs", 3, None), ("police", 1, "2011-02-01")]
    assert rows(
        clean_db,
        "SELECT name, ended_on::text FROM champion_appointments WHERE tenant_id = 'harlow' ORDER BY 1",
    ) == [("Jo", "2009-01-01"), ("Kim", "2011-01-01"), ("Lee", "2011-02-01")]


def test_the_check_finds_the_bulk_replay_equal_to_the_live_read_models(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_history(registry)
    comings_and_goings(registry)
    wait_until_current(clean_db, timeout=60)
    seen: list[tuple[int, int]] = []
    assert rebuild.check(clean_db, clean_db, lambda done, total: seen.append((done, total))) == []
    assert seen[-1][0] == seen[-1][1] > 0


def test_the_check_reports_a_row_that_differs_from_the_bulk_replay(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_history(registry)
    wait_until_current(clean_db, timeout=60)
    with paused(worker), psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE party_memberships SET sector = 'PRIVATE' WHERE party_key = 'cvs'")
        conn.execute(
            "UPDATE tenant_events SET hash = previous_hash WHERE tenant_id = 'essex' AND position = 2"
        )
        found = rebuild.check(clean_db, clean_db, lambda _done, _total: None)
    [(events,)] = rows(clean_db, "SELECT count(*) FROM tenant_events")
    # Each changed row is one row the replay does not have, and one the live table does not have.
    assert [(d.table, d.live_rows, d.replayed_rows, d.differing_rows) for d in found] == [
        ("party_memberships", 6, 6, 6),
        ("tenant_events", events, events, 2),
    ]


def test_a_bulk_batch_may_be_one_event_that_is_applied_one_by_one(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_history(registry)
    wait_until_current(clean_db, timeout=60)
    register = next(spec for spec in PROJECTIONS if spec.name == "register_of_parties")
    tables = [table.name for table in register.tables]
    with paused(worker):
        live = {table: rows(clean_db, f"SELECT * FROM {table} ORDER BY 1, 2, 3") for table in tables}
        with psycopg.connect(clean_db.psycopg_conninfo(), autocommit=True) as conn:
            emptied = [*tables, register.tracking_table]
            conn.execute(sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, emptied))))
        stored = registry.recorder.select_notifications(start=1, limit=10_000, topics=register.topics)
        # The second batch is only a contact, which the register's bulk form hands to the live code: its
        # first position is its last, and is recorded once.
        split = next(k for k, n in enumerate(stored) if n.topic.endswith("PartyContactRecorded"))
        factory = _factory(clean_db)
        try:
            projections = {register.name: register.projection(view=construct_view(factory, register))}
            scanned = {register.name: 0}
            for part in (stored[:split], stored[split : split + 1], stored[split + 1 :]):
                apply_in_bulk(registry.mapper, projections, scanned, part)
        finally:
            factory.close()
        assert {table: rows(clean_db, f"SELECT * FROM {table} ORDER BY 1, 2, 3") for table in tables} == live
        assert all_tracked(clean_db)[register.name] == stored[-1].id
