"""Over real HTTP: /metrics as Prometheus parses it, health that tells live from ready, and JSON log lines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import httpx
import psycopg
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from api.cli import OPERATOR
from domain.commands import CreateTenant
from domain.tenancy import Tier
from infra.database import Database
from infra.metrics import MAX_OPERATION_NAMES
from projections.catalogue import PROJECTIONS
from projections.worker import ProjectionWorker
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import fresh_database
from tests.e2e.conftest import Server, free_port, start_server, stop_server
from tests.support import wait_until

READ_MODELS = {spec.name for spec in PROJECTIONS}
MAKE_ENGLAND = (
    'mutation MakeEngland { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }'
)
MAKE_LONDON = 'mutation MakeLondon { createTenant(slug: "london", name: "London", tier: REGIONAL, parent: "england") { slug } }'


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    with fresh_database() as db:
        yield db


@pytest.fixture(scope="module")
def observed(database: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`compacts serve` with its worker, its log lines apart, and ten requests per token before the limit."""
    env = {"DATABASE_URL": database.url, "COMPACTS_RATE_PER_TOKEN": "1", "COMPACTS_CHECKPOINT_SECONDS": "0"}
    running = start_server(tmp_path_factory.mktemp("observed"), env, apart=True)
    yield running
    stop_server(running)


def scrape(url: str) -> dict[str, list[Sample]]:
    """Each metric family's samples, as prometheus-client's own parser reads the page."""
    page = httpx.get(f"{url}/metrics", timeout=10)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain; version=")
    return {family.name: family.samples for family in text_string_to_metric_families(page.text)}


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [
        s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    ]
    assert len(found) == 1, (name, labels, samples)
    return found[0]


def post(server: Server, query: str, token: str | None = None, **headers: str) -> httpx.Response:
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.post(f"{server.url}/graphql", json={"query": query}, headers=headers, timeout=30)


def test_metrics_show_every_family_the_operators_guide_lists(observed: Server, database: Database) -> None:
    admin = observed.token("platform-admin", sub="metrics-admin@example.org")
    assert post(observed, MAKE_ENGLAND, admin).json()["data"] == {"createTenant": {"slug": "england"}}
    assert post(observed, MAKE_ENGLAND, admin).json()["errors"][0]["extensions"]["code"] == "CONFLICT"
    first = post(observed, MAKE_LONDON, admin, **{"Idempotency-Key": "london-1"})
    again = post(observed, MAKE_LONDON, admin, **{"Idempotency-Key": "london-1"})
    assert again.json() == first.json() == {"data": {"createTenant": {"slug": "london"}}}
    eager = observed.token("editor", sub="eager@example.org")
    codes = [(post(observed, "{ __typename }", eager).json().get("errors") or [{}])[0] for _ in range(12)]
    assert {"message": "Too many requests; slow down and retry in a few seconds.",
            "extensions": {"code": "RATE_LIMITED"}} in codes  # fmt: skip
    signed = subprocess.run(
        [sys.executable, "-m", "api.cli", "checkpoint", "england"],
        env={**os.environ, "DATABASE_URL": database.url, "COMPACTS_HOME": str(observed.home)},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    for n in range(MAX_OPERATION_NAMES + 5):
        assert post(observed, f"query Named{n} {{ __typename }}").status_code == 200

    families = scrape(observed.url)

    requests = families["compacts_graphql_request_seconds"]
    count = "compacts_graphql_request_seconds_count"
    assert value(requests, count, operation="MakeEngland", outcome="OK") == 1
    assert value(requests, count, operation="MakeEngland", outcome="CONFLICT") == 1
    # The replayed answer never ran the operation again.
    assert value(requests, count, operation="MakeLondon", outcome="OK") == 1
    # Names past the bound share one label value, so no caller can grow the page without end.
    operations = {s.labels["operation"] for s in requests if s.name == count}
    assert value(requests, count, operation="other", outcome="OK") >= 5
    assert len(operations - {"other", "anonymous"}) <= MAX_OPERATION_NAMES
    # Two tenants were recorded, each command in a transaction of its own or shared.
    commits = families["compacts_group_commit_commands"]
    assert value(commits, "compacts_group_commit_commands_sum") == 2
    assert value(families["compacts_rate_limited"], "compacts_rate_limited_total", caller="token") >= 1
    replays = families["compacts_idempotency_replays"]
    assert value(replays, "compacts_idempotency_replays_total", answer="stored") == 1
    assert value(families["compacts_database_up"], "compacts_database_up") == 1
    for family in ("events_behind", "seconds_behind", "position"):
        samples = families[f"compacts_read_model_{family}"]
        assert {s.labels["read_model"] for s in samples} == READ_MODELS
    assert (
        value(
            families["compacts_read_model_position"],
            "compacts_read_model_position",
            read_model="tenant_directory",
        )
        >= 2
    )
    holders = families["compacts_read_model_holder"]
    assert {s.labels["read_model"] for s in holders} == READ_MODELS
    # The worker inside `compacts serve` holds them all, named by its host and process.
    assert {s.labels["worker"].rpartition(":")[2] for s in holders} == {str(observed.process.pid)}
    ages = families["compacts_checkpoint_age_seconds"]
    assert [s.labels["tenant"] for s in ages] == ["england"]
    assert 0 <= value(ages, "compacts_checkpoint_age_seconds", tenant="england") < 600


def log_lines(server: Server) -> list[dict[str, object]]:
    """Every line the server wrote to stderr, each of which must be one JSON object."""
    assert server.errors is not None
    lines = [line for line in server.errors.read_text(encoding="utf-8").splitlines() if line.strip()]
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(p, dict) for p in parsed)
    return parsed


