"""A database made by 0.1.0 upgrades with the current code and loses nothing (tests/fixtures/README.md)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from api.bootstrap import audit_store_of
from domain.actors import Actor, Role
from infra.database import Database, scratch_database
from infra.migrate import BASELINE_VERSION, applied, migrations
from infra.tokens import configured_keys
from projections.catalogue import migrate
from projections.rebuild import READ_MODELS, check, rebuild
from services.audit import AuditService
from services.registry import Registry
from tests.conftest import _server

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ADMIN = Actor(sub="auditor", roles=frozenset({Role.PLATFORM_ADMIN}))
# What the events, the person keys and the checkpoints held in 0.1.0: none of it may change.
KEPT = {
    "registry_events": "SELECT originator_id, originator_version, topic, state, notification_id FROM registry_events",
    "person_keys": "SELECT subject, key, created_at FROM person_keys",
    "checkpoints": "SELECT tenant_id, position, head_hash, signed_at, kid, signature FROM checkpoints",
    "idempotent_requests": "SELECT actor, key, request_hash, status, response FROM idempotent_requests",
}
# Read models whose rows replay exactly as 0.1.0 projected them, in the columns both versions have. The
# others change as ADR 0008 says: rules no compact set are gone (compact_rules, consultations' and
# notices' minimum periods, dispute deadlines), and referrals to the board have their own shape.
SAME = {
    "tenants": "tenant_id, name, tier, parent_id, created_at, created_by, position",
    "tenant_ancestors": "tenant_id, ancestor_id, depth",
    "compact_versions": "tenant_id, version, title, effective_on, rationale, recorded_at, recorded_by, position",
    "compact_sections": "tenant_id, version, ordinal, key, heading, body, matters",
    "party_memberships": "*",
    "party_contacts": "*",
    "champion_appointments": "tenant_id, party_key, appointment, party, name, subject, appointed_on, ended_on",
    "codes": "*",
    "code_matters": "*",
    "code_endorsements": "*",
    "steering_terms": "*",
    "amendment_proposals": "*",
    "annual_reviews": "*",
    "annual_review_projects": "*",
    "disputes": "tenant_id, key, raised_by, against, commitment, summary, raised_on, status, stage, closed_on, outcome",
    "dispute_stages": "tenant_id, key, stage, started_on, ended_on, handled_by, reason",
    "consultations": "tenant_id, key, title, consulted, opens_on, closes_on, short_reason, closed_on, feedback",
    "consultation_responses": "*",
    "funding_notices": "tenant_id, key, public_body, voluntary_body, change, given_on, effective_on, rationale",
    "tenant_events": "*",
}


# What a database's schema is made of, each part in a form that does not depend on the order it was made in
# (an upgrade adds columns at the end where a new database has them in place).
SCHEMA = {
    "columns": "SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default, collation_name"
    " FROM information_schema.columns WHERE table_schema = 'public'",
    "relations": "SELECT relname, relkind, relrowsecurity, relforcerowsecurity, reloptions FROM pg_class"
    " WHERE relnamespace = 'public'::regnamespace",
    "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE connamespace = 'public'::regnamespace",
    "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'",
    "policies": "SELECT tablename, policyname, permissive, roles, cmd, qual, with_check FROM pg_policies"
    " WHERE schemaname = 'public'",
    "grants": "SELECT table_name, grantee, privilege_type FROM information_schema.role_table_grants"
    " WHERE table_schema = 'public' AND grantee LIKE 'compacts%'",
    "functions": "SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
}


def rows(conn: psycopg.Connection[Any], query: str) -> list[str]:
    return sorted(repr(r) for r in conn.execute(query.encode()).fetchall())


def read_model(conn: psycopg.Connection[Any], table: str, columns: str) -> list[str]:
    statement = sql.SQL("SELECT {} FROM {}").format(sql.SQL(columns), sql.Identifier(table))
    return sorted(repr(r) for r in conn.execute(statement).fetchall())


@pytest.fixture(scope="module")
def upgraded() -> Iterator[tuple[Database, dict[str, list[str]], dict[str, list[str]]]]:
    """A scratch database restored from 0.1.0's dump: what it held, then the same upgraded and rebuilt."""
    with scratch_database(_server(), "upgrade") as db:
        dump = gzip.decompress((FIXTURES / "v0.1.0-demo.sql.gz").read_bytes()).decode()
        # pg_dump's psql meta-commands (\restrict, \unrestrict) are for psql, not the server.
        script = "\n".join(line for line in dump.splitlines() if not line.startswith("\\"))
        with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
            # Roles are the server's, not the dump's: 0.1.0's migrate made them before it stored anything.
            for role in ("compacts_reader", "compacts_worker"):
                conn.execute(
                    f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                )
            conn.execute(script.encode())
        # A connection of its own: the dump empties its session's search_path.
        with psycopg.connect(db.psycopg_conninfo()) as conn:
            kept = {name: rows(conn, query) for name, query in KEPT.items()}
            old = {table: read_model(conn, table, columns) for table, columns in SAME.items()}
        migrate(db)
        rebuild(db, swap=True)
        yield db, kept, old


def test_every_event_key_checkpoint_and_stored_answer_is_still_there(
    upgraded: tuple[Database, dict[str, list[str]], dict[str, list[str]]],
) -> None:
    db, kept, _ = upgraded
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        assert {name: rows(conn, query) for name, query in KEPT.items()} == kept
    assert len(kept["registry_events"]) == 69
    assert len(kept["person_keys"]) == 3  # four people, one of them erased
    assert len(kept["checkpoints"]) == 3


def test_0_1_0s_tables_are_recorded_as_the_baseline_and_every_later_migration_is_applied(
    upgraded: tuple[Database, dict[str, list[str]], dict[str, list[str]]],
) -> None:
    db, _, _ = upgraded
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        recorded = [(a.version, a.name, a.checksum, a.baseline) for a in applied(conn)]
    expected = [(m.version, m.name, m.checksum, m.version <= BASELINE_VERSION) for m in migrations()]
    assert recorded == expected
    assert recorded[0][3] is True


def test_every_tenants_chain_still_verifies_with_0_1_0s_checkpoints(
    upgraded: tuple[Database, dict[str, list[str]], dict[str, list[str]]],
) -> None:
    db, _, _ = upgraded
    keys = configured_keys(FIXTURES / "v0.1.0-jwks.json", None)
    registry = Registry.connect(db)
    try:
        audit = AuditService(registry, audit_store_of(registry), keys)
        with psycopg.connect(db.psycopg_conninfo()) as conn:
            tenants = [r[0] for r in conn.execute("SELECT tenant_id FROM tenants ORDER BY 1").fetchall()]
        results = {t: audit.verify_history(ADMIN, t) for t in tenants}
    finally:
        registry.close()
    assert len(tenants) == 9
    assert {t: (r.ok, r.first_bad_position) for t, r in results.items()} == {t: (True, None) for t in tenants}


def test_the_upgraded_schema_is_a_new_databases(
    upgraded: tuple[Database, dict[str, list[str]], dict[str, list[str]]], db: Database
) -> None:
    with (
        psycopg.connect(upgraded[0].psycopg_conninfo()) as old,
        psycopg.connect(db.psycopg_conninfo()) as new,
    ):
        schema = {part: rows(old, query) for part, query in SCHEMA.items()}
        assert schema == {part: rows(new, query) for part, query in SCHEMA.items()}
    assert len(schema["policies"]) > 3 * len(READ_MODELS)  # the owner's, the worker's, the reader's


def test_the_read_models_equal_a_replay_and_keep_what_0_1_0_projected(
    upgraded: tuple[Database, dict[str, list[str]], dict[str, list[str]]],
) -> None:
    db, _, old = upgraded
    assert check(db, _server(), lambda _done, _total: None) == []
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        now = {table: read_model(conn, table, columns) for table, columns in SAME.items()}
        assert now == old
        # The changes ADR 0008 names: no deadline or minimum survives that no compact set.
        assert conn.execute(
            "SELECT count(*) FROM dispute_stages WHERE deadline_on IS NOT NULL"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM consultations WHERE minimum_amount IS NOT NULL"
        ).fetchone() == (0,)
        assert conn.execute(
            "SELECT count(*) FROM funding_notices WHERE minimum_amount IS NOT NULL"
        ).fetchone() == (0,)
        erased = conn.execute("SELECT name FROM champion_appointments WHERE tenant_id = 'harlow'").fetchall()
        assert erased == [("[erased]",)]
    assert set(SAME) <= set(READ_MODELS)
    assert json.loads((FIXTURES / "v0.1.0-jwks.json").read_text())["keys"][0]["kid"] == "d40e88464bfde59c"
