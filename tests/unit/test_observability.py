"""The observability pieces that need no I/O: bounded operation labels, request ids, readiness, JSON lines."""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path

import yaml

from api.health import readiness
from api.request_ids import request_id_of
from infra.logs import REQUEST_ID, RequestContext, json_formatter
from infra.metrics import ANONYMOUS_OPERATION, OTHER_OPERATION, OperationNames
from infra.settings import Settings
from projections.state import Lag, Snapshot

ROOT = Path(__file__).resolve().parents[2]


def test_operation_names_keep_their_own_label_until_the_bound_then_share_one() -> None:
    names = OperationNames(limit=2)
    assert [names.label(n) for n in ("Lookup", "Tenants", "Lookup", "Third", None, "")] == [
        "Lookup", "Tenants", "Lookup", OTHER_OPERATION, ANONYMOUS_OPERATION, ANONYMOUS_OPERATION,
    ]  # fmt: skip
    assert names.known == {"Lookup", "Tenants"}


def test_an_operation_name_that_is_no_graphql_name_never_becomes_a_label() -> None:
    names = OperationNames()
    assert names.label('x"} 1\nfake_metric{a="') == OTHER_OPERATION
    assert names.label("n" * 65) == OTHER_OPERATION
    assert names.known == set()


def test_a_well_formed_request_id_is_kept_and_any_other_replaced_by_a_fresh_one() -> None:
    def scope(*values: bytes) -> list[tuple[bytes, bytes]]:
        return [(b"accept", b"*/*"), *((b"x-request-id", v) for v in values)]

    assert (
        request_id_of(scope(b"9f1c2d3e-aaaa-4bbb-8ccc-123456789abc"))
        == b"9f1c2d3e-aaaa-4bbb-8ccc-123456789abc"
    )
    for refused in (scope(b"two words"), scope(b"a" * 129), scope(b"x\n{}"), scope(b"a", b"b"), scope()):
        fresh = request_id_of(refused)
        assert len(fresh) == 32
        assert int(fresh, 16) >= 0


def test_ready_only_while_every_read_model_is_within_the_lag_and_unavailable_without_a_database() -> None:
    snapshot = Snapshot(
        up=True,
        lag={"tenant_directory": Lag(9, 3, 12.5), "compact_text": Lag(7, 0, 0.0), "disputes": Lag(2, 1, 0.5)},
    )
    assert readiness(snapshot, 30)["status"] == "ready"
    behind = readiness(snapshot, 10)
    assert (behind["status"], behind["lagging"]) == ("lagging", ["tenant_directory"])
    assert behind["readModels"]["tenant_directory"] == {"eventsBehind": 3, "secondsBehind": 12.5}
    assert readiness(snapshot, 0)["lagging"] == ["disputes", "tenant_directory"]
    assert readiness(Snapshot(up=False), 30) == {"status": "unavailable", "database": "down", "lagging": []}


def test_a_log_record_is_one_json_line_with_the_request_id_and_its_traceback_in_one_field() -> None:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestContext())
    log = logging.getLogger("tests.json-lines")
    log.propagate = False
    log.addHandler(handler)
    token = REQUEST_ID.set("req-7")
    try:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            log.exception("unexpected error in %s", "tenants")
    finally:
        REQUEST_ID.reset(token)
        log.removeHandler(handler)
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert {k: record[k] for k in ("level", "logger", "message", "request_id", "trace_id")} == {
        "level": "ERROR", "logger": "tests.json-lines", "message": "unexpected error in tenants",
        "request_id": "req-7", "trace_id": None,
    }  # fmt: skip
    assert record["exc_info"].startswith("Traceback (most recent call last):")
    assert record["exc_info"].endswith("RuntimeError: boom")


def test_the_collector_must_be_an_http_url_and_is_unset_by_default() -> None:
    assert Settings.from_env({}).otel_endpoint is None
    settings = Settings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "otel-collector:4318"})
    assert settings.problems(serving=True) == [
        "OTEL_EXPORTER_OTLP_ENDPOINT='otel-collector:4318' is not an http(s) URL; write the collector's "
        "OTLP/HTTP address, such as http://otel-collector:4318."
    ]
    good = Settings.from_env({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://otel-collector:4318"})
    assert good.problems(serving=True) == []


def test_compose_checks_every_api_and_worker_by_its_readiness_on_its_own_port() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name in ("api", "api-2", "worker", "worker-2"):
        check = " ".join(services[name]["healthcheck"]["test"])
        port = services[name]["environment"].get("COMPACTS_WORKER_METRICS_PORT", "8000")
        assert f"http://127.0.0.1:{port}/health/ready" in check, name
    # The workers' port is their own setting, on an address other containers (Prometheus) can reach.
    assert services["worker"]["environment"]["COMPACTS_HOST"] == "0.0.0.0"  # noqa: S104
    assert (
        Settings.from_env(
            {k: str(v) for k, v in services["worker"]["environment"].items()}
        ).worker_metrics_port
        == 9100
    )
