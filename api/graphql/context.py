"""The per-request context: who is asking, the read pool, the services, fresh dataloaders."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from strawberry.dataloader import DataLoader
from strawberry.litestar import BaseContext

from api.freshness import ReadModelWaiter
from domain.actors import Actor
from projections import tenant_directory
from projections.tenant_directory import TenantRow
from services.tenants import TenantService


@dataclass
class Services:
    """What the API needs that lives as long as the process."""

    pool: asyncpg.Pool
    waiter: ReadModelWaiter
    tenants: TenantService
    read_your_writes_timeout: float


class Loaders:
    """Dataloaders live for one request, so nothing is cached across callers."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.tenant = DataLoader[str, TenantRow | None](self._tenants)
        self.children = DataLoader[str, list[TenantRow]](self._children)

    async def _tenants(self, slugs: list[str]) -> list[TenantRow | None]:
        async with self.pool.acquire() as conn:
            found = await tenant_directory.tenants_by_slug(conn, slugs)
        return [found.get(s) for s in slugs]

    async def _children(self, slugs: list[str]) -> list[list[TenantRow]]:
        async with self.pool.acquire() as conn:
            found = await tenant_directory.children_of(conn, slugs)
        return [found[s] for s in slugs]


class Context(BaseContext, kw_only=True):
    """Built per request by the GraphQL route; resolvers read it from `info.context`."""

    actor: Actor
    services: Services
    loaders: Loaders
