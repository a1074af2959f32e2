"""OpenTelemetry traces: off unless OTEL_EXPORTER_OTLP_ENDPOINT names a collector; then both drivers too."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from infra.settings import Settings

SERVICE_NAME = "compact-registry"


def tracer_provider(settings: Settings) -> TracerProvider | None:
    """Spans batched to the collector's /v1/traces (OTLP over HTTP); None when no collector is configured."""
    if settings.otel_endpoint is None:
        return None
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    endpoint = settings.otel_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def start_tracing(provider: TracerProvider) -> None:
    """Make `provider` the process's, and trace every asyncpg and psycopg statement from now on.

    Connections opened before this are not traced: call it before the pools are made. Statements are traced
    without their parameters, which may hold personal data.
    """
    trace.set_tracer_provider(provider)
    asyncpg_instrumentor = AsyncPGInstrumentor()
    if not asyncpg_instrumentor.is_instrumented_by_opentelemetry:
        asyncpg_instrumentor.instrument(tracer_provider=provider)
    if not PsycopgInstrumentor().is_instrumented_by_opentelemetry:
        PsycopgInstrumentor().instrument(tracer_provider=provider)
