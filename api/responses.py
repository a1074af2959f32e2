"""Answers sent from the ASGI layer before the app: GraphQL-shaped errors, and every response's headers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypedDict

import orjson
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)


class ErrorCode(TypedDict):
    code: str


class ErrorEntry(TypedDict):
    message: str
    extensions: ErrorCode


class ErrorBody(TypedDict):
    """An answer that is only an error, as GraphQL shapes one."""

    data: None
    errors: list[ErrorEntry]


def json_error(message: str, code: str) -> ErrorBody:
    """The shape of every error the registry sends: GraphQL's, with one of the contract's codes."""
    return {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps(json_error(message, code))


async def send_json(
    send: Send, status: int, body: bytes, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    await _send_body(send, status, b"application/json", body, headers)


async def send_text(send: Send, status: int, text: str, headers: Iterable[tuple[bytes, bytes]] = ()) -> None:
    """Plain words for a person, where no JSON is expected (a page of the public site)."""
    await _send_body(send, status, b"text/plain; charset=utf-8", text.encode(), headers)


async def _send_body(
    send: Send, status: int, content_type: bytes, body: bytes, headers: Iterable[tuple[bytes, bytes]]
) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()), *headers],
    }
    await send(start)
    chunk: HTTPResponseBodyEvent = {"type": "http.response.body", "body": body, "more_body": False}
    await send(chunk)


async def send_error(
    send: Send, status: int, message: str, code: str, headers: Iterable[tuple[bytes, bytes]] = ()
) -> None:
    """A GraphQL-shaped error with one of the contract's codes."""
    await send_json(send, status, error_body(message, code), headers)


# On every response: no content sniffing, no referrer leaving the platform, never framed by another site,
# and a Content-Security-Policy that lets an answer load nothing. The pages that load anything (the public
# site's, GraphiQL's) send a policy of their own, which this one never replaces.
ALWAYS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
)
NO_STORE = (b"cache-control", b"no-store")


def security_headers(app: ASGIApp) -> ASGIApp:
    """Adds ALWAYS to every response, and `Cache-Control: no-store` to any answer to a signed-in caller.

    A signed-in caller's answer may hold private rows; no shared cache, proxy or browser may keep it.
    """

    async def headers(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        signed_in = any(name == b"authorization" for name, _ in scope.get("headers", []))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in ALWAYS if h[0] not in present]
                if signed_in:
                    extra = [h for h in extra if h[0] != b"cache-control"]
                    message["headers"] = [
                        h for h in message.get("headers", []) if h[0].lower() != b"cache-control"
                    ]
                    extra.append(NO_STORE)
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await app(scope, receive, send_with_headers)

    return headers
