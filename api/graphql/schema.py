"""The GraphQL schema: the queries and mutations, with limits checked before any resolver runs."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.graphql import mutations, queries, upkeep
from api.graphql.errors import UNAVAILABLE_ERRORS, ErrorCodes
from api.graphql.input_text import RefuseUnstorableText

Query = merge_types("Query", (queries.Query, upkeep.UpkeepQuery))
Mutation = merge_types("Mutation", (mutations.Mutation, upkeep.UpkeepMutation))

# Limits checked before any resolver runs: deeper, wider or more aliased documents are refused.
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000
# Parsed and validated documents kept per process: integrators send the same few documents again and
# again, and validating one cost more than running it (two thirds of a lookup's time in a profile).
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
    """Logs each error with its trace, except a database outage: ErrorCodes logs that in one line."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        traced = [e for e in errors if not isinstance(e.original_error, UNAVAILABLE_ERRORS)]
        super().process_errors(traced, execution_context)


def build_schema(*, production: bool) -> strawberry.Schema:
    """The schema with its limits; production also hides introspection and field suggestions."""
    # The limits' validation rules are made once: the validation cache is keyed by the rules, so rules
    # made afresh for every request would never find a cached result.
    limits = [
        *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
        *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
    ]
    # Factories, not instances: each request gets extensions of its own (the caches are shared).
    extensions: list[Any] = [
        ReleaseReads,
        ErrorCodes,
        RefuseUnstorableText,
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        lambda: DocumentCache(maxsize=DOCUMENT_CACHE),
        lambda: ValidationCache(maxsize=DOCUMENT_CACHE),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return RegistrySchema(
        query=Query,
        mutation=Mutation,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
    )


schema = build_schema(production=False)