def test_each_log_line_is_json_with_its_request_id_a_refusal_one_line_and_a_fault_one_traced_event(
    observed: Server, database: Database
) -> None:
    admin = observed.token("platform-admin", sub="logs-admin@example.org")
    post(observed, MAKE_ENGLAND, admin)  # england exists after this, whichever test ran first
    refused = post(observed, MAKE_ENGLAND, admin, **{"X-Request-Id": "obs-refused-1"})
    assert refused.headers["x-request-id"] == "obs-refused-1"
    replaced = post(observed, "{ __typename }", **{"X-Request-Id": "not an id\tat all"})
    assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"])
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        # A read model the API may no longer read: a fault no caller could cause, as an outage of one table.
        conn.execute("REVOKE SELECT ON tenants FROM compacts_reader")
        try:
            fault = post(observed, "{ tenants { slug } }", **{"X-Request-Id": "obs-fault-1"})
        finally:
            conn.execute("GRANT SELECT ON tenants TO compacts_reader")
    assert fault.json()["errors"][0]["extensions"]["code"] == "INTERNAL"

    def logged(request_id: str) -> list[dict[str, object]]:
        return [line for line in log_lines(observed) if line.get("request_id") == request_id]

    wait_until(lambda: any(line["logger"] == "uvicorn.access" for line in logged("obs-fault-1")))
    refusal = [line for line in logged("obs-refused-1") if line["logger"] != "uvicorn.access"]
    assert refusal == [
        {
            "time": refusal[0]["time"],
            "level": "INFO",
            "logger": "api.graphql.schema",
            "message": "refused CONFLICT: The slug 'england' is already taken by another tenant; choose another.",
            "request_id": "obs-refused-1",
            "trace_id": None,
            "span_id": None,
            "path": "createTenant",
        }
    ]
    faults = [line for line in logged("obs-fault-1") if line["logger"] != "uvicorn.access"]
    assert [(f["level"], f["message"]) for f in faults] == [("ERROR", "unexpected error in tenants")]
    trace = str(faults[0]["exc_info"])
    assert trace.startswith("Traceback (most recent call last):")
    assert "InsufficientPrivilegeError" in trace
    every = log_lines(observed)
    assert {"time", "level", "logger", "message", "request_id", "trace_id"} <= set(every[0])
    assert "exc_info" not in json.dumps([line for line in every if line.get("request_id") != "obs-fault-1"])


def test_ready_answers_503_while_a_read_model_lags_and_200_once_it_catches_up(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with fresh_database() as db:
        env = {"DATABASE_URL": db.url, "COMPACTS_READY_LAG_SECONDS": "0"}
        server = start_server(tmp_path_factory.mktemp("ready"), env, ("--no-worker",))
        try:
            assert httpx.get(f"{server.url}/health/ready").status_code == 200
            registry = Registry.connect(db)
            try:
                TenantService(registry).create_tenant(
                    OPERATOR, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL)
                )
            finally:
                registry.close()
            wait_until(lambda: httpx.get(f"{server.url}/health/ready").status_code == 503)
            lagging = httpx.get(f"{server.url}/health/ready").json()
            assert lagging["status"] == "lagging"
            assert lagging["lagging"] == ["tenant_directory", "tenant_history"]
            assert lagging["readModels"]["tenant_directory"]["eventsBehind"] == 1
            assert lagging["readModels"]["compact_text"] == {"eventsBehind": 0, "secondsBehind": 0.0}
            # The process answers, and so does the database: only readiness depends on the read models.
            assert httpx.get(f"{server.url}/health/live").json() == {"status": "ok"}
            assert httpx.get(f"{server.url}/health").status_code == 200
            worker = ProjectionWorker(db)
            worker.start()
            try:
                wait_until(lambda: httpx.get(f"{server.url}/health/ready").status_code == 200, timeout=30)
            finally:
                worker.stop()
            assert httpx.get(f"{server.url}/health/ready").json()["lagging"] == []
        finally:
            stop_server(server)


