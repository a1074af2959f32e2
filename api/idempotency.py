"""Idempotency keys: a mutation retried with the same `Idempotency-Key` runs once and answers the same."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import lru_cache

import asyncpg
import orjson
from graphql import GraphQLError, OperationDefinitionNode, OperationType, parse
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPDisconnectEvent,
    HTTPRequestEvent,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from api.graphql.schema import MAX_TOKENS
from api.identity import request_identity
from api.responses import send_error, send_json
from domain.actors import Actor
from infra.metrics import IDEMPOTENCY_REPLAYS

HEADER = b"idempotency-key"
KEY_MAX = 200
# Keys are kept this long; a retry after that runs as a new request.
RETENTION = "24 hours"
WAIT_STEP_SECONDS = 0.05

CLAIM = """
INSERT INTO idempotent_requests (actor, key, request_hash) VALUES ($1, $2, $3)
ON CONFLICT (actor, key) DO NOTHING RETURNING key
"""
FIND = "SELECT request_hash, status, response FROM idempotent_requests WHERE actor = $1 AND key = $2"
DONE = "UPDATE idempotent_requests SET status = $3, response = $4 WHERE actor = $1 AND key = $2"
FORGET = "DELETE FROM idempotent_requests WHERE actor = $1 AND key = $2"
# Row-level security lets each caller touch only its own keys, so each clears its own old ones.
EXPIRE = f"DELETE FROM idempotent_requests WHERE actor = $1 AND created_at < now() - interval '{RETENTION}'"
AS_ACTOR = "SELECT set_config('compacts.actor', $1, true)"


@asynccontextmanager
async def _as(pool: asyncpg.Pool, actor: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection in a transaction that row-level security knows belongs to `actor`."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(AS_ACTOR, actor)
        yield conn


BAD_KEY = f"The Idempotency-Key must be 1 to {KEY_MAX} printable characters."
FIRST_FAILED = "The first request with this Idempotency-Key failed; retry it."
OTHER_REQUEST = "This Idempotency-Key was already used for a different request; use a new key."
STILL_RUNNING = "The first request with this Idempotency-Key is still running; retry shortly."
TOO_LARGE = "The request body is larger than this registry accepts ({limit} bytes); send less."


class BodyTooLarge(Exception):
    """The body grew past the limit while it was read; nothing more of it is read."""


def identity_scope(actor: Actor) -> str:
    """Keys belong to the whole identity: a stored answer is replayed only to the same issuer, subject,
    roles and tenants, so a token with the same `sub` and other rights never sees another's answer."""
    identity = [actor.issuer, actor.sub, sorted(actor.roles), sorted(actor.tenants)]
    return "id:" + hashlib.sha256(orjson.dumps(identity)).hexdigest()


def idempotency_middleware(max_body_bytes: int) -> Callable[[ASGIApp], ASGIApp]:
    """Wraps POST /graphql: a signed-in caller's mutation with the header runs once; the rest pass through.

    Reads are never replayed (they answer from the read models as they are now), and anonymous callers
    have no identity to scope a key by, so for both the header is ignored.
    """

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            headers = dict(scope.get("headers", [])) if scope["type"] == ScopeType.HTTP else {}
            raw_key = headers.get(HEADER)
            if raw_key is None or scope.get("method") != "POST" or scope.get("path") != "/graphql":
                await app(scope, receive, send)
                return
            actor = request_identity(scope)
            if not isinstance(actor, Actor) or actor.is_anonymous:
                # No verified identity: the request runs as usual (an anonymous read, or its 401).
                await app(scope, receive, send)
                return
            key = raw_key.decode("latin-1").strip()
            if not key or len(key) > KEY_MAX or not key.isprintable():
                await send_error(send, 200, BAD_KEY, "BAD_USER_INPUT")
                return
            try:
                body = await _read_body(receive, headers, max_body_bytes)
            except BodyTooLarge:
                await send_error(send, 413, TOO_LARGE.format(limit=max_body_bytes), "BAD_USER_INPUT")
                return
            if not is_mutation(body):
                await app(scope, _replay(body), send)
                return
            await _once(app, scope, send, body, identity_scope(actor), key)

        return middleware

    return wrap


