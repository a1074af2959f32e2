"""The plain HTTP routes beside GraphQL: health, metrics, a tenant's signed checkpoints, the public keys."""

from __future__ import annotations

import asyncpg
from litestar import MediaType, Response, get
from litestar.concurrency import sync_to_thread
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_400_BAD_REQUEST, HTTP_503_SERVICE_UNAVAILABLE
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from api.health import ReadinessWithLag, readiness
from api.reading import reading
from api.responses import ErrorBody, json_error
from api.runtime import Runtime
from domain.actors import ANONYMOUS
from domain.tenancy import SLUG_PATTERN
from infra.tokens import JWKS

HEALTH_TIMEOUT_SECONDS = 2.0
CHECKPOINTS = """
SELECT tenant_id AS tenant, position, head_hash, signed_at, kid, signature FROM checkpoints
WHERE tenant_id = $1 ORDER BY position, kid
"""


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


@get("/health/live", operation_id="healthLive", media_type=MediaType.JSON)
async def live() -> dict[str, str]:
    """200 while the process answers; it asks nothing of the database."""
    return {"status": "ok"}


@get("/health/ready", operation_id="healthReady", media_type=MediaType.JSON)
async def ready(state: State) -> Response[ReadinessWithLag]:
    """200 when the database answers and every read model is within COMPACTS_READY_LAG_SECONDS, else 503."""
    runtime: Runtime = state.runtime
    try:
        await runtime.services.pool.fetchval("SELECT 1", timeout=HEALTH_TIMEOUT_SECONDS)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return Response(
            {"status": "unavailable", "database": "down", "lagging": []},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
        )
    found = readiness(await sync_to_thread(runtime.read_side.snapshot), runtime.ready_lag_seconds)
    return Response(
        found, status_code=HTTP_200_OK if found["status"] == "ready" else HTTP_503_SERVICE_UNAVAILABLE
    )


@get("/metrics", operation_id="metrics", media_type=CONTENT_TYPE_LATEST)
async def metrics() -> Response[bytes]:
    """Prometheus's text format: this process's counters and what the database says about the read side."""
    # In a thread: the read side's gauges ask the database (psycopg) while the page is written.
    page = await sync_to_thread(generate_latest, REGISTRY)
    return Response(page, media_type=CONTENT_TYPE_LATEST)


@get("/checkpoints/{tenant:str}", operation_id="checkpoints", media_type=MediaType.JSON)
async def checkpoints(tenant: str, state: State) -> Response[ErrorBody | list[dict[str, object]]]:
    """A tenant's signed checkpoints as plain JSON, for copying out of the system."""
    runtime: Runtime = state.runtime
    if not SLUG_PATTERN.fullmatch(tenant):
        return Response(
            json_error(f"'{tenant[:80]}' is not a tenant's slug.", "BAD_USER_INPUT"),
            status_code=HTTP_400_BAD_REQUEST,
        )
    # Read as the public reader, through the read pool: checkpoints are public, and this path never needs
    # the writers' connections.
    async with reading(runtime.services.pool, ANONYMOUS) as conn:
        rows = await conn.fetch(CHECKPOINTS, tenant)
    return Response([dict(r) for r in rows])


@get("/.well-known/jwks.json", operation_id="jwks", media_type=MediaType.JSON)
async def jwks(state: State) -> JWKS:
    """The public keys that verify this registry's tokens."""
    runtime: Runtime = state.runtime
    return runtime.keys.jwks()


ROUTES = [health, live, ready, metrics, checkpoints, jwks]
