"""Every GraphQL error carries one of the contract's codes and a message a person can act on."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import asyncpg
from graphql import GraphQLError
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE
from strawberry.extensions import MaskErrors

from domain.errors import DomainError
from infra.availability import UNAVAILABLE_MESSAGE, DatabaseUnavailable

log = logging.getLogger(__name__)

INTERNAL_MESSAGE = "Something went wrong on our side; it has been logged. Try again shortly."
# Seconds a client is asked to wait before it retries while the database is down.
RETRY_AFTER_SECONDS = 2

# What PostgreSQL stopped, starting or out of reach looks like through each driver: refused or reset
# connections, connections closed under a query, and the server's own "shutting down" and "starting up".
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    DatabaseUnavailable,
    ConnectionError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)


def _should_mask(error: GraphQLError) -> bool:
    return True


class ErrorCodes(MaskErrors):
    """Domain errors keep their sentence and code, GraphQL's own are BAD_USER_INPUT, the rest is masked.

    An operation that failed because the database is unreachable answers HTTP 503 with Retry-After, so
    a client can tell a pause it should wait out from a fault; the code stays INTERNAL, as the contract
    lists no other for it.
    """

    def __init__(self) -> None:
        should_mask: Callable[[GraphQLError], bool] = _should_mask
        super().__init__(should_mask_error=should_mask, error_message=INTERNAL_MESSAGE)
        self._unavailable = False

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        response = getattr(self.execution_context.context, "response", None)
        if self._unavailable and response is not None:
            response.status_code = HTTP_503_SERVICE_UNAVAILABLE
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        original = error.original_error
        if isinstance(original, DomainError):
            code, message = original.code, original.message
        elif original is None or isinstance(original, GraphQLError):
            # Raised by GraphQL itself: a syntax error, an unknown field, a wrong argument type.
            code = (error.extensions or {}).get("code") or "BAD_USER_INPUT"
            message = error.message
        elif isinstance(original, UNAVAILABLE_ERRORS):
            log.warning("database unavailable in %s: %s", error.path, original)
            self._unavailable = True
            code, message = "INTERNAL", UNAVAILABLE_MESSAGE
        else:
            # Logged once, with its traceback, by the schema's process_errors (api/graphql/schema.py).
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