def test_the_worker_serves_its_own_metrics_and_health_on_its_own_port(tmp_path: Path) -> None:
    with fresh_database() as db:
        port = free_port()
        env = {**os.environ, "DATABASE_URL": db.url, "COMPACTS_HOME": str(tmp_path),
               "COMPACTS_WORKER_METRICS_PORT": str(port)}  # fmt: skip
        with (tmp_path / "worker.err").open("wb") as err:
            process = subprocess.Popen(
                [sys.executable, "-m", "api.cli", "worker"], env=env, stdout=subprocess.DEVNULL, stderr=err
            )
        url = f"http://127.0.0.1:{port}"
        try:

            def answers(path: str) -> bool:
                try:
                    return httpx.get(url + path, timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            wait_until(lambda: answers("/health/live") and answers("/health/ready"), timeout=60)
            holders = scrape(url).get("compacts_read_model_holder", [])
            deadline = time.monotonic() + 30
            while {s.labels["read_model"] for s in holders} != READ_MODELS and time.monotonic() < deadline:
                time.sleep(0.5)
                holders = scrape(url)["compacts_read_model_holder"]
            assert {s.labels["read_model"] for s in holders} == READ_MODELS
            assert {s.labels["worker"].rpartition(":")[2] for s in holders} == {str(process.pid)}
            assert httpx.get(f"{url}/anything").status_code == 404
        finally:
            process.terminate()
            process.wait(20)
        lines = [
            json.loads(line) for line in (tmp_path / "worker.err").read_text().splitlines() if line.strip()
        ]
        assert any(line["message"] == "projection tenant_directory: holding its lock" for line in lines)


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP collector that keeps the names and trace ids of the spans it is sent."""

    spans: ClassVar[list[tuple[str, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        sent = ExportTraceServiceRequest.FromString(body)
        for resource in sent.resource_spans:
            for scope in resource.scope_spans:
                Collector.spans += [(span.name, span.trace_id.hex()) for span in scope.spans]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()
        self.wfile.write(b"")

    def log_message(self, format: str, *args: object) -> None:
        return


def test_with_a_collector_configured_spans_reach_it_and_each_log_line_names_its_trace(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    collector = ThreadingHTTPServer(("127.0.0.1", free_port()), Collector)
    threading.Thread(target=collector.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{collector.server_address[1]}"
    with fresh_database() as db:
        env = {"DATABASE_URL": db.url, "OTEL_EXPORTER_OTLP_ENDPOINT": endpoint}
        server = start_server(tmp_path_factory.mktemp("traced"), env, apart=True)
        try:
            admin = server.token("platform-admin")
            assert post(server, MAKE_ENGLAND, admin, **{"X-Request-Id": "traced-0"}).status_code == 200
            refused = post(server, MAKE_ENGLAND, admin, **{"X-Request-Id": "traced-1"})
            assert refused.json()["errors"][0]["extensions"]["code"] == "CONFLICT"
            wait_until(
                lambda: sum(name == "command CreateTenant" for name, _ in Collector.spans) == 2, timeout=30
            )
        finally:
            stop_server(server)
            collector.shutdown()

    def trace_of(request_id: str) -> set[str]:
        """The names of the spans the collector received for the request's trace, as its log lines name it."""
        lines = [line for line in log_lines(server) if line.get("request_id") == request_id]
        traces = {str(line["trace_id"]) for line in lines}
        assert len(traces) == 1, lines
        (trace_id,) = traces
        assert re.fullmatch(r"[0-9a-f]{32}", trace_id)
        return {name for name, sent_trace in Collector.spans if sent_trace == trace_id}

    recorded = {"POST /graphql", "GraphQL Query: MakeEngland", "command CreateTenant", "record events"}
    assert recorded | {"wait for read models", "read model tenant_directory"} <= trace_of("traced-0")
    # Refused: the slug is taken (the aggregate cache says so, or the event store's key on the write, ADR
    # 0020), so nothing was stored and nothing is waited for.
    refusal = trace_of("traced-1")
    assert {"POST /graphql", "GraphQL Query: MakeEngland", "command CreateTenant"} <= refusal
    assert "wait for read models" not in refusal
