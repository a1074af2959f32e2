"""The replay and memory benchmarks: a long stored history, rebuilt by a worker process from nothing."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg
import psycopg

from api.tools.bench_metric import Metric, peak_rss_mb
from domain.register import Sector
from infra.database import Database, scratch_database
from projections.catalogue import migrate

TENANTS = 100
# Events are written to the store in chunks this size; each is one COPY.
CHUNK = 50_000
TIMESTAMP = {"_type_": "datetime_iso", "_data_": "2026-01-01T00:00:00+00:00"}


@dataclass(frozen=True)
class Rebuilt:
    """What one worker process did to rebuild every read model from an empty start."""

    events: int
    seconds: float
    peak_rss_mb: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


def _state(**fields: object) -> bytes:
    return json.dumps({"timestamp": TIMESTAMP, "actor": "bench", **fields}, separators=(",", ":")).encode()


def tenant_opening(slug: str) -> list[tuple[str, int, str, bytes]]:
    """A district tenant, as the tenant service records it, and its register, opened."""
    return [
        (f"{slug}:tenant", 1, "domain.tenancy:Tenant.TenantCreated",
         _state(originator_topic="domain.tenancy:Tenant", slug=slug, name=slug.title(), tier="NATIONAL",
                parent=None)),
        (f"{slug}:register", 1, "domain.register:Register.RegisterOpened",
         _state(originator_topic="domain.register:Register", tenant_slug=slug)),
    ]  # fmt: skip


def register_history(count: int) -> Iterator[tuple[str, int, str, bytes]]:
    """`count` events on the registers of TENANTS tenants: parties sign, withdraw and sign again.

    Every history is one the domain would accept (a party signs again only after it withdrew), in the
    shape the registry stores, so the projections do the same work as for events written one by one.
    """
    slugs = [f"replay-{n:03d}" for n in range(TENANTS)]
    produced = 0
    for slug in slugs:
        for row in tenant_opening(slug):
            yield row
            produced += 1
    versions = dict.fromkeys(slugs, 1)
    party = 0
    signed, left, again = date(2010, 1, 1), date(2012, 6, 30), date(2015, 4, 1)
    while produced < count:
        slug = slugs[party % TENANTS]
        name = f"Party {party:07d}"
        steps: list[tuple[str, dict[str, object]]] = [
            ("PartySigned", {"party": name, "sector": Sector.VOLUNTARY_COMMUNITY.value, "kind": None,
                             "signed_on": (signed + timedelta(days=party % 700)).isoformat()}),
            ("PartyWithdrawn", {"party": name, "on": left.isoformat(), "reason": "The group closed."}),
            ("PartySigned", {"party": name, "sector": Sector.VOLUNTARY_COMMUNITY.value, "kind": None,
                             "signed_on": again.isoformat()}),
        ]  # fmt: skip
        for kind, fields in steps:
            if produced == count:
                return
            versions[slug] += 1
            yield f"{slug}:register", versions[slug], f"domain.register:Register.{kind}", _state(**fields)
            produced += 1
        party += 1


def store_history(db: Database, count: int, say: Callable[[str], None]) -> None:
    """Write the history straight into the event store with COPY: what is timed is the rebuild."""

    async def copy() -> None:
        conn = await asyncpg.connect(**db.asyncpg_kwargs())
        try:
            rows = register_history(count)
            written = 0
            while written < count:
                chunk = [row for _, row in zip(range(CHUNK), rows, strict=False)]
                await conn.copy_records_to_table(
                    "registry_events",
                    records=chunk,
                    columns=["originator_id", "originator_version", "topic", "state"],
                )
                written += len(chunk)
            await conn.execute("ANALYZE registry_events")
        finally:
            await conn.close()

    say(f"storing {count:,} events")
    asyncio.run(copy())


def raw_select_rate(db: Database) -> float:
    """The physical limit of reading the history: one server-side cursor streaming every stored row."""
    with psycopg.connect(db.psycopg_conninfo()) as conn, conn.cursor(name="everything") as cursor:
        cursor.itersize = 5000
        started = time.perf_counter()
        cursor.execute(
            "SELECT notification_id, originator_id, originator_version, topic, state"
            " FROM registry_events ORDER BY notification_id"
        )
        rows = sum(1 for _ in cursor)
        return rows / (time.perf_counter() - started)


def rebuild_in_worker_process(db: Database) -> Rebuilt:
    """A worker process started on empty read models; returns once it has projected every stored event."""
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        row = conn.execute("SELECT count(*) FROM registry_events").fetchone()
    events = int(row[0]) if row else 0
    child = subprocess.Popen(
        [sys.executable, "-m", "api.tools.bench_replay", db.url],
        stdout=subprocess.PIPE,
        text=True,
    )
    out, _ = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the rebuilding worker failed with exit code {child.returncode}")
    seconds, peak_mb = out.split()
    return Rebuilt(events, float(seconds), float(peak_mb))


def rebuild_here(url: str) -> float:
    """The child's side: run a worker until every read model is current; the seconds it took."""
    from projections.catalogue import PROJECTIONS
    from projections.worker import ProjectionWorker, progress, tracked

    db = Database(url)
    # Nothing is written meanwhile, so each read model's goal is read once; from then on only the
    # tracking positions are polled, which costs the database next to nothing beside the worker.
    goals = progress(db)
    due = [(spec, goals[spec.name][1]) for spec in PROJECTIONS]
    worker = ProjectionWorker(db)
    started = time.perf_counter()
    worker.start()
    try:
        with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
            while not all(tracked(conn, spec) >= goal for spec, goal in due):
                time.sleep(0.05)
    finally:
        worker.stop()
    return time.perf_counter() - started


def rebuild_of(server: Database, count: int, say: Callable[[str], None]) -> tuple[Rebuilt, float]:
    """Store `count` events in a scratch database, rebuild them in a worker process, and read them raw."""
    with scratch_database(server, "replay") as db:
        migrate(db)
        store_history(db, count, say)
        say(f"rebuilding every read model from {count:,} events in a worker process")
        rebuilt = rebuild_in_worker_process(db)
        say(
            f"{rebuilt.rate:,.0f} events/s, peak RSS {rebuilt.peak_rss_mb:.0f} MB; now a raw streaming SELECT"
        )
        return rebuilt, raw_select_rate(db)


if __name__ == "__main__":
    print(f"{rebuild_here(sys.argv[1]):.6f} {peak_rss_mb():.3f}", flush=True)


def bench_replay(server: Database, *, quick: bool, say: Callable[[str], None]) -> list[Metric]:
    """Rebuild speed against a raw read of the same rows, and whether memory grows with the history."""
    # --quick checks the figures' shape in the suite: a hundredth of the full sizes.
    large, small = (10_000, 1_000) if quick else (1_000_000, 100_000)
    big, raw = rebuild_of(server, large, say)
    little, _ = rebuild_of(server, small, say)
    ratio, growth = big.rate / raw, big.peak_rss_mb / little.peak_rss_mb
    return [
        Metric(
            name="replay",
            value=round(big.rate),
            unit="events/s",
            baseline=f"raw streaming SELECT of the same {large:,} rows (rows/s)",
            baseline_value=round(raw),
            ratio=round(ratio, 4),
            target=">= 0.10",
            met=ratio >= 0.10,
        ),
        Metric(
            name="memory",
            value=round(big.peak_rss_mb, 1),
            unit="MB",
            baseline=f"the worker's peak RSS rebuilding {small:,} events (MB)",
            baseline_value=round(little.peak_rss_mb, 1),
            ratio=round(growth, 3),
            target="<= 1.2",
            met=growth <= 1.2,
        ),
    ]
