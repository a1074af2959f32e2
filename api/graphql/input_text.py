"""Text that PostgreSQL cannot store, the NUL character, is refused before any resolver runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, Visitor, visit
from strawberry.extensions import SchemaExtension

NUL = "\x00"
NUL_MESSAGE = "Text may not contain the NUL character (U+0000); remove it and send the request again."


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


class _FindNul(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        self.found = self.found or NUL in node.value


class RefuseNul(SchemaExtension):
    """A NUL in an argument or a variable is BAD_USER_INPUT.

    Left to run, it failed as INTERNAL on every read that passed it to PostgreSQL, and a write stored
    it in an event that no read model could take, which stopped the projection worker for every tenant.
    """

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        finder = _FindNul()
        if context.graphql_document is not None:
            visit(context.graphql_document, finder)
        if finder.found or _holds_nul(context.variables):
            # A result set here means the operation is not executed at all.
            context.result = ExecutionResult(
                data=None, errors=[GraphQLError(NUL_MESSAGE, extensions={"code": "BAD_USER_INPUT"})]
            )
        yield
