"""Rules a tenant once set by hand (`setCompactRules`): kept only so that events recorded then still replay.

A tenant's figures come from its compact's commitments now (domain/commitments.py); no read model or rule
reads these events, and no command records them (ADR 0008).
"""

from __future__ import annotations

from datetime import date

from eventsourcing.domain import event

from domain.events import RegistryAggregate, aggregate_id
from domain.payloads import JSONValue


def rules_id(tenant: str) -> str:
    return aggregate_id(tenant, "rules")


class CompactRules(RegistryAggregate):
    """The periods and deadlines a tenant once set by hand, as they changed over time."""

    class RulesSet(RegistryAggregate.Created):
        tenant_slug: str
        rules: dict[str, JSONValue]
        since: str

    class RulesChanged(RegistryAggregate.Event):
        rules: dict[str, JSONValue]
        since: str

    @staticmethod
    def create_id(tenant_slug: str, **_: object) -> str:
        return rules_id(tenant_slug)

    @event(RulesSet)
    def __init__(self, tenant_slug: str, rules: dict[str, JSONValue], since: str, actor: str) -> None:
        self.rules = rules
        self.since = date.fromisoformat(since)

    @event(RulesChanged)
    def _changed(self, rules: dict[str, JSONValue], since: str, actor: str) -> None:
        self.rules = rules
        self.since = date.fromisoformat(since)
