"""The verification benchmarks: a chain checked in memory, from the event store, and tenants in parallel."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import asyncpg
import msgspec
import psycopg
from psycopg.rows import tuple_row

from api.bootstrap import audit_store_of
from api.tools.bench_metric import Metric
from infra.audit_store import STREAM_BATCH
from infra.chain import GENESIS, StoredFact, link, verify
from infra.database import Database, scratch_database
from infra.settings import Settings
from projections.catalogue import migrate
from services.registry import Registry

# Each timing is repeated this many times, the chain's and the baseline's in turn, and the fastest of
# each kept: on a machine others share, a round that another process slowed says nothing of either.
ROUNDS = 3
# In memory a round takes seconds, not minutes: more rounds, so a busy moment on the machine weighs less.
MEMORY_ROUNDS = 5
TOPIC = "domain.register:Register.PartySigned"
RECORDED = datetime(2026, 1, 1, tzinfo=UTC)


def synthetic_history(count: int, tenant: str = "bench") -> Iterator[StoredFact]:
    """Events shaped like the registry's own (a party signing), generated rather than stored."""
    for n in range(1, count + 1):
        state = (
            '{"timestamp":{"_type_":"datetime_iso","_data_":"2026-01-01T00:00:00+00:00"},'
            f'"actor":"bench","party":"Party {n}","sector":"PRIVATE","kind":null,"signed_on":"2010-01-01"}}'
        ).encode()
        yield StoredFact(f"{tenant}:register", n + 1, TOPIC, state)


def stored_tenant(tenant: str, count: int) -> list[StoredFact]:
    """A tenant as the registry stores it (its creation, its register opened), then its parties signing."""
    from api.tools.bench_replay import tenant_opening

    opening = [StoredFact(*row) for row in tenant_opening(tenant)]
    return opening + list(synthetic_history(count - len(opening), tenant))


def published_chain(facts: list[StoredFact]) -> dict[int, str]:
    """The hashes the tenant history would have published for these events, link by link."""
    hashes, previous = {}, GENESIS
    for position, fact in enumerate(facts, start=1):
        previous = hashes[position] = link(previous, position, fact)
    return hashes


def fastest(*runs: Callable[[], object], rounds: int = ROUNDS) -> list[float]:
    """The seconds of each run's fastest round, the runs taking turns."""
    best = [float("inf")] * len(runs)
    for _ in range(rounds):
        for n, run in enumerate(runs):
            started = time.perf_counter()
            run()
            best[n] = min(best[n], time.perf_counter() - started)
    return best


def bench_verify(*, quick: bool, say: Callable[[str], None]) -> list[Metric]:
    """Hash-chain verification of a long history in memory against plain SHA-256 over the same stored bytes.

    The chain is compared with its published hashes, as `compacts verify` compares it: each recomputed
    link is checked, not merely computed.
    """
    count = 30_000 if quick else 1_000_000
    say(f"verifying a chain of {count:,} events in memory, {MEMORY_ROUNDS} rounds")
    facts = list(synthetic_history(count))
    published = published_chain(facts)

    def chain() -> None:
        result = verify(facts, published)
        if result.checked != count or not result.ok:
            raise RuntimeError("the verification did not see every event, or found one that does not hold")

    def plain() -> None:
        for fact in facts:
            hashlib.sha256(fact.state).digest()

    chain_seconds, plain_seconds = fastest(chain, plain, rounds=MEMORY_ROUNDS)
    ratio = plain_seconds / chain_seconds
    return [
        Metric(
            name="verify",
            value=round(count / chain_seconds),
            unit="events/s",
            baseline="plain SHA-256 over the same stored bytes",
            baseline_value=round(count / plain_seconds),
            ratio=round(ratio, 4),
            target=">= 0.25",
            met=ratio >= 0.25,
        )
    ]


def store_chains(db: Database, tenants: dict[str, list[StoredFact]]) -> None:
    """Write the tenants' events into the event store and their links into the history, with COPY."""

    async def copy() -> None:
        conn = await asyncpg.connect(**db.asyncpg_kwargs())
        try:
            for facts in tenants.values():
                await conn.copy_records_to_table(
                    "registry_events",
                    records=[(f.originator_id, f.originator_version, f.topic, f.state) for f in facts],
                    columns=["originator_id", "originator_version", "topic", "state"],
                )
            ids = await conn.fetch(
                "SELECT originator_id, originator_version, notification_id FROM registry_events"
            )
            notification = {(r[0], r[1]): r[2] for r in ids}
            for tenant, facts in tenants.items():
                links, previous = [], GENESIS
                for position, fact in enumerate(facts, start=1):
                    hashed = link(previous, position, fact)
                    links.append(
                        (tenant, position, notification[fact.originator_id, fact.originator_version],
                         fact.originator_id, fact.originator_version, "PartySigned", RECORDED, "bench", "{}",
                         hashed, previous)
                    )  # fmt: skip
                    previous = hashed
                await conn.copy_records_to_table("tenant_events", records=links)
            await conn.execute("ANALYZE registry_events; ANALYZE tenant_events")
        finally:
            await conn.close()

    asyncio.run(copy())


