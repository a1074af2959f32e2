"""Funding-change notices: a public body's written notice before a voluntary body's funding changes."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from eventsourcing.domain import event

from domain.commitments import GovernedBy, GovernedByData, Period, PeriodData
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
        minimum: PeriodData | None  # only where the governing commitment sets one
        governed_by: GovernedByData | None  # the commitment the notice was given under
        exceptional_circumstances: str | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            # The minimum months of old events came from the registry's defaults or its own rules, never
            # from a compact: no commitment governed them, so no period is kept (ADR 0008).
            del state["minimum_months"]
            state["minimum"] = None
            state["governed_by"] = None

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
        minimum: PeriodData | None,
        governed_by: GovernedByData | None,
        exceptional_circumstances: str | None,
        actor: str,
    ) -> None:
        self.key = key
        period = Period.from_dict(minimum)
        self.short = period is not None and date.fromisoformat(effective_on) < period.after(
            date.fromisoformat(given_on)
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
    governed_by: GovernedBy | None,
    exceptional_circumstances: str | None,
    actor: str,
) -> FundingNotice:
    """A notice, judged against the commitment that governs funding notices on the day it is given.

    One shorter than the period that commitment sets shows in `compliance` until its circumstances are
    recorded; where nothing governs, or no figure is set, no notice is short.
    """
    if effective_on <= given_on:
        raise InvalidInput("A notice takes effect after the day it is given.")
    exceptional = " ".join((exceptional_circumstances or "").split()) or None
    minimum = governed_by.period if governed_by else None
    short = minimum is not None and effective_on < minimum.after(given_on)
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
        minimum=minimum.as_dict() if minimum else None,
        governed_by=governed_by.as_dict() if governed_by else None,
        exceptional_circumstances=exceptional if short else None,
        actor=actor,
    )
