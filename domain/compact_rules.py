"""A tenant's own rules for keeping its compact: dispute stage deadlines, consultation and notice periods."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from eventsourcing.domain import event

from domain.errors import InvalidInput
from domain.events import RegistryAggregate, aggregate_id


class DisputeStage(StrEnum):
    """The three steps of the seeds' dispute processes, in the order they must be taken."""

    BETWEEN_PARTIES = "BETWEEN_PARTIES"  # resolved as close to the dispute as possible
    INVESTIGATION = "INVESTIGATION"  # the council's relationship manager, reported to the board
    MEDIATION = "MEDIATION"  # another partnership investigates, mediates and determines

    @property
    def number(self) -> int:
        return list(DisputeStage).index(self) + 1


# The seeds name the steps but not their length: these defaults give each step a few weeks,
# and a tenant sets its own with `setCompactRules`.
DEFAULT_STAGE_DAYS = {
    DisputeStage.BETWEEN_PARTIES: 28,
    DisputeStage.INVESTIGATION: 42,
    DisputeStage.MEDIATION: 56,
}
DEFAULT_CONSULTATION_WEEKS = 12  # the usual written consultation period
DEFAULT_NOTICE_MONTHS = 3  # Hertsmere: three months' written notice of a funding change
DEFAULT_REVIEW_MONTHS = 12  # a review every twelve months


@dataclass(frozen=True)
class Rules:
    """What a tenant's compact asks for; `DEFAULT_RULES` until the tenant sets its own."""

    stage_days: dict[DisputeStage, int] = field(default_factory=lambda: dict(DEFAULT_STAGE_DAYS))
    consultation_weeks: int = DEFAULT_CONSULTATION_WEEKS
    notice_months: int = DEFAULT_NOTICE_MONTHS
    review_months: int = DEFAULT_REVIEW_MONTHS

    def as_dict(self) -> dict[str, Any]:
        return {
            "stage_days": {s.value: d for s, d in self.stage_days.items()},
            "consultation_weeks": self.consultation_weeks,
            "notice_months": self.notice_months,
            "review_months": self.review_months,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Rules:
        return cls(
            stage_days={DisputeStage(k): int(v) for k, v in data["stage_days"].items()},
            consultation_weeks=int(data["consultation_weeks"]),
            notice_months=int(data["notice_months"]),
            review_months=int(data["review_months"]),
        )


DEFAULT_RULES = Rules()


def check_rules(
    *,
    stage_days: dict[DisputeStage, int] | None = None,
    consultation_weeks: int | None = None,
    notice_months: int | None = None,
    review_months: int | None = None,
    base: Rules = DEFAULT_RULES,
) -> Rules:
    """The base rules with the given ones replaced, each within bounds a council could mean."""
    days = dict(base.stage_days)
    for stage, value in (stage_days or {}).items():
        if not 1 <= value <= 365:
            raise InvalidInput(f"The {stage.value} stage needs between 1 and 365 days, not {value}.")
        days[stage] = value
    bounded = {
        "consultation_weeks": (consultation_weeks, base.consultation_weeks, 1, 52),
        "notice_months": (notice_months, base.notice_months, 1, 24),
        "review_months": (review_months, base.review_months, 1, 36),
    }
    values: dict[str, int] = {}
    for name, (given, current, low, high) in bounded.items():
        if given is not None and not low <= given <= high:
            raise InvalidInput(f"{name.replace('_', ' ')} must be between {low} and {high}, not {given}.")
        values[name] = current if given is None else given
    return Rules(stage_days=days, **values)


def rules_id(tenant: str) -> str:
    return aggregate_id(tenant, "rules")


class CompactRules(RegistryAggregate):
    """The periods and deadlines a tenant's compact sets, as they changed over time."""

    class RulesSet(RegistryAggregate.Created):
        tenant_slug: str
        rules: dict[str, Any]
        since: str

    class RulesChanged(RegistryAggregate.Event):
        rules: dict[str, Any]
        since: str

    @staticmethod
    def create_id(tenant_slug: str, **_: object) -> str:
        return rules_id(tenant_slug)

    @event(RulesSet)
    def __init__(self, tenant_slug: str, rules: dict[str, Any], since: str, actor: str) -> None:
        self.rules = Rules.from_dict(rules)
        self.since = date.fromisoformat(since)

    def change(self, *, rules: Rules, since: date, actor: str) -> None:
        if since < self.since:
            raise InvalidInput(
                f"The rules last changed on {self.since.isoformat()}; a change cannot take effect earlier."
            )
        self._changed(rules=rules.as_dict(), since=since.isoformat(), actor=actor)

    @event(RulesChanged)
    def _changed(self, rules: dict[str, Any], since: str, actor: str) -> None:
        self.rules = Rules.from_dict(rules)
        self.since = date.fromisoformat(since)
