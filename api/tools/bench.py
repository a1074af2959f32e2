"""Benchmarks, each against a baseline or a target measured in the same run: `compacts bench`."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import psycopg

from api.tools.bench_metric import Metric
from api.tools.bench_tree import ADMIN, Tree
from domain.commands import CreateTenant
from domain.tenancy import Tier
from infra.database import Database, scratch_database
from infra.settings import Settings
from projections.base import PROJECTED_CHANNEL
from projections.catalogue import migrate
from projections.worker import ProjectionWorker, wait_until_current
from services.registry import Registry
from services.tenants import TenantService

# Each request asks about a day of its own (`$asOf`), so that no answer comes from the response cache
# and the figure is the lookup's walk through the tiers; the document is the same, as an integrator's is.
LOOKUP = (
    'query($asOf: Date) { lookup(locality: "%s", matter: "procurement", asOf: $asOf) '
    "{ answeredBy { slug } trail { tenant { slug } covered reason } explanation } }"
)
FIRST_DAY = date(2010, 1, 1)


def latencies(url: str, query: str, count: int, first: int = 0) -> list[float]:
    """Milliseconds of `count` sequential GraphQL requests, after a warm-up; each request's `$asOf` is a
    day of its own, counted from `first` days after FIRST_DAY."""
    days = (FIRST_DAY + timedelta(days=first + n) for n in itertools.count())
    with httpx.Client(timeout=30) as client:
        for _ in range(20):
            asked = {"query": query, "variables": {"asOf": next(days).isoformat()}}
            client.post(f"{url}/graphql", json=asked).raise_for_status()
        times = []
        for _ in range(count):
            asked = {"query": query, "variables": {"asOf": next(days).isoformat()}}
            started = time.perf_counter()
            response = client.post(f"{url}/graphql", json=asked)
            times.append((time.perf_counter() - started) * 1000)
            body = response.json()
            if "errors" in body:
                raise RuntimeError(f"the benchmark's lookup failed: {body['errors']}")
    return times


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def bench_lookup_scale(
    server: Database, home: Path, *, quick: bool, say: Callable[[str], None]
) -> list[Metric]:
    """Lookup latency at 10 tenants and at 1,000, 20 sections each, measured in one run.

    The API and the worker run as `compacts serve` and `compacts worker` processes, as deployed; the
    client here sends one request at a time, so the figure is a lookup's latency, not a queue's, and each
    asks about a different day, so it is the walk's, not the response cache's.
    """
    from api.tools.soak import Cluster

    # --quick checks the output's shape in the suite: a tenth of the tree, a fifth of the requests.
    requests, sizes = (40, (10, 100)) if quick else (1000, (10, 1000))
    with scratch_database(server, "bench") as db:
        migrate(db)
        cluster = Cluster(db, home / "scale")
        registry = Registry.connect(db)
        try:
            url = cluster.start_api()
            cluster.start_worker()
            tree = Tree(registry)
            results: dict[int, list[float]] = {}
            for size in sizes:
                say(f"growing the tree to {size} tenants")
                tree.grow_to(size)
                wait_until_current(db)
                # A steady state, as autovacuum gives a long-running database: fresh statistics, and
                # no vacuum of the bulk load competing for the two cores while we measure.
                with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
                    conn.execute("VACUUM ANALYZE")
                # The deepest locality of the tree, and a matter few compacts cover: a full walk.
                locality = (tree.parents[Tier.DISTRICT] or tree.parents[Tier.COUNTY])[-1]
                say(f"{requests} lookups from {locality} at {size} tenants")
                # Days no other request asks about, in this run or the one before it.
                results[size] = latencies(url, LOOKUP % locality, requests, first=len(results) * 2000)
        finally:
            registry.close()
            cluster.stop()
    few, many = sizes
    small, large = statistics.median(results[few]), statistics.median(results[many])
    ratio = large / small

    def reported(name: str, value: float) -> Metric:
        return Metric(name, round(value, 3), "ms", None, None, None, "reported", True)

    return [
        reported(f"lookup_p50_{few}_tenants", small),
        reported(f"lookup_p99_{few}_tenants", p(results[few], 99)),
        reported(f"lookup_p50_{many}_tenants", large),
        reported(f"lookup_p99_{many}_tenants", p(results[many], 99)),
        Metric(
            name="scale",
            value=round(ratio, 3),
            unit="ratio",
            baseline=f"lookup p50 at {few} tenants (ms)",
            baseline_value=round(small, 3),
            ratio=round(ratio, 3),
            target="<= 1.2",
            met=ratio <= 1.2,
        ),
    ]


def raw_inserts(db: Database, count: int) -> float:
    """The physical limit of one writer: single-row INSERTs, each its own commit, on one connection."""

    async def insert() -> float:
        conn = await asyncpg.connect(**db.asyncpg_kwargs())
        try:
            await conn.execute("CREATE TABLE IF NOT EXISTS bench_rows (id bigserial PRIMARY KEY, body jsonb)")
            started = time.perf_counter()
            for n in range(count):
                await conn.execute("INSERT INTO bench_rows (body) VALUES ($1)", f'{{"n": {n}}}')
            return count / (time.perf_counter() - started)
        finally:
            await conn.close()

    return asyncio.run(insert())


def bench_append(server: Database, *, quick: bool, say: Callable[[str], None]) -> list[Metric]:
    """Commands through services/ (each a new tenant: a new event), 8 callers at once, against raw INSERTs."""
    count = 400 if quick else 4000
    callers = 8
    with scratch_database(server, "bench") as db:
        migrate(db)
        say(f"{count} raw INSERT commits on one connection")
        baseline = raw_inserts(db, count)
        registry = Registry.connect(db)
        tenants = TenantService(registry)
        try:
            say(f"{count} commands through services/, {callers} callers at once")

            def call(caller: int) -> None:
                for n in range(count // callers):
                    tenants.create_tenant(
                        ADMIN, CreateTenant(slug=f"append-{caller}-{n}", name="Bench", tier=Tier.NATIONAL)
                    )

            threads = [threading.Thread(target=call, args=(c,)) for c in range(callers)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            rate = (count // callers) * callers / (time.perf_counter() - started)
        finally:
            registry.close()
    ratio = rate / baseline
    return [
        Metric(
            name="append",
            value=round(rate),
            unit="commands/s",
            baseline="raw single-row INSERT commits/s, one asyncpg connection, autocommit",
            baseline_value=round(baseline),
            ratio=round(ratio, 3),
            target=">= 0.5",
            met=ratio >= 0.5,
        )
    ]


def bench_lag(server: Database, *, quick: bool, say: Callable[[str], None]) -> list[Metric]:
    """Milliseconds from a command's commit to the read model announcing its row (LISTEN, no polling)."""
    samples = 50 if quick else 1000
    lags: list[float] = []
    with scratch_database(server, "bench") as db:
        migrate(db)
        registry = Registry.connect(db)
        tenants = TenantService(registry)
        worker = ProjectionWorker(db)
        worker.start()
        try:
            with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as listener:
                listener.execute(f"LISTEN {PROJECTED_CHANNEL}")
                say(f"{samples} commands, each timed from its commit to its row in the tenant directory")
                for n in range(samples):
                    recorded = tenants.create_tenant(
                        ADMIN, CreateTenant(slug=f"lag-{n}", name="Bench", tier=Tier.NATIONAL)
                    )
                    committed = time.perf_counter()
                    wanted = f"tenant_directory:{recorded.notification_id}"
                    for note in listener.notifies(timeout=10):
                        if note.payload == wanted:
                            lags.append((time.perf_counter() - committed) * 1000)
                            break
                    else:
                        raise RuntimeError(f"the tenant directory never announced {wanted}")
        finally:
            worker.stop()
            registry.close()
    p50, p99 = statistics.median(lags), p(lags, 99)
    return [
        Metric(name="lag p50", value=round(p50, 2), unit="ms", baseline=None, baseline_value=None,
               ratio=None, target="reported", met=True),
        Metric(name="lag p99", value=round(p99, 2), unit="ms", baseline=None, baseline_value=None,
               ratio=None, target="<= 20", met=p99 <= 20),
    ]  # fmt: skip


