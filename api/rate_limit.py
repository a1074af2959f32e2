"""Per-identity and per-address rate limits: a token bucket each, answering RATE_LIMITED when empty."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

import orjson
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from api.identity import request_identity
from api.responses import send_error, send_text
from domain.actors import Actor
from infra.metrics import RATE_LIMITED
from infra.tokens import InvalidToken

# Buckets for this many callers at most; the least recently seen are forgotten first.
MAX_BUCKETS = 100_000


@dataclass
class Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """`per_minute` requests a minute for each caller, with bursts up to `burst`."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()

    def allow(self, caller: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        bucket = self.buckets.pop(caller, None) or Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self.buckets[caller] = bucket
        while len(self.buckets) > MAX_BUCKETS:
            self.buckets.popitem(last=False)
        return allowed


LIMITED = "Too many requests; slow down and retry in a few seconds."
# What the limits apply to: GraphQL and the checkpoints, which read the database for anyone who asks.
LIMITED_PATHS = ("/graphql", "/checkpoints/")
# The public site's pages that read the database (the directory reads one small list): a person over the
# limit gets HTTP's own 429 in plain words, not GraphQL's error.
PAGE_PATHS = ("/compacts/", "/lookup")


def caller_key(identity: Actor | InvalidToken, scope: Scope) -> tuple[bool, str]:
    """(signed in, bucket): a verified identity's own bucket, else the address it came from.

    A token that fails verification counts against its address like no token at all: otherwise every
    made-up token would bring a fresh bucket of its own.
    """
    if isinstance(identity, Actor) and not identity.is_anonymous:
        who = orjson.dumps([identity.issuer, identity.sub])
        return True, "t:" + hashlib.sha256(who).hexdigest()
    client = scope.get("client")
    return False, "a:" + (client[0] if client else "unknown")


def rate_limit_middleware(per_token: TokenBuckets, per_address: TokenBuckets) -> type:
    """Requests are counted against the verified identity, or the address when there is none."""

    class RateLimit:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            path = scope.get("path", "") if scope["type"] == ScopeType.HTTP else ""
            page = path.startswith(PAGE_PATHS)
            if not (page or path.startswith(LIMITED_PATHS)):
                await self.app(scope, receive, send)
                return
            signed_in, key = caller_key(request_identity(scope), scope)
            if (per_token if signed_in else per_address).allow(key):
                await self.app(scope, receive, send)
                return
            RATE_LIMITED.labels("token" if signed_in else "address").inc()
            if page:
                await send_text(send, 429, LIMITED, [(b"retry-after", b"5")])
                return
            await send_error(send, 200, LIMITED, "RATE_LIMITED", [(b"retry-after", b"5")])

    return RateLimit
