"""The GraphQL schema: the queries and mutations, with limits checked before any resolver runs."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ParserCache, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.graphql import (
    codes,
    compacts,
    compliance,
    consultations,
    disputes,
    history,
    lookup,
    notices,
    register,
    reports,
    steering,
    tenant,
    webhooks,
)
from api.graphql.errors import UNAVAILABLE_ERRORS, ErrorCodes
from api.graphql.input_text import RefuseUnstorableText
from api.graphql.limits import BoundedValidation
from api.graphql.metrics import OperationMetrics
from api.graphql.response_cache import ResponseCacheTicket
from api.graphql.tracing import TracedOperations
from domain.errors import DomainError

log = logging.getLogger(__name__)

# Each feature brings its own queries and mutations; the order is the order integrators see them in.
Query = merge_types(
    "Query",
    (
        lookup.Query,
        history.Query,
        tenant.Query,
        reports.Query,
        compliance.Query,
        codes.Query,
        compliance.ReviewQuery,
        webhooks.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        tenant.Mutation,
        compacts.Mutation,
        register.Mutation,
        steering.Mutation,
        codes.Mutation,
        disputes.Mutation,
        consultations.Mutation,
        notices.Mutation,
        webhooks.Mutation,
    ),
)

# Longer documents are refused while they are parsed; the other bounds are in api/graphql/limits.py.
MAX_TOKENS = 3000
# Parsed documents kept per process: integrators send the same few documents again and again.
DOCUMENT_CACHE = 512


class DocumentCache(ParserCache):
    """Parsed documents, shared by every request; a document that fails to parse is left to strawberry.

    strawberry parses it again and reports the syntax error as any other, with its code: raised here,
    inside the extension, the error would bypass that handling.
    """

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query:
            with contextlib.suppress(GraphQLError):
                context.graphql_document = self.cached_parse_document(context.query, **context.parse_options)
        yield


class ReleaseReads(SchemaExtension):
    """Ends the request's read transaction when its operation ends, however it ends."""

    async def on_operation(self) -> AsyncIterator[None]:
        try:
            yield
        finally:
            loaders = getattr(self.execution_context.context, "loaders", None)
            if loaders is not None:
                await loaders.reads.close()


class RegistrySchema(strawberry.Schema):
    """Logs each error once: a refusal (a domain error, a document GraphQL refuses) as one line, an
    unexpected error as one event with its traceback. A database outage ErrorCodes logs in one line."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            original = error.original_error
            if isinstance(original, UNAVAILABLE_ERRORS):
                continue
            where = ".".join(str(p) for p in error.path or ()) or None
            if isinstance(original, DomainError):
                log.info("refused %s: %s", original.code, original.message, extra={"path": where})
            elif original is None or isinstance(original, GraphQLError):
                log.info("refused BAD_USER_INPUT: %s", error.message, extra={"path": where})
            else:
                log.error("unexpected error in %s", where, exc_info=original, extra={"path": where})


def build_schema(*, production: bool, traced: bool = False) -> strawberry.Schema:
    """The schema with its limits; production also hides introspection and field suggestions; `traced`
    adds a span for the operation and each resolver (only when traces are exported: they cost)."""
    # Factories, not instances: each request gets extensions of its own (the caches are shared).
    extensions: list[Any] = [
        # First, so that it sees each operation's outcome after ErrorCodes has given it its code.
        OperationMetrics,
        ReleaseReads,
        ErrorCodes,
        RefuseUnstorableText,
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: DocumentCache(maxsize=DOCUMENT_CACHE),
        # Measures the expanded document before validating it; DisableIntrospection adds its rule first.
        BoundedValidation,
        ResponseCacheTicket,
    ]
    if production:
        extensions.append(DisableIntrospection)
    if traced:
        extensions.append(TracedOperations)
    return RegistrySchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )


schema = build_schema(production=False)
