"""Spans of the registry's own (a command, its write, the wait for read models), costing nothing when off."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

from opentelemetry.trace import Span, Tracer

# Set by infra.tracing.start_tracing. While it is False a span is a shared no-op: even OpenTelemetry's own
# no-op span cost 27 us each on a loaded machine (ADR 0012), five of them on every mutation.
tracing = False
_OFF: nullcontext[None] = nullcontext()


def span(tracer: Tracer, name: str) -> AbstractContextManager[Span | None]:
    """`tracer`'s span `name`, current while the block runs; None, and nothing done, while tracing is off."""
    return tracer.start_as_current_span(name) if tracing else _OFF