def raw_hash_stream(db: Database, tenant: str) -> int:
    """The same rows streamed as the store streams them, each state through SHA-256 and nothing else."""
    with (
        psycopg.connect(db.psycopg_conninfo()) as conn,
        conn.cursor(name="raw", binary=True, row_factory=tuple_row) as cursor,
    ):
        cursor.itersize = STREAM_BATCH
        cursor.execute(
            "SELECT state FROM registry_events WHERE originator_id >= %s AND originator_id < %s"
            " ORDER BY notification_id",
            (tenant + ":", tenant + ";"),
        )
        seen = 0
        while rows := cursor.fetchmany(STREAM_BATCH):
            for (state,) in rows:
                hashlib.sha256(state).digest()
            seen += len(rows)
        return seen


def tenants_row(conn: psycopg.Connection[tuple[object, ...]], tenant: str) -> None:
    """The tenant directory's row, which `compacts verify --all` lists tenants from."""
    conn.execute(
        "INSERT INTO tenants (tenant_id, name, tier, created_at, created_by, position)"
        " VALUES (%s, %s, 'NATIONAL', now(), 'bench', 0)",
        (tenant, tenant),
    )


def bench_verify_store(server: Database, *, quick: bool, say: Callable[[str], None]) -> list[Metric]:
    """`compacts verify SLUG` as it runs: a tenant's chain read from the event store with its published
    hashes, against streaming the same rows and hashing each state."""
    count = 30_000 if quick else 1_000_000
    with scratch_database(server, "verify") as db:
        migrate(db)
        say(f"storing a tenant's chain of {count:,} events")
        store_chains(db, {"bench": stored_tenant("bench", count)})
        registry = Registry.connect(db)
        store = audit_store_of(registry)
        try:
            say(f"verifying it from the store, {ROUNDS} rounds, against a raw stream of the same rows")

            def chain() -> None:
                result = verify(store.stored_events("bench"), store.published_hashes("bench"))
                if result.checked != count or not result.ok:
                    raise RuntimeError(f"the stored chain did not verify: {result}")

            def plain() -> None:
                if raw_hash_stream(db, "bench") != count:
                    raise RuntimeError("the raw stream did not see every event")

            chain_seconds, plain_seconds = fastest(chain, plain)
        finally:
            registry.close()
    ratio = plain_seconds / chain_seconds
    return [
        Metric(
            name="verify store",
            value=round(count / chain_seconds),
            unit="events/s",
            baseline="streaming the same rows and SHA-256 of each state",
            baseline_value=round(count / plain_seconds),
            ratio=round(ratio, 4),
            target="reported",
            met=True,
        )
    ]


def bench_verify_all(
    server: Database, settings: Settings, *, quick: bool, say: Callable[[str], None]
) -> list[Metric]:
    """`compacts verify --all`: four tenants verified by one process, then by one process per core.

    Each run starts its processes afresh (spawned, as the command does), so their start-up is counted.
    """
    from api.parallel_verify import default_jobs, verify_all

    each = 25_000 if quick else 125_000
    tenants = {f"quarter-{n}": stored_tenant(f"quarter-{n}", each) for n in range(4)}
    with scratch_database(server, "verify-all") as db:
        migrate(db)
        say(f"storing four tenants' chains of {each:,} events")
        store_chains(db, tenants)
        with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
            for tenant in tenants:
                tenants_row(conn, tenant)
        scratch = msgspec.structs.replace(settings, database_url=db.url)
        jobs = default_jobs()
        # --quick: one round, as process start-up is most of it and --quick must stay quick.
        rounds = 1 if quick else ROUNDS
        say(f"verifying them with one process, then with {jobs}, {rounds} round(s)")

        def every(processes: int) -> Callable[[], None]:
            def run() -> None:
                found = dict(verify_all(scratch, processes))
                if set(found) != set(tenants) or not all(r.ok for r in found.values()):
                    raise RuntimeError(f"verify --all did not verify every tenant: {found}")

            return run

        one_seconds, all_seconds = fastest(every(1), every(jobs), rounds=rounds)
    total = each * len(tenants)
    return [
        Metric(
            name="verify all",
            value=round(total / all_seconds),
            unit="events/s",
            baseline="the same tenants verified by one process, start-up included (events/s)",
            baseline_value=round(total / one_seconds),
            ratio=round(one_seconds / all_seconds, 3),
            target="reported",
            met=True,
        )
    ]