async def _once(app: ASGIApp, scope: Scope, send: Send, body: bytes, actor: str, key: str) -> None:
    """Runs the request under its key, or answers as the first request with that key did."""
    runtime = scope["app"].state.runtime
    request_hash = hashlib.sha256(_canonical(body)).hexdigest()
    pool: asyncpg.Pool = runtime.services.pool
    async with _as(pool, actor) as conn:
        await conn.execute(EXPIRE, actor)
    async with _as(pool, actor) as conn:
        claimed = await conn.fetchval(CLAIM, actor, key, request_hash)
    if claimed is None:
        await _answer_again(pool, send, actor, key, request_hash, runtime.services.read_your_writes_timeout)
        return
    captured: list[Message] = []

    async def capture(message: Message) -> None:
        captured.append(message)
        await send(message)

    try:
        await app(scope, _replay(body), capture)
    except BaseException:
        async with _as(pool, actor) as conn:
            await conn.execute(FORGET, actor, key)
        raise
    status = next((m["status"] for m in captured if m["type"] == "http.response.start"), 500)
    answer = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
    if status >= 500:
        # A failure on our side is not an answer to repeat: the retry runs again.
        async with _as(pool, actor) as conn:
            await conn.execute(FORGET, actor, key)
    else:
        async with _as(pool, actor) as conn:
            await conn.execute(DONE, actor, key, status, answer)


@lru_cache(maxsize=512)
def _operation_types(query: str) -> dict[str | None, OperationType]:
    document = parse(query, max_tokens=MAX_TOKENS)
    return {
        (d.name.value if d.name else None): d.operation
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }


def is_mutation(body: bytes) -> bool:
    """Whether the body asks for a mutation; anything unreadable is left to GraphQL to refuse."""
    try:
        request = orjson.loads(body)
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return False
        operations = _operation_types(request["query"])
    except (orjson.JSONDecodeError, GraphQLError):
        return False
    name = request.get("operationName")
    if isinstance(name, str):
        return operations.get(name) is OperationType.MUTATION
    return len(operations) == 1 and next(iter(operations.values())) is OperationType.MUTATION


async def _answer_again(
    pool: asyncpg.Pool, send: Send, actor: str, key: str, request_hash: str, timeout: float
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout + 5
    while True:
        async with _as(pool, actor) as conn:
            row = await conn.fetchrow(FIND, actor, key)
        if row is None:
            IDEMPOTENCY_REPLAYS.labels("conflict").inc()
            await send_error(send, 200, FIRST_FAILED, "CONFLICT")
            return
        if row["request_hash"] != request_hash:
            IDEMPOTENCY_REPLAYS.labels("conflict").inc()
            await send_error(send, 200, OTHER_REQUEST, "CONFLICT")
            return
        if row["status"] is not None:
            IDEMPOTENCY_REPLAYS.labels("stored").inc()
            await send_json(send, row["status"], bytes(row["response"]))
            return
        if loop.time() > deadline:
            IDEMPOTENCY_REPLAYS.labels("conflict").inc()
            await send_error(send, 200, STILL_RUNNING, "CONFLICT")
            return
        # The first request is still running in another worker or process; its answer is a moment away.
        await asyncio.sleep(WAIT_STEP_SECONDS)


def _canonical(body: bytes) -> bytes:
    """The same request sent with other spacing or key order is the same request."""
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        return body


async def _read_body(receive: Receive, headers: dict[bytes, bytes], limit: int) -> bytes:
    """The whole body, counted as it arrives: past `limit` it stops reading and refuses."""
    declared = headers.get(b"content-length", b"").strip()
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if isinstance(chunk, bytes):
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> ReceiveMessage:
        nonlocal sent
        if sent:
            disconnect: HTTPDisconnectEvent = {"type": "http.disconnect"}
            return disconnect
        sent = True
        request: HTTPRequestEvent = {"type": "http.request", "body": body, "more_body": False}
        return request

    return receive
