"""Who sent a request, settled once before anything else reads it: the rate limit, idempotency and GraphQL."""

from __future__ import annotations

from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from api.auth import actor_from_header_off_loop
from api.responses import send_error
from domain.actors import Actor
from infra.tokens import InvalidToken, KeyRing

ONE_HEADER = "Send one Authorization header, not several."


def request_identity(scope: Scope) -> Actor | InvalidToken:
    """The actor the identity middleware found for this request, or why its token was refused."""
    found: Actor | InvalidToken = scope["state"]["compacts.identity"]
    return found


def identity_middleware(keys: KeyRing, *, issuer: str, audience: str) -> Callable[[ASGIApp], ASGIApp]:
    """Reads the one Authorization header and verifies it (verifications are remembered, api/auth.py), never
    holding up the event loop while a council's sign-in is asked for its keys.

    Two Authorization headers are refused outright: before, sign-in read the first and the rate limiter
    the last, so a second header gave every request a fresh allowance.
    """

    def middleware(app: ASGIApp) -> ASGIApp:
        async def identify(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return
            headers = [value for name, value in scope.get("headers", []) if name == b"authorization"]
            if len(headers) > 1:
                await send_error(send, 400, ONE_HEADER, "BAD_USER_INPUT")
                return
            found: Actor | InvalidToken
            try:
                header = headers[0].decode("latin-1") if headers else None
                found = await actor_from_header_off_loop(header, keys, issuer=issuer, audience=audience)
            except InvalidToken as error:
                found = error
            scope.setdefault("state", {})["compacts.identity"] = found
            await app(scope, receive, send)

        return identify

    return middleware
