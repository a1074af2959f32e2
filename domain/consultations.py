"""Consultations: opened with who is consulted and for how long, responses, closing, feedback."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from eventsourcing.domain import event

from domain.commitments import GovernedBy, GovernedByData, Period, PeriodData
from domain.errors import Conflict, InvalidInput
from domain.events import RegistryAggregate, aggregate_id
from domain.text import one_line

CONSULTATION_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}\Z")
TEXT_MAX = 5000


class ShortPeriodReason(StrEnum):
    """Why a consultation may run for less than the minimum period."""

    URGENCY = "URGENCY"
    SENSITIVITY = "SENSITIVITY"
    CONFIDENTIALITY = "CONFIDENTIALITY"


def check_consultation_key(key: str) -> str:
    if not CONSULTATION_KEY.match(key):
        raise InvalidInput(
            f"'{key}' is not a valid consultation key: use 2 to 63 characters of lower-case letters, "
            "digits and '-' (for example 'compact-refresh-2010')."
        )
    return key


def consultation_id(tenant: str, key: str) -> str:
    return aggregate_id(tenant, f"consultation:{key}")


def _text(value: str, what: str, max_length: int = TEXT_MAX) -> str:
    return one_line(value, empty=f"{what} is empty.", max_length=max_length, what=what)


def weeks_between(start: date, end: date) -> float:
    return (end - start).days / 7


class Consultation(RegistryAggregate):
    """One consultation of a tenant's compact partnership."""

    class ConsultationOpened(RegistryAggregate.Created):
        tenant_slug: str
        key: str
        title: str
        consulted: list[str]
        opens_on: str
        closes_on: str
        minimum: PeriodData | None  # only where the governing commitment sets one
        governed_by: GovernedByData | None  # the commitment it was opened under
        uniform_at: str | None  # a national (or regional) programme applied locally is at stake
        short_reason: str | None
        short_explanation: str | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            # The minimum weeks of old events came from the registry's defaults or its own rules, never
            # from a compact: no commitment governed them, so no period is kept (ADR 0008).
            del state["minimum_weeks"]
            state["minimum"] = None
            state["governed_by"] = None
            state["uniform_at"] = None

    class ConsultationResponseRecorded(RegistryAggregate.Event):
        respondent: str
        received_on: str
        summary: str

    class ConsultationClosed(RegistryAggregate.Event):
        on: str

    class ShortPeriodExplained(RegistryAggregate.Event):
        reason: str
        explanation: str

    class ConsultationFeedbackPublished(RegistryAggregate.Event):
        on: str
        feedback: str

    @staticmethod
    def create_id(tenant_slug: str, key: str, **_: object) -> str:
        return consultation_id(tenant_slug, key)

    @event(ConsultationOpened)
    def __init__(
        self,
        tenant_slug: str,
        key: str,
        title: str,
        consulted: list[str],
        opens_on: str,
        closes_on: str,
        minimum: PeriodData | None,
        governed_by: GovernedByData | None,
        uniform_at: str | None,
        short_reason: str | None,
        short_explanation: str | None,
        actor: str,
    ) -> None:
        self.key = key
        self.opens_on = date.fromisoformat(opens_on)
        self.closes_on = date.fromisoformat(closes_on)
        period = Period.from_dict(minimum)
        self.short = period is not None and self.closes_on < period.after(self.opens_on)
        self.short_reason = short_reason
        self.closed_on: date | None = None
        self.feedback_on: date | None = None
        self.respondents: set[str] = set()

    def record_response(self, *, respondent: str, received_on: date, summary: str, actor: str) -> None:
        who = _text(respondent, "The respondent", 300)
        if received_on < self.opens_on:
            raise InvalidInput(
                f"The consultation '{self.key}' opens on {self.opens_on.isoformat()}; a response cannot "
                f"be received before that ({received_on.isoformat()})."
            )
        if self.closed_on is not None or received_on > self.closes_on:
            raise InvalidInput(
                f"The consultation '{self.key}' closed on {(self.closed_on or self.closes_on).isoformat()}; "
                f"responses received after it closed ({received_on.isoformat()}) are not recorded."
            )
        if who.casefold() in self.respondents:
            raise Conflict(f"A response from {who} is already recorded for '{self.key}'.")
        self._responded(
            respondent=who,
            received_on=received_on.isoformat(),
            summary=_text(summary, "The summary"),
            actor=actor,
        )

    @event(ConsultationResponseRecorded)
    def _responded(self, respondent: str, received_on: str, summary: str, actor: str) -> None:
        self.respondents.add(respondent.casefold())

    def close(self, *, on: date, actor: str) -> None:
        if self.closed_on is not None:
            raise Conflict(f"The consultation '{self.key}' already closed on {self.closed_on.isoformat()}.")
        if on < self.opens_on:
            raise InvalidInput(
                f"The consultation '{self.key}' opens on {self.opens_on.isoformat()}; it cannot close "
                f"before it opened ({on.isoformat()})."
            )
        if on < self.closes_on:
            # Closing early would cut short the period people were promised.
            raise InvalidInput(
                f"The consultation '{self.key}' was announced to close on {self.closes_on.isoformat()}; "
                "it cannot close earlier than that."
            )
        self._closed(on=on.isoformat(), actor=actor)

    @event(ConsultationClosed)
    def _closed(self, on: str, actor: str) -> None:
        self.closed_on = date.fromisoformat(on)

    def explain_short_period(self, *, reason: ShortPeriodReason, explanation: str, actor: str) -> None:
        """Record, after the event, why a consultation ran for less than the minimum period."""
        if not self.short:
            raise InvalidInput(
                f"The consultation '{self.key}' was not shorter than a period its compact sets; "
                "nothing to explain."
            )
        if self.short_reason is not None:
            raise Conflict(f"The short period of '{self.key}' is already explained ({self.short_reason}).")
        self._explained(reason=reason.value, explanation=_text(explanation, "The explanation"), actor=actor)

    @event(ShortPeriodExplained)
    def _explained(self, reason: str, explanation: str, actor: str) -> None:
        self.short_reason = reason

    def publish_feedback(self, *, on: date, feedback: str, actor: str) -> None:
        if self.closed_on is None:
            raise InvalidInput(f"Close the consultation '{self.key}' before publishing its feedback.")
        if on < self.closed_on:
            raise InvalidInput(
                f"The consultation '{self.key}' closed on {self.closed_on.isoformat()}; its feedback "
                "cannot be published before that."
            )
        if self.feedback_on is not None:
            raise Conflict(
                f"Feedback on '{self.key}' was already published on {self.feedback_on.isoformat()}."
            )
        self._fed_back(on=on.isoformat(), feedback=_text(feedback, "The feedback", 20_000), actor=actor)

    @event(ConsultationFeedbackPublished)
    def _fed_back(self, on: str, feedback: str, actor: str) -> None:
        self.feedback_on = date.fromisoformat(on)


