"""The registry's Prometheus metrics, declared once: what each process counts as it works."""

from __future__ import annotations

import re

from prometheus_client import Counter, Histogram

# Label values carry no tenant data beyond a slug: operation names are bounded (OperationNames), outcomes
# are the contract's error codes, read models and callers' kinds are fixed lists.

GRAPHQL_REQUESTS = Histogram(
    "compacts_graphql_request_seconds",
    "GraphQL operations by operation name and outcome (OK or the contract's error code), with their time",
    ["operation", "outcome"],
    # From a cached lookup (~1 ms) to a mutation that waits for its read models (up to COMPACTS_RYW_TIMEOUT).
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

GROUP_COMMIT_SIZE = Histogram(
    "compacts_group_commit_commands",
    "Commands whose events were written in one event-store transaction (group commit)",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)

RATE_LIMITED = Counter(
    "compacts_rate_limited",
    "Requests refused with RATE_LIMITED, by the bucket that was empty (a token's or an address's)",
    ["caller"],
)

IDEMPOTENCY_REPLAYS = Counter(
    "compacts_idempotency_replays",
    "Requests that reused an Idempotency-Key: answered again from the stored answer, or refused (CONFLICT)",
    ["answer"],
)

WEBHOOK_DELIVERIES = Counter(
    "compacts_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered, retrying (to be tried again), failed (given up)",
    ["outcome"],
)

# The metrics the database answers for (read-model lag, holders, checkpoint age) are read at each scrape:
# projections/state.py.

ANONYMOUS_OPERATION = "anonymous"
OTHER_OPERATION = "other"
# Operation names are chosen by callers: past this many distinct names, new ones share one label value.
MAX_OPERATION_NAMES = 100
_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]{0,63}")


class OperationNames:
    """The label value of an operation name: itself while the set stays small, else `other`.

    A GraphQL operation name is whatever the caller writes, so each one a process has not seen takes one of
    MAX_OPERATION_NAMES places, first come; the names integrators send again and again take theirs early.
    """

    def __init__(self, limit: int = MAX_OPERATION_NAMES) -> None:
        self.limit = limit
        self.known: set[str] = set()

    def label(self, name: str | None) -> str:
        if not name:
            return ANONYMOUS_OPERATION
        if name in self.known:
            return name
        if len(self.known) >= self.limit or not _NAME.fullmatch(name):
            return OTHER_OPERATION
        self.known.add(name)
        return name