# What `--only` may pick: the benchmarks that stand on their own (mutation needs append's figure).
ALONE = ("append", "lag", "scale", "page", "replay", "verify")


def run(
    server: Database,
    settings: Settings,
    *,
    quick: bool,
    out: Path | None,
    say: Callable[[str], None],
    only: str | None = None,
) -> list[Metric]:
    from api.tools.bench_http import bench_http
    from api.tools.bench_page import bench_page
    from api.tools.bench_replay import bench_replay
    from api.tools.bench_verify import bench_verify, bench_verify_all, bench_verify_store

    home = settings.home
    alone: dict[str, Callable[[], list[Metric]]] = {
        "append": lambda: bench_append(server, quick=quick, say=say),
        "lag": lambda: bench_lag(server, quick=quick, say=say),
        "scale": lambda: bench_lookup_scale(server, home, quick=quick, say=say),
        "page": lambda: bench_page(server, home, quick=quick, say=say),
        "replay": lambda: bench_replay(server, quick=quick, say=say),
        "verify": lambda: (
            bench_verify(quick=quick, say=say)
            + bench_verify_store(server, quick=quick, say=say)
            + bench_verify_all(server, settings, quick=quick, say=say)
        ),
    }
    if only is not None:
        metrics = alone[only]()
    else:
        append = alone["append"]()
        metrics = (
            append
            + bench_http(server, home, append[0].value, quick=quick, say=say)
            + alone["lag"]()
            + alone["scale"]()
            + alone["page"]()
            + alone["replay"]()
            + alone["verify"]()
        )
    if out is not None:
        out.write_text(json.dumps([asdict(m) for m in metrics], indent=2) + "\n")
    return metrics


def as_table(metrics: list[Metric]) -> str:
    rows = [f"{'metric':<24} {'value':>10} {'unit':<11} {'baseline':>10} {'ratio':>7} {'target':<9} met"]
    for m in metrics:
        baseline = "" if m.baseline_value is None else f"{m.baseline_value:g}"
        ratio = "" if m.ratio is None else f"{m.ratio:g}"
        rows.append(
            f"{m.name:<24} {m.value:>10g} {m.unit:<11} {baseline:>10} {ratio:>7} {m.target:<9} "
            f"{'yes' if m.met else 'NO'}"
        )
    return "\n".join(rows)
