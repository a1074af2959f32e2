"""The site's reads: GraphQL documents run in-process as the public reader, so every page shows what the API
would show anyone, through the same resolvers, dataloaders and row-level security."""

from __future__ import annotations

from collections.abc import Mapping

from strawberry import Schema

from api.graphql.context import Context, Loaders, Services
from api.reading import RequestReads
from domain.actors import ANONYMOUS

# What a GraphQL answer holds: JSON, read by the templates.
Data = Mapping[str, object]


class PageError(Exception):
    """A read the page cannot show: the contract's code and the sentence GraphQL gave for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def ask(schema: Schema, services: Services, document: str, variables: Mapping[str, object]) -> Data:
    """Run `document` as a caller with no token would over HTTP; the first error becomes a PageError."""
    reads = RequestReads(services.pool, ANONYMOUS)
    context = Context(actor=ANONYMOUS, services=services, loaders=Loaders(reads, ANONYMOUS))
    try:
        result = await schema.execute(document, variable_values=dict(variables), context_value=context)
    finally:
        # The schema's own extension ends the reads with the operation; this covers one that never began.
        await reads.close()
    if result.errors:
        error = result.errors[0]
        code = (error.extensions or {}).get("code", "INTERNAL")
        raise PageError(str(code), error.message)
    if result.data is None:
        raise PageError("INTERNAL", "The registry gave no answer.")
    return result.data


def mapping(value: object) -> Data:
    """A JSON object of an answer, or an empty one where the answer holds null."""
    return value if isinstance(value, Mapping) else {}


def items(value: object) -> list[Data]:
    """The JSON objects of a list in an answer."""
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
