"""Idempotency keys: a mutation retried with the same `Idempotency-Key` runs once and answers the same."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import orjson
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPDisconnectEvent,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)

from infra.tokens import InvalidToken, verify_token

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


async def _as(pool: Any, actor: str, method: str, query: str, *args: Any) -> Any:
    """One statement in a transaction that row-level security knows belongs to `actor`."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(AS_ACTOR, actor)
        return await getattr(conn, method)(query, *args)


BAD_KEY = f"The Idempotency-Key must be 1 to {KEY_MAX} printable characters."
FIRST_FAILED = "The first request with this Idempotency-Key failed; retry it."
OTHER_REQUEST = "This Idempotency-Key was already used for a different request; use a new key."
STILL_RUNNING = "The first request with this Idempotency-Key is still running; retry shortly."


def _graphql_error(message: str, code: str) -> bytes:
    return orjson.dumps({"data": None, "errors": [{"message": message, "extensions": {"code": code}}]})


async def _respond(send: Send, status: int, body: bytes) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    }
    await send(start)
    chunk: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(chunk)


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    """Wraps POST /graphql; requests without the header pass straight through."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == ScopeType.HTTP else {}
        raw_key = headers.get(HEADER)
        if raw_key is None or scope.get("method") != "POST" or scope.get("path") != "/graphql":
            await app(scope, receive, send)
            return
        key = raw_key.decode("latin-1").strip()
        if not key or len(key) > KEY_MAX or not key.isprintable():
            await _respond(send, 200, _graphql_error(BAD_KEY, "BAD_USER_INPUT"))
            return
        body = await _read_body(receive)
        runtime = scope["app"].state.runtime
        actor = _actor_of(headers.get(b"authorization"), runtime)
        if actor is None:
            # No valid identity to scope the key by: the request runs as usual and gets its 401.
            await app(scope, _replay(body), send)
            return
        request_hash = hashlib.sha256(_canonical(body)).hexdigest()
        pool = runtime.services.pool
        await _as(pool, actor, "execute", EXPIRE, actor)
        if await _as(pool, actor, "fetchval", CLAIM, actor, key, request_hash) is None:
            await _answer_again(
                pool, send, actor, key, request_hash, runtime.services.read_your_writes_timeout
            )
            return
        captured: list[Message] = []

        async def capture(message: Message) -> None:
            captured.append(message)
            await send(message)

        try:
            await app(scope, _replay(body), capture)
        except BaseException:
            await _as(pool, actor, "execute", FORGET, actor, key)
            raise
        status = next((m["status"] for m in captured if m["type"] == "http.response.start"), 500)
        answer = b"".join(m.get("body", b"") for m in captured if m["type"] == "http.response.body")
        if status >= 500:
            # A failure on our side is not an answer to repeat: the retry runs again.
            await _as(pool, actor, "execute", FORGET, actor, key)
        else:
            await _as(pool, actor, "execute", DONE, actor, key, status, answer)

    return middleware


async def _answer_again(
    pool: Any, send: Send, actor: str, key: str, request_hash: str, timeout: float
) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout + 5
    while True:
        row = await _as(pool, actor, "fetchrow", FIND, actor, key)
        if row is None:
            await _respond(send, 200, _graphql_error(FIRST_FAILED, "CONFLICT"))
            return
        if row["request_hash"] != request_hash:
            await _respond(send, 200, _graphql_error(OTHER_REQUEST, "CONFLICT"))
            return
        if row["status"] is not None:
            await _respond(send, row["status"], bytes(row["response"]))
            return
        if loop.time() > deadline:
            await _respond(send, 200, _graphql_error(STILL_RUNNING, "CONFLICT"))
            return
        # The first request is still running in another worker or process; its answer is a moment away.
        await asyncio.sleep(WAIT_STEP_SECONDS)


def _actor_of(authorization: bytes | None, runtime: Any) -> str | None:
    if not authorization:
        return "anonymous"
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        actor = verify_token(runtime.keys, token.strip(), issuer=runtime.issuer, audience=runtime.audience)
    except InvalidToken:
        return None
    return actor.sub


def _canonical(body: bytes) -> bytes:
    """The same request sent with other spacing or key order is the same request."""
    try:
        return orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
    except orjson.JSONDecodeError:
        return body


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        chunks.append(chunk if isinstance(chunk, bytes) else b"")
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
