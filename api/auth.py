"""From the Authorization header to an Actor: no header is the public reader, a bad token is a 401."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable
from functools import partial

import jwt
from litestar import Request, Response
from litestar.datastructures import State
from litestar.status_codes import HTTP_401_UNAUTHORIZED

from api.responses import ErrorBody, json_error
from domain.actors import ANONYMOUS, Actor
from infra.tokens import InvalidToken, KeyRing, for_external_issuer, verify_token

# A token verified once is not verified again for a while: checking its signature was a fifth of a
# mutation's time. An entry is honoured until the token expires and for at most VERIFIED_SECONDS, so a
# key withdrawn from the identity provider's JWKS stops being honoured within that time.
VERIFIED_SECONDS = 60.0
VERIFIED_MAX = 4096
# Keyed by what the key ring trusts (its key ids and external issuer), so a token is never answered
# from memory for a ring that would not verify it; not by the ring's id(), which Python reuses.
_verified: OrderedDict[tuple[str, str, str, tuple[str, ...], str], tuple[Actor, float]] = OrderedDict()


def _bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("Send the token as 'Authorization: Bearer <JWT>'.")
    return token.strip()


def _memo_key(
    token: str, keys: KeyRing, issuer: str, audience: str
) -> tuple[str, str, str, tuple[str, ...], str]:
    trusted = tuple(sorted(keys.verifying_keys))
    return (token, issuer, audience, trusted, keys.external.issuer if keys.external else "")


def actor_from_header(
    header: str | None, keys: KeyRing, *, issuer: str, audience: str, now: Callable[[], float] = time.time
) -> Actor:
    if not header:
        return ANONYMOUS
    token = _bearer(header)
    key = _memo_key(token, keys, issuer, audience)
    at = now()
    found = _verified.get(key)
    if found is not None and at < found[1]:
        return found[0]
    actor = verify_token(keys, token, issuer=issuer, audience=audience)
    # Verified just above, so its expiry can be read without checking the signature again.
    expires = float(jwt.decode(token, options={"verify_signature": False})["exp"])
    _verified[key] = (actor, min(expires, at + VERIFIED_SECONDS))
    if len(_verified) > VERIFIED_MAX:
        _verified.popitem(last=False)
    return actor


async def actor_from_header_off_loop(
    header: str | None, keys: KeyRing, *, issuer: str, audience: str
) -> Actor:
    """As actor_from_header; a council sign-in's token not verified lately is verified in a worker thread.

    Its provider's keys may have to be fetched first (PyJWKClient blocks for up to its timeout), and the
    event loop must keep answering every other request meanwhile. The registry's own tokens need no
    fetch and are verified in place: a thread's hand-over would cost more than their check.
    """
    verify = partial(actor_from_header, header, keys, issuer=issuer, audience=audience)
    if not header or keys.external is None:
        return verify()
    token = _bearer(header)
    found = _verified.get(_memo_key(token, keys, issuer, audience))
    if (found is not None and time.time() < found[1]) or not for_external_issuer(keys, token):
        return verify()
    return await asyncio.to_thread(verify)


def invalid_token_response(
    _request: Request[object, object, State], error: InvalidToken
) -> Response[ErrorBody]:
    """A token that fails verification refuses the whole request, whatever the operation."""
    return Response(
        json_error(str(error), "UNAUTHENTICATED"),
        status_code=HTTP_401_UNAUTHORIZED,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )
