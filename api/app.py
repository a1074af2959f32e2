"""The litestar application: GraphQL at /graphql, /health, the public keys, and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import Any

import asyncpg
from litestar import Litestar, MediaType, Request, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from strawberry.litestar import make_graphql_controller

from api.auth import actor_from_header, invalid_token_response
from api.freshness import ReadModelWaiter
from api.graphql.context import Context, Loaders, Services
from api.graphql.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_ERRORS
from api.graphql.schema import build_schema
from api.idempotency import idempotency_middleware
from api.rate_limit import TokenBuckets, rate_limit_middleware
from api.reading import RequestReads
from infra.availability import UNAVAILABLE_MESSAGE
from infra.database import Database
from infra.settings import Settings
from infra.tokens import InvalidToken, KeyRing
from projections.worker import ProjectionWorker
from services.audit import AuditService
from services.checkpoints import CheckpointScheduler
from services.codes import CodeService
from services.compact_rules import CompactRulesService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.registry import Registry
from services.steering_group import SteeringGroupService
from services.tenants import TenantService

log = logging.getLogger(__name__)

READ_ROLE = "compacts_reader"
HEALTH_TIMEOUT_SECONDS = 2.0


def unavailable_response(_request: Request[Any, Any, State], error: Exception) -> Response[Any]:
    """The database went away outside a GraphQL operation (an idempotency key's bookkeeping): 503."""
    log.warning("database unavailable: %s", error)
    return Response(
        {"data": None, "errors": [{"message": UNAVAILABLE_MESSAGE, "extensions": {"code": "INTERNAL"}}]},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


@dataclass
class Runtime:
    """What the app builds at start-up and tears down at shutdown."""

    services: Services
    registry: Registry
    worker: ProjectionWorker | None
    keys: KeyRing
    issuer: str
    audience: str


def create_app(settings: Settings, db: Database, keys: KeyRing, *, run_worker: bool) -> Litestar:
    """The API; with `run_worker`, the projection worker runs in the same process."""

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        connect = db.asyncpg_kwargs()
        # Reads run as a role that owns nothing and may only SELECT the read models. Their statements
        # are prepared once per connection and planned once too: every read is an index probe whatever
        # its parameters, and planning the lookup afresh each time cost more than running it (1.0 ms
        # against 0.3 ms at 1,000 tenants).
        pool = await asyncpg.create_pool(
            **connect, min_size=1, max_size=10,
            server_settings={"role": READ_ROLE, "plan_cache_mode": "force_generic_plan"},
        )  # fmt: skip
        waiter = ReadModelWaiter(pool, connect)
        await waiter.start()
        registry = Registry.connect(db)
        worker = ProjectionWorker(db) if run_worker else None
        audit = AuditService(registry, keys)
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
        app.state.runtime = Runtime(
            services=Services(
                pool=pool,
                waiter=waiter,
                tenants=TenantService(registry),
                compacts=CompactService(registry),
                codes=CodeService(registry),
                steering=SteeringGroupService(registry),
                rules=CompactRulesService(registry),
                disputes=DisputeService(registry),
                consultations=ConsultationService(registry),
                notices=FundingNoticeService(registry),
                audit=audit,
                read_your_writes_timeout=settings.read_your_writes_timeout,
            ),
            registry=registry,
            worker=worker,
            keys=keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        try:
            yield
        finally:
            if scheduler:
                scheduler.stop()
            if worker:
                worker.stop()
            await waiter.close()
            await pool.close()
            registry.close()

    async def context_getter(request: Request[Any, Any, State]) -> Context:
        runtime: Runtime = request.app.state.runtime
        actor = actor_from_header(
            request.headers.get("authorization"),
            keys,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )
        reads = RequestReads(runtime.services.pool, actor)
        return Context(actor=actor, services=runtime.services, loaders=Loaders(reads, actor))

    @get("/health", operation_id="health", media_type=MediaType.JSON)
    async def health(state: State) -> Response[dict[str, str]]:
        """200 when the database answers, 503 when it does not."""
        runtime: Runtime = state.runtime
        try:
            await runtime.services.pool.fetchval("SELECT 1", timeout=HEALTH_TIMEOUT_SECONDS)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
            return Response(
                {"status": "unavailable", "database": "down"}, status_code=HTTP_503_SERVICE_UNAVAILABLE
            )
        return Response({"status": "ok", "database": "up"}, status_code=HTTP_200_OK)

    @get(
        "/checkpoints/{tenant:str}",
        operation_id="checkpoints",
        media_type=MediaType.JSON,
        sync_to_thread=True,
    )
    def checkpoints(tenant: str, state: State) -> list[dict[str, Any]]:
        """A tenant's signed checkpoints as plain JSON, for copying out of the system."""
        runtime: Runtime = state.runtime
        return [asdict(c) for c in runtime.services.audit.checkpoints(tenant)]

    @get("/.well-known/jwks.json", operation_id="jwks", media_type=MediaType.JSON)
    async def jwks() -> dict[str, Any]:
        """The public keys that verify this registry's tokens."""
        return keys.jwks()

    graphql = make_graphql_controller(
        build_schema(production=settings.production),
        path="/graphql",
        context_getter=context_getter,
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=False,
        # No WebSocket transport: the schema has no subscriptions, and over a socket one context (token,
        # dataloaders, reads) would outlive its request and the HTTP limits would not apply.
        subscription_protocols=(),
    )

    return Litestar(
        route_handlers=[graphql, health, jwks, checkpoints],
        lifespan=[lifespan],
        exception_handlers={
            InvalidToken: invalid_token_response,
            **{kind: unavailable_response for kind in UNAVAILABLE_ERRORS},
        },
        middleware=[
            rate_limit_middleware(
                TokenBuckets(settings.rate_per_token, max(10, settings.rate_per_token // 10)),
                TokenBuckets(settings.rate_per_address, max(10, settings.rate_per_address // 10)),
            ),
            idempotency_middleware,
        ],
        request_max_body_size=settings.max_body_bytes,
    )
