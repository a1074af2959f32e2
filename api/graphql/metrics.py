"""Each GraphQL operation counted and timed by its name and outcome (compacts_graphql_request_seconds)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from infra.metrics import GRAPHQL_REQUESTS, OperationNames

OK = "OK"
CODE = re.compile(r"[A-Z_]{1,40}")
# Shared by every request of the process: the set of operation names that have a label value of their own.
NAMES = OperationNames()


class OperationMetrics(SchemaExtension):
    """Observes each operation once it has ended, with the outcome its caller sees.

    It must be the schema's first extension: its end runs last, after ErrorCodes has given each error its
    code.
    """

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        errors = context.result.errors if context.result is not None else context.pre_execution_errors
        outcome = OK
        if errors:
            code = (errors[0].extensions or {}).get("code")
            # ErrorCodes gives every error one of the contract's codes; anything else would be unbounded.
            outcome = code if isinstance(code, str) and CODE.fullmatch(code) else "INTERNAL"
        GRAPHQL_REQUESTS.labels(NAMES.label(context.operation_name), outcome).observe(
            time.perf_counter() - started
        )
