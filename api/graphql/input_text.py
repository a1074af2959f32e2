"""Text that PostgreSQL cannot store (a NUL, an unpaired surrogate) is refused before any resolver runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cachetools import LRUCache
from graphql import DocumentNode, ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from services.registry import UNSTORABLE_TEXT, holds_unstorable, unstorable


class _FindUnstorable(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        self.found = self.found or unstorable(node.value)


# Whether a document's text holds such text, by the text: integrators send the same few documents again
# and again, and walking the document on every request showed in a profile of the lookup.
_searched: LRUCache[str, bool] = LRUCache(maxsize=512)


def _holds_unstorable(query: str | None, document: DocumentNode) -> bool:
    if query is not None and (known := _searched.get(query)) is not None:
        return known
    finder = _FindUnstorable()
    visit(document, finder)
    if query is not None:
        _searched[query] = finder.found
    return finder.found


class RefuseUnstorableText(SchemaExtension):
    """Such text in an argument or a variable is BAD_USER_INPUT.

    Left to run, a NUL failed as INTERNAL on every read that passed it to PostgreSQL, and a write stored
    it in an event that no read model could take, which stopped the projection worker for every tenant.
    (The lexer already refuses an unpaired surrogate written in the document; a variable may hold one.)
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        unstorable_document = document is not None and _holds_unstorable(context.query, document)
        if unstorable_document or holds_unstorable(context.variables):
            # With a result already set, the operation is not executed at all.
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(UNSTORABLE_TEXT, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield
