"""Tenant isolation enforced by PostgreSQL itself: the catalogue, raw SQL as the API's role, pooled connections."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import psycopg
import pytest

from api.bootstrap import vault_of
from api.reading import keep_session, reading
from domain.actors import Actor, Role
from domain.commands import AdoptCode, CreateTenant, DraftCode, OpenConsultation, PublishCompact, SignCompact
from domain.compact import Section
from domain.register import Contact, Sector
from domain.tenancy import Tier
from infra.database import Database
from projections.catalogue import PROJECTIONS
from projections.worker import ProjectionWorker
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import OTHER_TABLES, READ_MODEL_TABLES
from tests.support import all_due, all_tracked, wait_until

ADMIN = Actor(sub="admin", roles=frozenset({Role.PLATFORM_ADMIN}))
AUDITOR_A = Actor(sub="a", roles=frozenset({Role.AUDITOR}), tenants=frozenset({"alpha"}))
AUDITOR_B = Actor(sub="b", roles=frozenset({Role.AUDITOR}), tenants=frozenset({"beta"}))
PUBLIC = Actor(sub=None)
# Tables the reading role is granted nothing on.
INFRA_ONLY = ("registry_events", "person_keys", "schema_migrations", "chain_link_formats", "webhook_position")


@pytest.fixture
def two_tenants(clean_db: Database, registry: Registry, worker: ProjectionWorker) -> Database:
    tenants, compacts, codes = (
        TenantService(registry),
        CompactService(registry, vault_of(registry)),
        CodeService(registry),
    )
    tenants.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    for slug in ("alpha", "beta"):
        tenants.create_tenant(
            ADMIN, CreateTenant(slug=slug, name=slug.title(), tier=Tier.REGIONAL, parent="england")
        )
        compacts.publish(
            ADMIN,
            PublishCompact(
                tenant=slug, title="T", effective_on=date(2005, 1, 1), sections=(Section("1", "H", "t", ()),)
            ),
        )
        compacts.sign(ADMIN, SignCompact(
            tenant=slug, party="CVS", sector=Sector.PRIVATE, signed_on=date(2005, 2, 1),
            contact=Contact(f"{slug} contact", f"{slug}@example.org"),
        ))  # fmt: skip
        codes.draft(
            ADMIN,
            DraftCode(
                tenant=slug,
                key="draft",
                title="D",
                matters=("funding",),
                lead=None,
                drafted_on=date(2005, 3, 1),
            ),
        )
        codes.adopt(
            ADMIN,
            AdoptCode(
                tenant=slug, key="adopted", title="A", matters=("equality",), adopted_on=date(2005, 3, 1)
            ),
        )
    wait_until(lambda: all_tracked(clean_db) == all_due(clean_db), timeout=30)
    return clean_db


def test_every_table_is_declared_and_every_read_model_table_forces_row_level_security(db: Database) -> None:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        made = conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
        ).fetchall()
        # A table in no read model's declaration would have no row-level security.
        tracking = {p.tracking_table for p in PROJECTIONS}
        assert {r[0] for r in made} - tracking == {*READ_MODEL_TABLES, *OTHER_TABLES, *INFRA_ONLY}
        for table in (*READ_MODEL_TABLES, *OTHER_TABLES):
            row = conn.execute(
                "SELECT c.relrowsecurity, c.relforcerowsecurity,"
                " (SELECT count(*) FROM pg_policies p WHERE p.tablename = c.relname AND 'compacts_reader' = ANY(p.roles))"
                " FROM pg_class c WHERE c.relname = %s AND c.relkind = 'r'",
                (table,),
            ).fetchone()
            assert row == (True, True, 1), table


def test_the_api_role_owns_nothing_and_cannot_bypass_security(db: Database) -> None:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = 'compacts_reader'"
        ).fetchone()
        assert role == (False, False, False, False)
        owned = conn.execute(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = 'compacts_reader'"
        ).fetchone()
        assert owned == (0,)


@pytest.mark.parametrize(
    ("statement", "allowed"),
    [
        ("INSERT INTO tenants VALUES ('w', 'W', 'NATIONAL', NULL, now(), 'worker', 1)", True),
        ("DELETE FROM board_referrals", True),
        ("UPDATE registry_events SET state = state", False),
        ("DELETE FROM registry_events", False),
        ("SELECT key FROM person_keys", False),
        ("DELETE FROM checkpoints", False),
        ("DELETE FROM idempotent_requests", False),
        ("CREATE TABLE sneaky (x int)", False),
    ],
)
def test_the_worker_role_writes_read_models_and_nothing_else(
    db: Database, statement: str, allowed: bool
) -> None:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        role = conn.execute(
            "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = 'compacts_worker'"
        ).fetchone()
        assert role == (False, False, False)
        conn.execute("SET LOCAL ROLE compacts_worker")
        try:
            conn.execute(statement)
            outcome = True
        except psycopg.errors.InsufficientPrivilege:
            outcome = False
        conn.rollback()
    assert outcome is allowed


async def reader_pool(db: Database) -> asyncpg.Pool:
    """One connection as the API reads, handed back as the API's pools hand theirs back: only an open
    transaction is rolled back (api/reading.py: keep_session)."""
    pool: asyncpg.Pool = await asyncpg.create_pool(
        **db.reader(None).asyncpg_kwargs(), min_size=1, max_size=1, reset=keep_session
    )
    return pool


async def visible(db: Database, actor: Actor) -> dict[str, set[str]]:
    pool = await reader_pool(db)
    try:
        async with reading(pool, actor) as conn:
            return {
                "contacts": {r[0] for r in await conn.fetch("SELECT tenant_id FROM party_contacts")},
                "history": {r[0] for r in await conn.fetch("SELECT DISTINCT tenant_id FROM tenant_events")},
                "drafts": {
                    r[0] for r in await conn.fetch("SELECT tenant_id FROM codes WHERE adopted_on IS NULL")
                },
                "adopted": {
                    r[0] for r in await conn.fetch("SELECT tenant_id FROM codes WHERE adopted_on IS NOT NULL")
                },
                "tenants": {r[0] for r in await conn.fetch("SELECT tenant_id FROM tenants")},
            }
    finally:
        await pool.close()


def test_raw_sql_as_the_api_role_sees_only_what_the_reader_may(two_tenants: Database) -> None:
    as_a = asyncio.run(visible(two_tenants, AUDITOR_A))
    assert (as_a["contacts"], as_a["history"], as_a["drafts"]) == ({"alpha"}, {"alpha"}, {"alpha"})
    assert as_a["adopted"] == {"alpha", "beta"}
    anonymous = asyncio.run(visible(two_tenants, PUBLIC))
    assert (anonymous["contacts"], anonymous["history"], anonymous["drafts"]) == (set(), set(), set())
    assert anonymous["tenants"] == {"england", "alpha", "beta"}
    assert asyncio.run(visible(two_tenants, ADMIN))["contacts"] == {"alpha", "beta"}


async def try_write(db: Database) -> str:
    conn = await asyncpg.connect(**db.reader(None).asyncpg_kwargs())
    try:
        async with conn.transaction():
            await conn.execute("SELECT set_config('compacts.tenants', '{alpha}', true)")
            await conn.execute("UPDATE party_contacts SET email = 'x@evil.example' WHERE tenant_id = 'alpha'")
    except asyncpg.InsufficientPrivilegeError as error:
        return type(error).__name__
    finally:
        await conn.close()
    return "written"


def test_the_api_role_cannot_write_read_models_even_for_its_own_tenant(two_tenants: Database) -> None:
    assert asyncio.run(try_write(two_tenants)) == "InsufficientPrivilegeError"


async def a_then_b(db: Database) -> tuple[set[str], str]:
    pool = await reader_pool(db)
    try:
        failed = False
        try:
            async with reading(pool, AUDITOR_A) as conn:
                await conn.fetch("SELECT tenant_id FROM party_contacts")
                await conn.fetch("SELECT 1 / 0")  # A fails mid-transaction
        except asyncpg.DivisionByZeroError:
            failed = True
        assert failed
        async with reading(pool, AUDITOR_B) as conn:
            contacts = {r[0] for r in await conn.fetch("SELECT tenant_id FROM party_contacts")}
            setting = str(await conn.fetchval("SELECT current_setting('compacts.tenants', true)"))
        return contacts, setting
    finally:
        await pool.close()


def test_one_pooled_connection_serving_a_then_b_leaks_nothing(two_tenants: Database) -> None:
    assert asyncio.run(a_then_b(two_tenants)) == ({"beta"}, "{beta}")


async def consultations_seen(db: Database, actor: Actor) -> list[str]:
    pool = await reader_pool(db)
    try:
        async with reading(pool, actor) as conn:
            return [r[0] for r in await conn.fetch("SELECT key FROM consultations ORDER BY key")]
    finally:
        await pool.close()


def test_a_consultation_announced_ahead_is_private_until_its_opening_day(
    two_tenants: Database, registry: Registry
) -> None:
    consultations = ConsultationService(registry)
    today = datetime.now(ZoneInfo("Europe/London")).date()
    for key, opens in (("open-now", today), ("announced", today + timedelta(days=30))):
        consultations.open(ADMIN, OpenConsultation(
            tenant="alpha", key=key, title=key, consulted=("Everyone",), opens_on=opens,
            closes_on=opens + timedelta(weeks=12),
        ))  # fmt: skip
    wait_until(lambda: all_tracked(two_tenants) == all_due(two_tenants), timeout=30)
    assert asyncio.run(consultations_seen(two_tenants, AUDITOR_A)) == ["announced", "open-now"]
    assert asyncio.run(consultations_seen(two_tenants, AUDITOR_B)) == ["open-now"]
    assert asyncio.run(consultations_seen(two_tenants, PUBLIC)) == ["open-now"]


async def admin_then_public(db: Database) -> tuple[set[str], set[str], bool]:
    pool = await reader_pool(db)
    try:
        async with reading(pool, ADMIN) as conn:
            seen_by_admin = {r[0] for r in await conn.fetch("SELECT tenant_id FROM party_contacts")}
        # The public reader's reads run outside a transaction, on the connection the admin just gave back.
        async with reading(pool, PUBLIC) as conn:
            seen_by_public = {r[0] for r in await conn.fetch("SELECT tenant_id FROM party_contacts")}
            in_transaction = bool(conn.is_in_transaction())
        return seen_by_admin, seen_by_public, in_transaction
    finally:
        await pool.close()


def test_a_public_reader_after_an_admin_on_one_connection_sees_only_public_rows(
    two_tenants: Database,
) -> None:
    assert asyncio.run(admin_then_public(two_tenants)) == ({"alpha", "beta"}, set(), False)
