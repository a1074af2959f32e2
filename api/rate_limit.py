"""Per-token and per-address rate limits: a token bucket each, answering RATE_LIMITED when empty."""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from dataclasses import dataclass

import orjson
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseBodyEvent, HTTPResponseStartEvent, Receive, Scope, Send

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


LIMITED = orjson.dumps(
    {
        "data": None,
        "errors": [
            {
                "message": "Too many requests; slow down and retry in a few seconds.",
                "extensions": {"code": "RATE_LIMITED"},
            }
        ],
    }
)


def rate_limit_middleware(per_token: TokenBuckets, per_address: TokenBuckets) -> type:
    """GraphQL requests are counted against their bearer token, or their address when they have none."""

    class RateLimit:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP or scope.get("path") != "/graphql":
                await self.app(scope, receive, send)
                return
            headers = dict(scope.get("headers", []))
            authorization = headers.get(b"authorization")
            if authorization:
                # The token's digest, not the token: a bad token is refused later, but still counted.
                allowed = per_token.allow("t:" + hashlib.sha256(authorization).hexdigest())
            else:
                client = scope.get("client")
                allowed = per_address.allow("a:" + (client[0] if client else "unknown"))
            if allowed:
                await self.app(scope, receive, send)
                return
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")],
            }
            await send(start)
            body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": LIMITED, "more_body": False}
            await send(body)

    return RateLimit
