"""OpenTelemetry traces: off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector; then both drivers too."""

from __future__ import annotations

from collections.abc import Sequence

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import Decision, ParentBased, Sampler, SamplingResult
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes

from infra import spans
from infra.settings import Settings

SERVICE_NAME = "compact-registry"


class NoLoneStatements(Sampler):
    """Drops a trace that would begin with a database statement: the worker's polling and the pools'
    housekeeping, twice a second each, would bury the traces of requests and commands."""

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return SamplingResult(Decision.RECORD_AND_SAMPLE, attributes, trace_state)

    def get_description(self) -> str:
        return "NoLoneStatements"


def provider_with(processor: SpanProcessor) -> TracerProvider:
    """The registry's tracer provider, its spans handed to `processor` (the tests give an in-memory one)."""
    provider = TracerProvider(
        resource=Resource.create({"service.name": SERVICE_NAME}), sampler=ParentBased(root=NoLoneStatements())
    )
    provider.add_span_processor(processor)
    return provider


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """Spans batched to the collector's /v1/traces (OTLP over HTTP); None when no collector is configured."""
    if settings.otel_endpoint is None:
        return None
    endpoint = settings.otel_endpoint.rstrip("/") + "/v1/traces"
    return provider_with(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))


def start_tracing(provider: TracerProvider) -> None:
    """Make `provider` the process's, and trace every asyncpg and psycopg statement from now on.

    Connections opened before this are not traced: call it before the pools are made. Statements are traced
    without their parameters, which may hold personal data.
    """
    trace.set_tracer_provider(provider)
    spans.tracing = True
    asyncpg_instrumentor = AsyncPGInstrumentor()
    if not asyncpg_instrumentor.is_instrumented_by_opentelemetry:
        asyncpg_instrumentor.instrument(tracer_provider=provider)
    if not PsycopgInstrumentor().is_instrumented_by_opentelemetry:
        PsycopgInstrumentor().instrument(tracer_provider=provider)


def stop_tracing() -> None:
    """Trace the drivers no more (the process's provider stays: OpenTelemetry sets it once)."""
    spans.tracing = False
    asyncpg_instrumentor = AsyncPGInstrumentor()
    if asyncpg_instrumentor.is_instrumented_by_opentelemetry:
        asyncpg_instrumentor.uninstrument()
    if PsycopgInstrumentor().is_instrumented_by_opentelemetry:
        PsycopgInstrumentor().uninstrument()