def open_consultation(
    *,
    tenant: str,
    key: str,
    title: str,
    consulted: list[str],
    opens_on: date,
    closes_on: date,
    governed_by: GovernedBy | None,
    uniform_at: str | None,
    short_reason: ShortPeriodReason | None,
    short_explanation: str | None,
    actor: str,
) -> Consultation:
    """A consultation, judged against the commitment that governs it on its opening day, if any does.

    One shorter than the period that commitment sets shows in `compliance` until its reason is given: a
    council may have to record a short consultation before anyone has written down why, so the registry
    keeps what happened and the compliance report names what is missing. Where nothing governs, or the
    governing commitment sets no figure, no consultation is short.
    """
    who = list(dict.fromkeys(_text(c, "Who is consulted", 300) for c in consulted if c.strip()))
    if not who:
        raise InvalidInput("Say who is consulted (for example 'voluntary and community sector').")
    if closes_on <= opens_on:
        raise InvalidInput("A consultation must close after the day it opens.")
    explanation = " ".join((short_explanation or "").split()) or None
    minimum = governed_by.period if governed_by else None
    short = minimum is not None and closes_on < minimum.after(opens_on)
    if (short_reason is None) != (explanation is None):
        raise InvalidInput(
            "Give both the reason for the short period (URGENCY, SENSITIVITY or CONFIDENTIALITY) and "
            "an explanation, or neither."
        )
    if not short:
        short_reason, explanation = None, None
    return Consultation(
        tenant_slug=tenant,
        key=check_consultation_key(key),
        title=_text(title, "The title", 300),
        consulted=who,
        opens_on=opens_on.isoformat(),
        closes_on=closes_on.isoformat(),
        minimum=minimum.as_dict() if minimum else None,
        governed_by=governed_by.as_dict() if governed_by else None,
        uniform_at=uniform_at,
        short_reason=short_reason.value if short_reason else None,
        short_explanation=explanation,
        actor=actor,
    )
