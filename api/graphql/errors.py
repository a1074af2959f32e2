"""Every GraphQL error carries one of the contract's codes and a message a person can act on."""

from __future__ import annotations

import logging
from collections.abc import Callable

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from domain.errors import DomainError

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Something went wrong on our side; it has been logged. Try again shortly."


def _should_mask(error: GraphQLError) -> bool:
    return True


class ErrorCodes(MaskErrors):
    """Domain errors keep their sentence and code, GraphQL's own are BAD_USER_INPUT, the rest is masked."""

    def __init__(self) -> None:
        should_mask: Callable[[GraphQLError], bool] = _should_mask
        super().__init__(should_mask_error=should_mask, error_message=INTERNAL_MESSAGE)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            code, message = original.code, original.message
        elif original is None or isinstance(original, GraphQLError):
            # Raised by GraphQL itself: a syntax error, an unknown field, a wrong argument type.
            code = (error.extensions or {}).get("code") or "BAD_USER_INPUT"
            message = error.message
        else:
            log.error("unexpected error in %s", error.path, exc_info=original)
            code, message = "INTERNAL", INTERNAL_MESSAGE
        return GraphQLError(
            message=message,
            nodes=error.nodes,
            source=error.source,
            positions=error.positions,
            path=error.path,
            original_error=None,
            extensions={"code": code},
        )
