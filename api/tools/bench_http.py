"""The HTTP benchmarks, with locust as the load generator: mutations, lookups, and a bare baseline route."""

from __future__ import annotations

import csv
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
LOOKUP = (
    '{"query": "{ lookup(locality: \\"%s\\", matter: \\"procurement\\", asOf: \\"2010-01-01\\") '
    '{ answeredBy { slug } trail { tenant { slug } covered reason } explanation } }"}'
)
BARE = '{"locality": "%s", "matter": "procurement", "asOf": "2010-01-01"}'


@dataclass(frozen=True)
class Load:
    """What locust reports for one run: its aggregated row."""

    requests: int
    failures: int
    rate: float
    p50: float
    p99: float


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
        env = {**os.environ, "BENCH_PATH": path, "BENCH_BODY": body, "BENCH_TOKEN": token,
               "BENCH_RATE": f"{rate:.3f}" if rate else ""}  # fmt: skip
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
        load = Load(
            requests=int(row["Request Count"]),
            failures=int(row["Failure Count"]),
            rate=float(row["Requests/s"]),
            p50=float(row["50%"]),
            p99=float(row["99%"]),
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


def bench_http(
    server: Database, home: Path, append_rate: float, *, quick: bool, say: Callable[[str], None]
) -> list[Metric]:
    """Mutations and lookups over HTTP to one API process, with a worker process, on loopback."""
    from projections.worker import wait_until_current
    from services.registry import Registry

    seconds = 10 if quick else 30
    with scratch_database(server, "http") as db:
        migrate(db)
        cluster = Cluster(db, home / "http")
        try:
            url = cluster.start_api()
            cluster.start_worker()
            api_pid = cluster.apis[0][0].pid
            say(f"mutations: locust, {USERS} users, {seconds} s, each creating a tenant")
            mutation = locust(url, MUTATION, seconds=seconds, token=cluster.admin)
            registry = Registry.connect(db)
            try:
                tree = Tree(registry)
                tree.grow_to(50)
            finally:
                registry.close()
            wait_until_current(db)
            locality = tree.parents[next(t for t in reversed(list(tree.parents)) if tree.parents[t])][-1]
            say(f"lookups from {locality}: locust, {USERS} users, {seconds} s, as fast as they are answered")
            peak = locust(url, LOOKUP % locality, seconds=seconds)
            say(f"the same at half that rate ({peak.rate / 2:.0f}/s), {HALF_PEAK_USERS} users")
            half = locust(
                url, LOOKUP % locality, seconds=seconds, rate=peak.rate / 2 / HALF_PEAK_USERS,
                users=HALF_PEAK_USERS,
            )  # fmt: skip
            api_rss = peak_rss_mb(api_pid)
            with bare_server(db) as bare:
                say("the bare route, with the same load")
                baseline = locust(bare, BARE % locality, seconds=seconds, path="/lookup")
        finally:
            cluster.stop()
    mutation_ratio, lookup_ratio = mutation.rate / append_rate, peak.rate / baseline.rate
    return [
        Metric("mutation", round(mutation.rate, 1), "mutations/s", "append (commands/s, this run)",
               round(append_rate), round(mutation_ratio, 3), ">= 0.5", mutation_ratio >= 0.5),
        Metric("mutation p99", round(mutation.p99, 1), "ms", None, None, None, "reported", True),
        Metric("lookup", round(peak.rate, 1), "queries/s",
               "bare litestar route, the same SQL, JSON (requests/s)", round(baseline.rate, 1),
               round(lookup_ratio, 3), ">= 0.5", lookup_ratio >= 0.5),
        Metric("lookup p99 at half peak", half.p99, "ms", None, None, None, "<= 20", half.p99 <= 20),
        Metric("lookup p50 at half peak", half.p50, "ms", None, None, None, "reported", True),
        Metric("api peak rss", round(api_rss, 1), "MB", None, None, None, "reported", True),
    ]  # fmt: skip
