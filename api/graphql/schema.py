"""The GraphQL schema: the queries and mutations, with limits checked before any resolver runs."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from api.graphql import mutations, queries, upkeep
from api.graphql.errors import UNAVAILABLE_ERRORS, ErrorCodes

Query = merge_types("Query", (queries.Query, upkeep.UpkeepQuery))
Mutation = merge_types("Mutation", (mutations.Mutation, upkeep.UpkeepMutation))

# Limits checked before any resolver runs: deeper, wider or more aliased documents are refused.
MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 3000


class RegistrySchema(strawberry.Schema):
    """Logs each error with its trace, except a database outage: ErrorCodes logs that in one line."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        traced = [e for e in errors if not isinstance(e.original_error, UNAVAILABLE_ERRORS)]
        super().process_errors(traced, execution_context)


def build_schema(*, production: bool) -> strawberry.Schema:
    """The schema with its limits; production also hides introspection and field suggestions."""
    # Factories, not instances: each request gets extensions of its own.
    extensions: list[Any] = [
        ErrorCodes,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
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
