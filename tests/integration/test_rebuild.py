"""Rebuilding read models in place: shadow tables from the event store, compared, swapped in while workers run."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest

from domain.commands import AdoptCode
from infra.database import Database
from projections import rebuild
from projections.worker import ProjectionWorker, wait_until_current
from services.codes import CodeService
from services.registry import Registry
from tests.integration.test_replay import ADMIN, script_history
from tests.support import rows


def tamper(db: Database, statement: str) -> None:
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(statement)


def test_a_check_reports_a_tampered_read_model_and_changes_nothing(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_history(registry)
    wait_until_current(clean_db, timeout=60)
    tamper(clean_db, "UPDATE codes SET title = 'Tampered' WHERE key = 'equality' AND tenant_id = 'essex'")
    seen: list[tuple[int, int]] = []
    found = rebuild.rebuild(clean_db, swap=False, progress=lambda done, total: seen.append((done, total)))
    assert [(d.table, d.live_rows, d.replayed_rows, d.differing_rows) for d in found] == [("codes", 6, 6, 2)]
    assert seen[-1][0] == seen[-1][1] > 0
    only_east = rebuild.rebuild(clean_db, ["codes_of_practice"], swap=False, tenant="east")
    assert only_east == []
    assert rows(clean_db, "SELECT title FROM codes WHERE key = 'equality' AND tenant_id = 'essex'") == [
        ("Tampered",)
    ]
    assert rows(clean_db, "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'rebuild_%'") == [(0,)]


def test_a_rebuild_swaps_in_the_replayed_tables_and_the_running_worker_carries_on(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    script_history(registry)
    wait_until_current(clean_db, timeout=60)
    tamper(clean_db, "UPDATE codes SET title = 'Tampered' WHERE key = 'equality' AND tenant_id = 'essex'")
    tamper(clean_db, "DELETE FROM code_endorsements")
    found = rebuild.rebuild(clean_db, ["codes_of_practice", "tenant_directory"], swap=True)
    assert {d.table for d in found} == {"codes", "code_endorsements"}
    assert rows(clean_db, "SELECT title FROM codes WHERE key = 'equality' AND tenant_id = 'essex'") == [
        ("E&D",)
    ]
    assert rows(clean_db, "SELECT count(*) FROM code_endorsements") == [(3,)]
    # The swapped-in tables keep the live ones' security and keys.
    for table in ("codes", "code_matters", "tenants", "tenant_ancestors"):
        assert rows(
            clean_db,
            "SELECT c.relrowsecurity, c.relforcerowsecurity, (SELECT count(*) FROM pg_policies p"
            f" WHERE p.tablename = '{table}' AND p.schemaname = 'public') FROM pg_class c"
            f" WHERE c.oid = 'public.{table}'::regclass",
        ) == [(True, True, 3)], table
    assert rows(
        clean_db,
        "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = 'public.code_matters'::regclass",
    ) == [(1,)]
    # The worker role may write the swapped-in tables as it may a new database's: no more, no less.
    for table in ("codes", "codes_of_practice_tracking"):
        assert rows(
            clean_db,
            "SELECT string_agg(privilege_type, ', ' ORDER BY privilege_type) FROM information_schema.role_table_grants"
            f" WHERE grantee = 'compacts_worker' AND table_schema = 'public' AND table_name = '{table}'",
        ) == [("DELETE, INSERT, SELECT, UPDATE",)], table
    # The worker took its projections back and carries on from the swapped-in tracking rows.
    CodeService(registry).adopt(ADMIN, AdoptCode(
        tenant="essex", key="volunteering", title="Volunteers", matters=("volunteering",),
        adopted_on=date(2010, 1, 1),
    ))  # fmt: skip
    wait_until_current(clean_db, timeout=30)
    assert rows(clean_db, "SELECT title FROM codes WHERE key = 'volunteering'") == [("Volunteers",)]
    assert rebuild.rebuild(clean_db, swap=False) == []


def test_an_unknown_read_model_is_refused(clean_db: Database) -> None:
    with pytest.raises(ValueError, match=r"unknown read models \['codes'\]"):
        rebuild.rebuild(clean_db, ["codes"], swap=False)
