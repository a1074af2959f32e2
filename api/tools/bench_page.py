"""The public site's benchmark: a compact's page, kept and rendered afresh, against the bare route."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx

from api.tools.bench_http import BARE, REPEATED, bare_server
from api.tools.bench_metric import Metric
from infra.database import Database, scratch_database
from projections.catalogue import migrate

CLIENTS = 16
LOCALITY = "harlow"
PAGE = f"/compacts/{LOCALITY}"
# Rendered afresh: each request asks for a day the page cache has not kept, from the compact's first day.
FIRST_DAY = date(2004, 1, 14)
Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Rate:
    """What a run of the load measured: requests answered, per second, and the latency percentiles (ms)."""

    requests: int
    rate: float
    p50: float
    p99: float


def load(send: Send, seconds: float) -> Rate:
    """`CLIENTS` callers on keep-alive connections, each sending as soon as it is answered, for `seconds`."""

    async def run() -> Rate:
        took: list[float] = []
        numbers = iter(range(10**9))
        stop = time.perf_counter() + seconds

        async def caller(client: httpx.AsyncClient) -> None:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await send(client, next(numbers))
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}: {response.text[:200]}")
                took.append((time.perf_counter() - started) * 1000)

        began = time.perf_counter()
        limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            await asyncio.gather(*(caller(client) for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - began
        ordered = sorted(took)
        return Rate(
            len(ordered),
            len(ordered) / elapsed,
            ordered[len(ordered) // 2],
            ordered[max(0, int(len(ordered) * 0.99) - 1)],
        )

    return asyncio.run(run())


def bench_page(server: Database, home: Path, *, quick: bool, say: Callable[[str], None]) -> list[Metric]:
    """Harlow's page from the demo, served from the page cache and rendered afresh, against the bare route.

    The bare route (api/tools/bench_bare.py) answers the lookup's SQL as JSON with no GraphQL, no template
    and no cache: what one read of the database costs through litestar.
    """
    from api.demo import load_demo
    from api.tools.soak import Cluster
    from projections.worker import wait_until_current
    from services.registry import Registry

    seconds = 1 if quick else 20
    with scratch_database(server, "page") as db:
        migrate(db)
        registry = Registry.connect(db)
        try:
            load_demo(registry)
        finally:
            registry.close()
        cluster = Cluster(db, home / "page")
        try:
            url = cluster.start_api()
            cluster.start_worker()
            wait_until_current(db)

            async def kept(client: httpx.AsyncClient, _n: int) -> httpx.Response:
                return await client.get(f"{url}{PAGE}")

            async def fresh(client: httpx.AsyncClient, n: int) -> httpx.Response:
                return await client.get(f"{url}{PAGE}?asOf={FIRST_DAY + timedelta(days=n)}")

            say(f"{PAGE}: {CLIENTS} clients, {seconds} s, from the page cache")
            cached = load(kept, seconds)
            say(f"{PAGE}?asOf=...: {CLIENTS} clients, {seconds} s, a new date each time (rendered afresh)")
            rendered = load(fresh, seconds)
            with bare_server(db) as bare:
                # One lookup, the same each time: the bare route at its cheapest, as the cached page is.
                body = json.loads(BARE % (LOCALITY, REPEATED))

                async def baseline_call(client: httpx.AsyncClient, _n: int) -> httpx.Response:
                    return await client.post(f"{bare}/lookup", json=body)

                say(f"the bare route: {CLIENTS} clients, {seconds} s")
                baseline = load(baseline_call, seconds)
        finally:
            cluster.stop()
    ratio = cached.rate / baseline.rate
    return [
        Metric("page", round(cached.rate, 1), "pages/s",
               "bare litestar route, one query, JSON (requests/s)", round(baseline.rate, 1),
               round(ratio, 3), ">= 0.5", ratio >= 0.5),
        Metric("page p99", round(cached.p99, 1), "ms", None, None, None, "reported", True),
        Metric("page rendered", round(rendered.rate, 1), "pages/s", None, None, None, "reported", True),
        Metric("page rendered p99", round(rendered.p99, 1), "ms", None, None, None, "reported", True),
    ]  # fmt: skip
