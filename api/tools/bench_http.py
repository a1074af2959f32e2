"""The HTTP benchmarks, with locust as the load generator: mutations, lookups, and a bare baseline route."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.serving import DEFAULT_SERVER, HTTPServer, processes_for
from api.tools.bench_metric import Metric, peak_rss_mb
from api.tools.bench_tree import Tree
from api.tools.soak import Cluster, free_port
from infra.database import Database, scratch_database
from projections.catalogue import migrate

# The load generator, as pinned in requirements.lock; installed by the benchmark if it is missing.
USERS = 16
# The half-peak latency is measured with few users: locust's own overhead per user inflates what it
# reports at low rates (against the bare route at 60/s: p50 2 ms with one user, 9 ms with sixteen),
# while a plain socket client with sixteen connections saw no such rise from the API.
HALF_PEAK_USERS = 2
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# One document for every request, the new slug a variable: as an integrator would send it, so the
# document is parsed and validated once.
MUTATION = (
    '{"query": "mutation($slug: String!) { createTenant(slug: $slug, name: \\"Bench\\", tier: NATIONAL) '
    '{ slug } }", "variables": {"slug": "m-{unique}"}}'
)
# The lookup as an integrator sends it, the locality and the date as variables. In the distinct-query run
# every request asks about a day no other request asks about (`{day}`, see the locustfile), so none is
# answered from the response cache; the repeated-query run asks the same each time.
LOOKUP = (
    '{"query": "query($locality: String!, $asOf: Date) { lookup(locality: $locality, '
    'matter: \\"procurement\\", asOf: $asOf) '
    '{ answeredBy { slug } trail { tenant { slug } covered reason } explanation } }", '
    '"variables": {"locality": "%s", "asOf": "%s"}}'
)
BARE = '{"locality": "%s", "matter": "procurement", "asOf": "%s"}'
DISTINCT = "{day}"
REPEATED = "2010-01-01"


@dataclass(frozen=True)
class Load:
    """What locust reports for one run: its aggregated row."""

    requests: int
    failures: int
    rate: float
    p50: float
    p99: float
    # Answers that said `x-cache: hit` / `x-cache: miss` (the response cache's verdict on each).
    hits: int = 0
    misses: int = 0


def locust(
    url: str,
    body: str,
    *,
    seconds: int,
    path: str = "/graphql",
    token: str = "",
    rate: float = 0.0,
    users: int = USERS,
) -> Load:
    """Run locust headless against `url`, each user at `rate`/s if given; any failed request is an error."""
    with tempfile.TemporaryDirectory() as out:
        prefix = Path(out) / "run"
        cache = Path(out) / "cache.json"
        env = {**os.environ, "BENCH_PATH": path, "BENCH_BODY": body, "BENCH_TOKEN": token,
               "BENCH_RATE": f"{rate:.3f}" if rate else "", "BENCH_CACHE_OUT": str(cache)}  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", url,
             "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "5",
             "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0"],
            env=env, capture_output=True, text=True, check=False, timeout=seconds + 120,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"locust failed: {done.stderr[-2000:]}")
        with (Path(f"{prefix}_stats.csv")).open() as f:
            row = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
        if int(row["Request Count"]) == 0:  # its percentiles are then "N/A"
            raise RuntimeError(f"locust sent no request to {url}{path} in {seconds} s; is the machine busy?")
        answers = json.loads(cache.read_text()) if cache.exists() else {}
        load = Load(
            requests=int(row["Request Count"]),
            failures=int(row["Failure Count"]),
            rate=float(row["Requests/s"]),
            p50=float(row["50%"]),
            p99=float(row["99%"]),
            hits=int(answers.get("hit", 0)),
            misses=int(answers.get("miss", 0)),
        )
        if load.failures:
            with (Path(f"{prefix}_failures.csv")).open() as f:
                first = next(csv.DictReader(f), {})
            raise RuntimeError(f"{load.failures} of {load.requests} requests failed, first: {first}")
        return load


@contextmanager
def bare_server(db: Database) -> Iterator[str]:
    """`api.tools.bench_bare` in a process of its own, like the API it is compared with."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "api.tools.bench_bare", db.url, str(port)])
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.post(f"{url}/lookup", json={"locality": "-", "matter": "-", "asOf": "2010-01-01"})
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the bare lookup route did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(10)


def api_peak_rss_mb(pid: int) -> float:
    """The largest peak resident set of an API's processes: the one given, or each it started."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    pids = [int(c) for c in children.read_text().split()] if children.exists() else []
    return max(peak_rss_mb(p) for p in pids or [pid])


@dataclass(frozen=True)
class Served:
    """One HTTP server's figures behind the same app: mutations, and lookups of distinct queries."""

    server: HTTPServer
    mutation: Load
    lookup: Load


def bench_http(
    server: Database, home: Path, append_rate: float, *, quick: bool, say: Callable[[str], None]
) -> list[Metric]:
    """Mutations and lookups over HTTP to the API (one process per core), with a worker process, on loopback.

    The API runs under each HTTP server in turn; the figures of the default one (`compacts serve`'s) are the
    mutation and lookup metrics, the other's are reported beside them.
    """
    seconds = 2 if quick else 30  # --quick checks the figures' shape, in the suite
    processes = processes_for(0)
    measured: dict[HTTPServer, Served] = {}
    with scratch_database(server, "http") as db:
        migrate(db)
        cluster = Cluster(db, home / "http")
        try:
            cluster.start_worker()
            locality = _grown_tree_locality(db)
            # The default server last: the repeated-query and half-peak runs follow on the same processes.
            for http_server in sorted(HTTPServer, key=lambda s: s is DEFAULT_SERVER):
                url = cluster.start_api("--workers", str(processes), "--server", http_server.value)
                api = cluster.apis[-1][0]
                say(f"{http_server.value}, {processes} API processes: mutations, locust, {USERS} users, "
                    f"{seconds} s, each creating a tenant")  # fmt: skip
                mutation = locust(url, MUTATION, seconds=seconds, token=cluster.admin)
                say(f"{http_server.value}: lookups from {locality}, each of a day no other asks about: "
                    f"locust, {USERS} users, {seconds} s, as fast as they are answered")  # fmt: skip
                lookup = locust(url, LOOKUP % (locality, DISTINCT), seconds=seconds)
                measured[http_server] = Served(http_server, mutation, lookup)
                if http_server is DEFAULT_SERVER:
                    say(f"the same lookup again and again (the response cache answers): {seconds} s")
                    cached = locust(url, LOOKUP % (locality, REPEATED), seconds=seconds)
                    say(f"distinct lookups at half peak ({lookup.rate / 2:.0f}/s), {HALF_PEAK_USERS} users")
                    half = locust(
                        url, LOOKUP % (locality, DISTINCT), seconds=seconds,
                        rate=lookup.rate / 2 / HALF_PEAK_USERS, users=HALF_PEAK_USERS,
                    )  # fmt: skip
                    api_rss = api_peak_rss_mb(api.pid)
                api.terminate()
                api.wait(20)
        finally:
            cluster.stop()
        with bare_server(db) as bare:
            say("the bare route, with the distinct lookups' load")
            baseline = locust(bare, BARE % (locality, DISTINCT), seconds=seconds, path="/lookup")
    return _metrics(measured, cached, half, api_rss, baseline, append_rate)


def _grown_tree_locality(db: Database) -> str:
    """Grows a tree of 50 tenants, waits for the read models: a tenant of its lowest tier, to look up."""
    from projections.worker import wait_until_current
    from services.registry import Registry

    registry = Registry.connect(db)
    try:
        tree = Tree(registry)
        tree.grow_to(50)
    finally:
        registry.close()
    wait_until_current(db)
    return tree.parents[next(t for t in reversed(list(tree.parents)) if tree.parents[t])][-1]


def _metrics(
    measured: dict[HTTPServer, Served],
    cached: Load,
    half: Load,
    api_rss: float,
    baseline: Load,
    append_rate: float,
) -> list[Metric]:
    """The default server's figures against their baselines and bounds; the other servers' beside them."""
    kept = measured[DEFAULT_SERVER]
    mutation_ratio, lookup_ratio = kept.mutation.rate / append_rate, kept.lookup.rate / baseline.rate
    cached_ratio = cached.rate / baseline.rate
    bare_name = "bare litestar route, the same SQL, JSON (requests/s)"
    metrics = [
        Metric("mutation", round(kept.mutation.rate, 1), "mutations/s", "append (commands/s, this run)",
               round(append_rate), round(mutation_ratio, 3), ">= 0.35", mutation_ratio >= 0.35),
        Metric("mutation p99", round(kept.mutation.p99, 1), "ms", None, None, None, "reported", True),
        Metric("lookup", round(kept.lookup.rate, 1), "queries/s", bare_name, round(baseline.rate, 1),
               round(lookup_ratio, 3), ">= 0.35", lookup_ratio >= 0.35),
        Metric("lookup hits", kept.lookup.hits, "answers", None, None, None, "reported", True),
        Metric("lookup misses", kept.lookup.misses, "answers", None, None, None, "reported", True),
        Metric("lookup cached", round(cached.rate, 1), "queries/s", bare_name, round(baseline.rate, 1),
               round(cached_ratio, 3), ">= 1.0", cached_ratio >= 1.0),
        Metric("lookup cached hits", cached.hits, "answers", None, None, None, "reported", True),
        Metric("lookup cached misses", cached.misses, "answers", None, None, None, "reported", True),
        Metric("lookup p99 at half peak", half.p99, "ms", None, None, None, "<= 20", half.p99 <= 20),
        Metric("lookup p50 at half peak", half.p50, "ms", None, None, None, "reported", True),
        Metric("api peak rss", round(api_rss, 1), "MB", None, None, None, "reported", True),
    ]  # fmt: skip
    for other in (s for s in HTTPServer if s is not DEFAULT_SERVER):
        served = measured[other]
        metrics += [
            Metric(f"mutation {other.value}", round(served.mutation.rate, 1), "mutations/s",
                   "append (commands/s, this run)", round(append_rate),
                   round(served.mutation.rate / append_rate, 3), "reported", True),
            Metric(f"lookup {other.value}", round(served.lookup.rate, 1), "queries/s", bare_name,
                   round(baseline.rate, 1), round(served.lookup.rate / baseline.rate, 3), "reported", True),
        ]  # fmt: skip
    return metrics
