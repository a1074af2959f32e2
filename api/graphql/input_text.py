"""Text that PostgreSQL cannot store (a NUL, an unpaired surrogate) is refused before any resolver runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

from services.registry import UNSTORABLE_TEXT, holds_unstorable, unstorable


class _FindUnstorable(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        self.found = self.found or unstorable(node.value)


class RefuseUnstorableText(SchemaExtension):
    """Such text in an argument or a variable is BAD_USER_INPUT.

    Left to run, a NUL failed as INTERNAL on every read that passed it to PostgreSQL, and a write stored
    it in an event that no read model could take, which stopped the projection worker for every tenant.
    (The lexer already refuses an unpaired surrogate written in the document; a variable may hold one.)
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        finder = _FindUnstorable()
        if context.graphql_document is not None:
            visit(context.graphql_document, finder)
        if finder.found or holds_unstorable(context.variables):
            # With a result already set, the operation is not executed at all.
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(UNSTORABLE_TEXT, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield
