"""A mutation's trace, span by span, through the real app and database: request, operation, command, the
event store's statements, and the read models it waited for (the SDK's in-memory exporter)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.plugins.opentelemetry import OpenTelemetryPlugin
from litestar.testing import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from api.app import create_app
from infra.database import Database
from infra.settings import Settings
from infra.tokens import load_keys, mint_token
from infra.tracing import provider_with, stop_tracing
from tests.conftest import fresh_database

MAKE_ENGLAND = (
    'mutation MakeEngland { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }'
)


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    with fresh_database() as db:
        yield db


@pytest.fixture(scope="module")
def exporter() -> Iterator[InMemorySpanExporter]:
    found = InMemorySpanExporter()
    yield found
    # The drivers stay traced no longer than this module needs them.
    stop_tracing()
    found.clear()


def traced_mutation(database: Database, exporter: InMemorySpanExporter, home: Path) -> list[ReadableSpan]:
    """The spans of one createTenant, sent by HTTP to the app, with its worker, on a real database."""
    settings = Settings.from_env({"COMPACTS_HOME": str(home)})
    keys = load_keys(settings)
    token = mint_token(
        keys, sub="tracer@example.org", roles=["platform-admin"], tenants=[], issuer="compact-registry",
        audience="compact-registry", ttl=600,
    )  # fmt: skip
    provider = provider_with(SimpleSpanProcessor(exporter))
    app = create_app(settings, database, keys, run_worker=True, tracer_provider=provider)
    with TestClient(app) as client:
        exporter.clear()
        answer = client.post(
            "/graphql", json={"query": MAKE_ENGLAND}, headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.json() == {"data": {"createTenant": {"slug": "england"}}}
        request_spans = list(exporter.get_finished_spans())
    provider.shutdown()
    return request_spans


def test_a_mutations_trace_follows_it_from_the_request_through_its_command_to_the_read_models(
    database: Database, exporter: InMemorySpanExporter, tmp_path: Path
) -> None:
    spans = traced_mutation(database, exporter, tmp_path)
    (request,) = [s for s in spans if s.name == "POST /graphql"]
    trace = [s for s in spans if s.context is not None and request.context is not None
             and s.context.trace_id == request.context.trace_id]  # fmt: skip

    def only(name: str) -> ReadableSpan:
        found = [s for s in trace if s.name == name]
        assert len(found) == 1, (name, [s.name for s in trace])
        return found[0]

    def parent_of(span: ReadableSpan) -> str | None:
        if span.parent is None:
            return None
        return next(
            s.name for s in trace if s.context is not None and s.context.span_id == span.parent.span_id
        )

    assert request.kind is SpanKind.SERVER
    assert parent_of(request) is None
    operation = only("GraphQL Query: MakeEngland")
    assert parent_of(operation) == "POST /graphql"
    # Neither the document nor the arguments (which may be personal data) go into a span.
    assert "query" not in (operation.attributes or {})
    resolver = only("GraphQL Resolving: createTenant")
    assert parent_of(resolver) == "GraphQL Query: MakeEngland"
    assert not [key for key in (resolver.attributes or {}) if key.startswith("graphql.param")]
    command = only("command CreateTenant")
    assert parent_of(command) == "GraphQL Resolving: createTenant"
    recorded = only("record events")
    assert parent_of(recorded) == "command CreateTenant"
    assert dict(recorded.attributes or {}) == {"compacts.events": 1, "compacts.position": 1}
    # The event store's own statements, on the command's thread, inside its span.
    statements = [
        str((s.attributes or {}).get("db.statement")) for s in trace if parent_of(s) == "record events"
    ]
    assert 'LOCK TABLE "public"."registry_events" IN EXCLUSIVE MODE' in statements
    assert 'NOTIFY "registry_events"' in statements
    waited = only("wait for read models")
    assert parent_of(waited) == "GraphQL Resolving: createTenant"
    assert dict(waited.attributes or {}) == {"compacts.position": 1}
    for name in ("tenant_directory", "tenant_history"):
        read_model = only(f"read model {name}")
        assert parent_of(read_model) == "wait for read models"
        assert dict(read_model.attributes or {}) == {"compacts.read_model": name, "compacts.position": 1}
    # The answer is read back from the read model, by the resolver, after the wait.
    reads = [
        s for s in trace if parent_of(s) == "GraphQL Resolving: createTenant" and s.kind is SpanKind.CLIENT
    ]
    assert any("tenants" in str((s.attributes or {}).get("db.statement")) for s in reads)
    assert all(s.start_time is not None and waited.end_time is not None and s.start_time >= waited.end_time
               for s in reads)  # fmt: skip
    # The worker's polling, a statement with no request around it, starts no trace of its own.
    assert [s.name for s in spans if s.parent is None and s.kind is SpanKind.CLIENT] == []


def test_with_no_collector_configured_the_app_carries_no_tracing(database: Database, tmp_path: Path) -> None:
    settings = Settings.from_env({"COMPACTS_HOME": str(tmp_path)})
    app = create_app(settings, database, load_keys(settings), run_worker=False)
    assert not [p for p in app.plugins if isinstance(p, OpenTelemetryPlugin)]
