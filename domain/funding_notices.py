"""Funding-change notices: a public body's written notice before a voluntary body's funding changes."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from eventsourcing.domain import event

from domain.errors import Conflict, InvalidInput
from domain.events import RegistryAggregate, aggregate_id
from domain.text import one_line

NOTICE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}\Z")


class FundingChange(StrEnum):
    REDUCED = "REDUCED"
    ENDED = "ENDED"
    CHANGED = "CHANGED"


def check_notice_key(key: str) -> str:
    if not NOTICE_KEY.match(key):
        raise InvalidInput(
            f"'{key}' is not a valid notice key: use 2 to 63 characters of lower-case letters, digits "
            "and '-' (for example '2025-advice-grant')."
        )
    return key


def notice_id(tenant: str, key: str) -> str:
    return aggregate_id(tenant, f"funding-notice:{key}")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it has no such day (31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class FundingNotice(RegistryAggregate):
    """One notice given under the compact's funding commitments; public, as the annual report is."""

    class FundingNoticeGiven(RegistryAggregate.Created):
        tenant_slug: str
        key: str
        public_body: str
        voluntary_body: str
        change: str
        given_on: str
        effective_on: str
        rationale: str
        minimum_months: int
        exceptional_circumstances: str | None

    class ExceptionalCircumstancesRecorded(RegistryAggregate.Event):
        circumstances: str

    @staticmethod
    def create_id(tenant_slug: str, key: str, **_: object) -> str:
        return notice_id(tenant_slug, key)

    @event(FundingNoticeGiven)
    def __init__(
        self,
        tenant_slug: str,
        key: str,
        public_body: str,
        voluntary_body: str,
        change: str,
        given_on: str,
        effective_on: str,
        rationale: str,
        minimum_months: int,
        exceptional_circumstances: str | None,
        actor: str,
    ) -> None:
        self.key = key
        self.short = date.fromisoformat(effective_on) < add_months(
            date.fromisoformat(given_on), minimum_months
        )
        self.exceptional = exceptional_circumstances

    def record_circumstances(self, *, circumstances: str, actor: str) -> None:
        """Record, after the notice, the exceptional circumstances that made it short."""
        if not self.short:
            raise InvalidInput(f"The notice '{self.key}' gave the full period; nothing to explain.")
        if self.exceptional is not None:
            raise Conflict(f"The exceptional circumstances of '{self.key}' are already recorded.")
        cleaned = one_line(
            circumstances, empty="Describe the circumstances.", max_length=5000, what="The circumstances"
        )
        self._explained(circumstances=cleaned, actor=actor)

    @event(ExceptionalCircumstancesRecorded)
    def _explained(self, circumstances: str, actor: str) -> None:
        self.exceptional = circumstances


def give_notice(
    *,
    tenant: str,
    key: str,
    public_body: str,
    voluntary_body: str,
    change: FundingChange,
    given_on: date,
    effective_on: date,
    rationale: str,
    minimum_months: int,
    exceptional_circumstances: str | None,
    actor: str,
) -> FundingNotice:
    """A notice; a shorter one than the minimum shows in `compliance` until its circumstances are recorded."""
    if effective_on <= given_on:
        raise InvalidInput("A notice takes effect after the day it is given.")
    exceptional = " ".join((exceptional_circumstances or "").split()) or None
    short = effective_on < add_months(given_on, minimum_months)
    return FundingNotice(
        tenant_slug=tenant,
        key=check_notice_key(key),
        public_body=public_body,
        voluntary_body=one_line(
            voluntary_body, empty="Name the voluntary body given notice.", max_length=300, what="Its name"
        ),
        change=change.value,
        given_on=given_on.isoformat(),
        effective_on=effective_on.isoformat(),
        rationale=one_line(
            rationale, empty="Give the rationale for the change.", max_length=5000, what="The rationale"
        ),
        minimum_months=minimum_months,
        exceptional_circumstances=exceptional if short else None,
        actor=actor,
    )
