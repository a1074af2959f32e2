"""Nested fields are batched: a query over many tenants costs the same number of queries as over a few."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import asyncpg

from api.bootstrap import vault_of
from api.graphql.context import Context, Loaders, Services
from api.graphql.schema import schema
from api.reading import RequestReads
from domain.actors import Actor, Role
from domain.commands import AdoptCode, CreateTenant, PublishCompact, SignCompact
from domain.compact import Section
from domain.register import Sector
from domain.tenancy import Tier
from infra.database import Database
from projections.worker import ProjectionWorker
from services.codes import CodeService
from services.compacts import CompactService
from services.registry import Registry
from services.tenants import TenantService
from tests.support import all_due, all_tracked, wait_until

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))
QUERY = """{ tenants { slug parent { slug } children { slug }
  compact(asOf: "2010-01-01") { version sections { key } } parties(asOf: "2010-01-01") { name contact { name } }
  champions(asOf: "2010-01-01") { name } codes(asOf: "2010-01-01") { key } steeringGroup { role }
  amendmentProposals { key } annualReviews { heldOn } partiesWithoutChampion(asOf: "2010-01-01") { name } } }"""


class CountingPool:
    """The read pool, counting every connection taken from it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.taken = 0

    async def acquire(self) -> asyncpg.Connection:
        self.taken += 1
        return await self.pool.acquire()

    async def release(self, conn: asyncpg.Connection) -> None:
        await self.pool.release(conn)


def seed(registry: Registry, count: int) -> None:
    tenants, compacts, codes = (
        TenantService(registry),
        CompactService(registry, vault_of(registry)),
        CodeService(registry),
    )
    tenants.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    for i in range(count):
        slug = f"region-{i}"
        tenants.create_tenant(
            ADMIN, CreateTenant(slug=slug, name=f"Region {i}", tier=Tier.REGIONAL, parent="england")
        )
        compacts.publish(
            ADMIN,
            PublishCompact(
                tenant=slug, title="C", effective_on=date(2005, 1, 1), sections=(Section("1", "H", "t", ()),)
            ),
        )
        compacts.sign(
            ADMIN,
            SignCompact(
                tenant=slug, party="CVS", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2006, 1, 1)
            ),
        )
        codes.adopt(
            ADMIN,
            AdoptCode(
                tenant=slug, key="funding", title="F", matters=("funding",), adopted_on=date(2007, 1, 1)
            ),
        )


async def connections_taken(db: Database) -> tuple[int, int]:
    pool = await asyncpg.create_pool(**db.asyncpg_kwargs(), min_size=1, max_size=4)
    try:
        counting = CountingPool(pool)
        # Only the pool is used by queries; the command services stay unset.
        unused: Any = None
        services = Services(
            pool=counting, waiter=unused, tenants=unused, compacts=unused, codes=unused, steering=unused,
            audit=unused, disputes=unused, consultations=unused, notices=unused, webhooks=unused,
            read_your_writes_timeout=1,
        )  # fmt: skip
        reads = RequestReads(counting, ADMIN)
        context = Context(actor=ADMIN, services=services, loaders=Loaders(reads, ADMIN))
        result = await schema.execute(QUERY, context_value=context)
        assert result.errors is None, result.errors
        assert result.data is not None
        # The whole request reads through one connection, given back when the operation ends.
        assert (counting.taken, pool.get_idle_size()) == (1, pool.get_size())
        return reads.used, len(result.data["tenants"])
    finally:
        await pool.close()


def test_queries_stay_flat_as_tenants_grow(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    seed(registry, 3)
    wait_until(lambda: all_tracked(clean_db) == all_due(clean_db), timeout=30)
    few, tenants_few = asyncio.run(connections_taken(clean_db))
    tenants, compacts = TenantService(registry), CompactService(registry, vault_of(registry))
    for i in range(3, 15):
        slug = f"region-{i}"
        tenants.create_tenant(
            ADMIN, CreateTenant(slug=slug, name=f"Region {i}", tier=Tier.REGIONAL, parent="england")
        )
        compacts.publish(
            ADMIN,
            PublishCompact(
                tenant=slug, title="C", effective_on=date(2005, 1, 1), sections=(Section("1", "H", "t", ()),)
            ),
        )
    wait_until(lambda: all_tracked(clean_db) == all_due(clean_db), timeout=30)
    many, tenants_many = asyncio.run(connections_taken(clean_db))
    assert (tenants_few, tenants_many) == (4, 16)
    assert few == many, f"{few} query batches for 4 tenants, {many} for 16"
