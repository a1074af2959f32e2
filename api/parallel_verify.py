"""`compacts verify --all`: every tenant's chain recomputed from the event store, one process per core."""

from __future__ import annotations

import atexit
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import ExitStack

from domain.actors import Actor, Role
from infra.chain import Verified
from infra.database import resolve_database
from infra.settings import Settings
from infra.tokens import load_keys
from services.audit import AuditService
from services.registry import Registry

OPERATOR = Actor(sub="operator", roles=frozenset({Role.PLATFORM_ADMIN}))

# Each worker process's own connection to the event store, opened once and used for all its tenants.
_audit: AuditService | None = None


def open_audit(settings: Settings) -> tuple[AuditService, Callable[[], None]]:
    """The audit service on a registry of its own, and what closes it."""
    registry = Registry.connect(resolve_database(settings.database_url, settings.home))
    from api.bootstrap import audit_store_of

    return AuditService(registry, audit_store_of(registry), load_keys(settings)), registry.close


def _start_worker(settings: Settings) -> None:
    global _audit
    stack = ExitStack()
    _audit, close = open_audit(settings)
    stack.callback(close)
    atexit.register(stack.close)


def _verify_one(tenant: str) -> tuple[str, Verified]:
    if _audit is None:
        raise RuntimeError("a verifying process was started without its audit service")
    return tenant, _audit.verify_history(OPERATOR, tenant)


def default_jobs() -> int:
    """One process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def verify_all(settings: Settings, jobs: int) -> Iterator[tuple[str, Verified]]:
    """Each tenant's result as soon as it is known, the tenants spread over `jobs` processes.

    A tenant's chain is one sequence of hashes, each needing the one before, so a process per tenant
    (not per chunk of a chain) is what parallelism there is; the longest chains start first.
    """
    audit, close = open_audit(settings)
    try:
        tenants = audit.tenants(OPERATOR)
    finally:
        close()
    if not tenants:
        return
    # Spawned, not forked: a forked child would share the parent's pooled connections and threads.
    context = multiprocessing.get_context("spawn")
    workers = max(1, min(jobs, len(tenants)))
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(settings,)
    ) as pool:
        for done in as_completed([pool.submit(_verify_one, tenant) for tenant in tenants]):
            yield done.result()
