"""From the Authorization header to an Actor: no header is the public reader, a bad token is a 401."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import State
from litestar.status_codes import HTTP_401_UNAUTHORIZED

from domain.actors import ANONYMOUS, Actor
from infra.tokens import InvalidToken, KeyRing, verify_token


def actor_from_header(header: str | None, keys: KeyRing, *, issuer: str, audience: str) -> Actor:
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Send the token as 'Authorization: Bearer <JWT>'.")
    return verify_token(keys, token.strip(), issuer=issuer, audience=audience)


def invalid_token_response(_request: Request[Any, Any, State], error: InvalidToken) -> Response[Any]:
    """A token that fails verification refuses the whole request, whatever the operation."""
    return Response(
        {"data": None, "errors": [{"message": str(error), "extensions": {"code": "UNAUTHENTICATED"}}]},
        status_code=HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
