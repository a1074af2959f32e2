"""The litestar application: GraphQL at /graphql beside the plain routes, its middleware and its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from litestar.types import Middleware
from opentelemetry.sdk.trace import TracerProvider
from strawberry.litestar.controller import GraphQLController

from api.auth import invalid_token_response
from api.cors import cors_config
from api.feeds import platform_feed, tenant_deadlines, tenant_feed
from api.graphiql import graphiql_assets
from api.graphql.context import Context, Loaders
from api.graphql.controller import graphql_controller
from api.graphql.errors import RETRY_AFTER_SECONDS, UNAVAILABLE_ERRORS
from api.graphql.response_cache import ResponseCache, response_cache_middleware
from api.graphql.schema import build_schema
from api.idempotency import idempotency_middleware
from api.identity import identity_middleware, request_identity
from api.rate_limit import TokenBuckets, rate_limit_middleware
from api.reading import RequestReads
from api.request_ids import request_ids
from api.responses import ErrorBody, json_error, security_headers
from api.routes import ROUTES
from api.runtime import Runtime, running
from api.site import site_handlers, site_not_found, template_config
from api.site.cache import PageCache
from api.standby import READ_AFTER_HEADER
from infra import tracing
from infra.availability import UNAVAILABLE_MESSAGE
from infra.database import Database
from infra.settings import Settings
from infra.tokens import InvalidToken, KeyRing

log = logging.getLogger(__name__)


def unavailable_response(_request: Request[object, object, State], error: Exception) -> Response[ErrorBody]:
    """The database went away outside a GraphQL operation (an idempotency key's bookkeeping): 503."""
    log.warning("database unavailable: %s", error)
    return Response(
        json_error(UNAVAILABLE_MESSAGE, "INTERNAL"),
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def create_app(
    settings: Settings,
    db: Database,
    keys: KeyRing,
    *,
    run_worker: bool,
    tracer_provider: TracerProvider | None = None,
) -> Litestar:
    """The API; with `run_worker`, the projection worker runs in the same process.

    Traces go to `tracer_provider`, else to the collector OTEL_EXPORTER_OTLP_ENDPOINT names; with neither,
    nothing is traced and no tracing code runs on a request's way.
    """
    provider = tracer_provider or tracing.tracer_provider(settings)
    if provider is not None:
        # Before the pools are made, so that their connections are traced.
        tracing.start_tracing(provider)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with running(settings, db, keys, run_worker=run_worker) as runtime:
            app.state.runtime = runtime
            yield

    return Litestar(
        route_handlers=[
            _graphql(settings, traced=provider is not None),
            *ROUTES,
            tenant_feed,
            platform_feed,
            tenant_deadlines,
            *site_handlers(),
            *([] if settings.production else [graphiql_assets()]),
        ],
        lifespan=[lifespan],
        # The public site's pages are kept until a read model they show moves on (api/site/cache.py).
        state=State({"pages": PageCache()}),
        template_config=template_config(),
        exception_handlers={
            InvalidToken: invalid_token_response,
            NotFoundException: site_not_found,
            **{kind: unavailable_response for kind in UNAVAILABLE_ERRORS},
        },
        middleware=middleware(settings, keys),
        request_max_body_size=settings.max_body_bytes,
        # No OpenAPI document: the API is GraphQL, described by /graphql/schema.graphql; litestar's page
        # would describe /graphql as an opaque endpoint under the name "Litestar API" (docs/adr/0014).
        openapi_config=None,
        # The process's logging is its entry point's (JSON lines for serve: infra/logs.py), not litestar's.
        logging_config=None,
        cors_config=cors_config(settings.cors_origins),
        plugins=[] if provider is None else [OpenTelemetryPlugin(traced_requests(provider))],
    )


def _graphql(settings: Settings, *, traced: bool) -> type[GraphQLController]:
    """The controller that serves the schema at /graphql."""
    return graphql_controller(
        build_schema(production=settings.production, traced=traced),
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


def traced_requests(provider: TracerProvider) -> OpenTelemetryConfig:
    """A server span for each request but the probes and scrapes, without a span per body chunk."""
    return OpenTelemetryConfig(
        tracer_provider=provider, exclude=["^/health", "^/metrics"], exclude_spans=["receive", "send"]
    )


async def context_getter(request: Request[object, object, State]) -> Context:
    """Each GraphQL request's context: who asks, the services, and dataloaders reading as that reader."""
    runtime: Runtime = request.app.state.runtime
    actor = request_identity(request.scope)
    if isinstance(actor, InvalidToken):
        raise actor
    services = runtime.services
    reads = RequestReads(services.pool, actor, services.standby, request.headers.get(READ_AFTER_HEADER))
    return Context(actor=actor, services=runtime.services, loaders=Loaders(reads, actor))


def middleware(settings: Settings, keys: KeyRing) -> list[Middleware]:
    """Outermost first: every request gets its id and every response its headers, then the caller is
    identified once, then counted, then a keyed mutation is run once, and a public read is answered from the
    response cache if it can be."""
    return [
        request_ids,
        security_headers,
        identity_middleware(keys, issuer=settings.jwt_issuer, audience=settings.jwt_audience),
        rate_limit_middleware(
            TokenBuckets(settings.rate_per_token, max(10, settings.rate_per_token // 10)),
            TokenBuckets(settings.rate_per_address, max(10, settings.rate_per_address // 10)),
        ),
        idempotency_middleware(settings.max_body_bytes),
        response_cache_middleware(ResponseCache()),
    ]
