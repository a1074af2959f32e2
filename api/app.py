"""The litestar application: GraphQL at /graphql, /health, the public keys, and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
from litestar import Litestar, MediaType, Request, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_503_SERVICE_UNAVAILABLE

from api.auth import invalid_token_response
from api.bootstrap import audit_store_of, vault_of
from api.cors import cors_config
from api.freshness import ReadModelWaiter
from api.graphql.context import Context, Loaders, Services
from api.graphql.controller import graphql_controller
from api.graphql.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_ERRORS
from api.graphql.schema import build_schema
from api.idempotency import idempotency_middleware
from api.identity import identity_middleware, request_identity
from api.rate_limit import TokenBuckets, rate_limit_middleware
from api.reading import RequestReads, reading
from api.responses import ErrorBody, json_error, security_headers
from domain.actors import ANONYMOUS
from domain.tenancy import SLUG_PATTERN
from infra.availability import UNAVAILABLE_MESSAGE
from infra.database import Database
from infra.settings import Settings
from infra.tokens import JWKS, InvalidToken, KeyRing
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

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 2.0
CHECKPOINTS = """
SELECT tenant_id AS tenant, position, head_hash, signed_at, kid, signature FROM checkpoints
WHERE tenant_id = $1 ORDER BY position, kid
"""


def unavailable_response(_request: Request[object, object, State], error: Exception) -> Response[ErrorBody]:
    """The database went away outside a GraphQL operation (an idempotency key's bookkeeping): 503."""
    log.warning("database unavailable: %s", error)
    return Response(
        json_error(UNAVAILABLE_MESSAGE, "INTERNAL"),
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
        # Reads sign in as a role that owns nothing and may only SELECT the read models. Their statements
        # are prepared once per connection and planned once too: every read is an index probe whatever
        # its parameters, and planning the lookup afresh each time cost more than running it (1.0 ms
        # against 0.3 ms at 1,000 tenants).
        pool = await asyncpg.create_pool(
            **db.reader(settings.reader_password).asyncpg_kwargs(), min_size=1, max_size=10,
            server_settings={"plan_cache_mode": "force_generic_plan"},
        )  # fmt: skip
        waiter = ReadModelWaiter(pool, connect)
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
        app.state.runtime = Runtime(
            services=Services(
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

    async def context_getter(request: Request[object, object, State]) -> Context:
        runtime: Runtime = request.app.state.runtime
        actor = request_identity(request.scope)
        if isinstance(actor, InvalidToken):
            raise actor
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

    @get("/checkpoints/{tenant:str}", operation_id="checkpoints", media_type=MediaType.JSON)
    async def checkpoints(tenant: str, state: State) -> Response[ErrorBody | list[dict[str, object]]]:
        """A tenant's signed checkpoints as plain JSON, for copying out of the system."""
        runtime: Runtime = state.runtime
        if not SLUG_PATTERN.fullmatch(tenant):
            return Response(
                json_error(f"'{tenant[:80]}' is not a tenant's slug.", "BAD_USER_INPUT"),
                status_code=HTTP_400_BAD_REQUEST,
            )
        # Read as the public reader, through the read pool: checkpoints are public, and this path
        # never needs the writers' connections.
        async with reading(runtime.services.pool, ANONYMOUS) as conn:
            rows = await conn.fetch(CHECKPOINTS, tenant)
        return Response([dict(r) for r in rows])

    @get("/.well-known/jwks.json", operation_id="jwks", media_type=MediaType.JSON)
    async def jwks() -> JWKS:
        """The public keys that verify this registry's tokens."""
        return keys.jwks()

    graphql = graphql_controller(
        build_schema(production=settings.production),
        path="/graphql",
        context_getter=context_getter,
        graphql_ide=None if settings.production else "graphiql",
        # Queries (never mutations) by GET too, as GraphQL over HTTP allows: a persisted query then
        # travels as a short URL.
        allow_queries_via_get=True,
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
        # Outermost first: every response gets its headers, then the caller is identified once, then
        # counted, then a keyed mutation is run once.
        middleware=[
            security_headers,
            identity_middleware(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience),
            rate_limit_middleware(
                TokenBuckets(settings.rate_per_token, max(10, settings.rate_per_token // 10)),
                TokenBuckets(settings.rate_per_address, max(10, settings.rate_per_address // 10)),
            ),
            idempotency_middleware(settings.max_body_bytes),
        ],
        request_max_body_size=settings.max_body_bytes,
        # No OpenAPI document: the API is GraphQL, described by /graphql/schema.graphql; litestar's page
        # would describe /graphql as an opaque endpoint under the name "Litestar API" (docs/adr/0014).
        openapi_config=None,
        cors_config=cors_config(settings.cors_origins),
    )
