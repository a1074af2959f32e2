"""What the app builds at start-up and tears down at shutdown: pools, services, the worker, the scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from api.bootstrap import audit_store_of, vault_of
from api.freshness import ReadModelWaiter
from api.graphql.context import Services
from api.reading import STATEMENT_TIMEOUT_MS
from infra.database import Database
from infra.settings import Settings
from infra.tokens import KeyRing
from projections.worker import ProjectionWorker
from services.audit import AuditService
from services.checkpoints import CheckpointScheduler
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.registry import Registry
from services.steering_group import SteeringGroupService
from services.tenants import TenantService


@dataclass
class Runtime:
    """What the app builds at start-up and tears down at shutdown."""

    services: Services
    registry: Registry
    worker: ProjectionWorker | None
    keys: KeyRing
    issuer: str
    audience: str


async def read_pool(settings: Settings, db: Database) -> asyncpg.Pool:
    """The pool every read uses.

    Reads sign in as a role that owns nothing and may only SELECT the read models. Their statements are
    prepared once per connection and planned once too: every read is an index probe whatever its
    parameters, and planning the lookup afresh each time cost more than running it (1.0 ms against 0.3 ms
    at 1,000 tenants).
    """
    pool: asyncpg.Pool = await asyncpg.create_pool(
        **db.reader(settings.reader_password).asyncpg_kwargs(), min_size=1, max_size=10,
        # The statement timeout also bounds a public reader's reads, which run outside a transaction.
        server_settings={
            "plan_cache_mode": "force_generic_plan", "statement_timeout": str(STATEMENT_TIMEOUT_MS),
        },
    )  # fmt: skip
    return pool


def services_of(
    settings: Settings, registry: Registry, pool: asyncpg.Pool, waiter: ReadModelWaiter, audit: AuditService
) -> Services:
    """One service per aggregate, all writing through the same registry."""
    return Services(
        pool=pool,
        waiter=waiter,
        tenants=TenantService(registry),
        compacts=CompactService(registry, vault_of(registry)),
        codes=CodeService(registry),
        steering=SteeringGroupService(registry),
        disputes=DisputeService(registry),
        consultations=ConsultationService(registry),
        notices=FundingNoticeService(registry),
        audit=audit,
        read_your_writes_timeout=settings.read_your_writes_timeout,
    )


@asynccontextmanager
async def running(
    settings: Settings, db: Database, keys: KeyRing, *, run_worker: bool
) -> AsyncIterator[Runtime]:
    """Starts everything the app needs, yields it, and stops it all again in reverse order."""
    pool = await read_pool(settings, db)
    waiter = ReadModelWaiter(pool, db.asyncpg_kwargs())
    await waiter.start()
    registry = Registry.connect(db)
    worker = ProjectionWorker(db) if run_worker else None
    audit = AuditService(registry, audit_store_of(registry), keys)
    # Checkpoints are signed where the worker runs, on the interval the operator chose.
    scheduler = (
        CheckpointScheduler(audit, settings.checkpoint_seconds)
        if run_worker and settings.checkpoint_seconds > 0 and keys.signing_key is not None
        else None
    )
    if worker:
        worker.start()
    if scheduler:
        scheduler.start()
    try:
        yield Runtime(
            services=services_of(settings, registry, pool, waiter, audit),
            registry=registry,
            worker=worker,
            keys=keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
    finally:
        if scheduler:
            scheduler.stop()
        if worker:
            worker.stop()
        await waiter.close()
        await pool.close()
        registry.close()
