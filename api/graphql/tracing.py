"""strawberry's OpenTelemetry spans for each operation and resolver, without the caller's data in them."""

from __future__ import annotations

from collections.abc import Generator

from graphql import GraphQLResolveInfo
from opentelemetry.trace import SpanKind
from strawberry.extensions import LifecycleStep
from strawberry.extensions.tracing import OpenTelemetryExtension


def no_arguments(_args: dict[str, object], _info: GraphQLResolveInfo[object]) -> dict[str, object]:
    """A resolver's arguments may be a champion's name or a contact's address: none go in a span."""
    return {}


class TracedOperations(OpenTelemetryExtension):
    """A span for the operation (named after it) and one for each resolver, as strawberry makes them, but
    with neither the document (its literals may hold personal data) nor the resolvers' arguments."""

    def __init__(self) -> None:
        super().__init__(arg_filter=no_arguments)

    def on_operation(self) -> Generator[None, None, None]:
        name = self.execution_context.operation_name
        span = self._tracer.start_span(
            f"GraphQL Query: {name}" if name else "GraphQL Query", kind=SpanKind.SERVER
        )
        span.set_attribute("component", "graphql")
        self._span_holder[LifecycleStep.OPERATION] = span
        yield
        # A document with one unnamed-in-the-request operation is named only once it is parsed.
        if not name and self.execution_context.operation_name:
            span.update_name(f"GraphQL Query: {self.execution_context.operation_name}")
        span.end()
