"""Disputes between parties about a commitment, taken through three stages in order to an outcome."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from eventsourcing.domain import event

from domain.commitments import DisputeStage, DisputeStep, DisputeStepData, GovernedBy, GovernedByData
from domain.errors import InvalidInput
from domain.events import RegistryAggregate, aggregate_id
from domain.register import party_key
from domain.text import one_line

DISPUTE_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}\Z")
TEXT_MAX = 2000


class DisputeStatus(StrEnum):
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"
    WITHDRAWN = "WITHDRAWN"


def check_dispute_key(key: str) -> str:
    if not DISPUTE_KEY.match(key):
        raise InvalidInput(
            f"'{key}' is not a valid dispute key: use 2 to 63 characters of lower-case letters, digits "
            "and '-' (for example '2024-grant-terms')."
        )
    return key


def dispute_id(tenant: str, key: str) -> str:
    return aggregate_id(tenant, f"dispute:{key}")


def _text(value: str, what: str) -> str:
    return one_line(value, empty=f"{what} is empty.", max_length=TEXT_MAX, what=what)


class Dispute(RegistryAggregate):
    """One dispute of a tenant's compact; private to the tenant."""

    class DisputeRaised(RegistryAggregate.Created):
        tenant_slug: str
        key: str
        raised_by: str
        against: str
        commitment: str
        summary: str
        raised_on: str
        deadline_on: str | None  # only where the governing dispute process sets a time limit
        steps: list[DisputeStepData]  # the process's steps; empty: the registry's own three
        governed_by: GovernedByData | None  # the dispute process it follows

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            # Old deadlines came from the registry's defaults or its own rules, never from a compact's
            # dispute process: they are not kept (ADR 0008). The three stages stay as they were.
            state["deadline_on"] = None
            state["steps"] = []
            state["governed_by"] = None

    class DisputeEscalated(RegistryAggregate.Event):
        stage: str
        on: str
        deadline_on: str | None
        handled_by: str
        reason: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["deadline_on"] = None  # as DisputeRaised: no compact set it

    class DisputeResolved(RegistryAggregate.Event):
        on: str
        outcome: str

    class DisputeWithdrawn(RegistryAggregate.Event):
        on: str
        outcome: str

    class PartyReferredToBoard(RegistryAggregate.Event):
        party: str
        on: str
        finding: str

    @staticmethod
    def create_id(tenant_slug: str, key: str, **_: object) -> str:
        return dispute_id(tenant_slug, key)

    @event(DisputeRaised)
    def __init__(
        self,
        tenant_slug: str,
        key: str,
        raised_by: str,
        against: str,
        commitment: str,
        summary: str,
        raised_on: str,
        deadline_on: str | None,
        steps: list[DisputeStepData],
        governed_by: GovernedByData | None,
        actor: str,
    ) -> None:
        self.key = key
        self.parties = (raised_by, against)
        self.steps = process_steps([DisputeStep.from_dict(s) for s in steps])
        self.stage = self.steps[0].stage
        self.status = DisputeStatus.OPEN
        self.last_change = date.fromisoformat(raised_on)
        self.deadline_on = date.fromisoformat(deadline_on) if deadline_on else None
        self.referred: set[str] = set()

    def _open(self, doing: str) -> None:
        if self.status is not DisputeStatus.OPEN:
            raise InvalidInput(
                f"The dispute '{self.key}' was {self.status.value.lower()} on "
                f"{self.last_change.isoformat()}; a {self.status.value.lower()} dispute cannot be {doing}."
            )

    def _not_before(self, on: date, doing: str) -> None:
        if on < self.last_change:
            raise InvalidInput(
                f"The dispute '{self.key}' last moved on {self.last_change.isoformat()}; it cannot be "
                f"{doing} on an earlier date ({on.isoformat()})."
            )

    def escalate(self, *, to: DisputeStage, on: date, handled_by: str, reason: str, actor: str) -> None:
        """Move to the next step of the dispute's process only: its steps are taken in order, none skipped."""
        self._open("escalated")
        self._not_before(on, "escalated")
        stages = [s.stage for s in self.steps]
        at = stages.index(self.stage)
        following = self.steps[at + 1] if at + 1 < len(self.steps) else None
        if following is None or to is not following.stage:
            nxt = f"the next step is {following.stage.value}" if following else "it is at the last step"
            raise InvalidInput(
                f"The dispute '{self.key}' is at {self.stage.value}; it cannot go to {to.value}: {nxt} "
                f"(its steps: {', '.join(s.value for s in stages)})."
            )
        handler = _text(handled_by, "Who handles the stage (the relationship manager or partnership)")
        deadline = following.period.after(on).isoformat() if following.period else None
        self._escalated(
            stage=to.value,
            on=on.isoformat(),
            deadline_on=deadline,
            handled_by=handler,
            reason=_text(reason, "The reason for escalating"),
            actor=actor,
        )

    @event(DisputeEscalated)
    def _escalated(
        self, stage: str, on: str, deadline_on: str | None, handled_by: str, reason: str, actor: str
    ) -> None:
        self.stage = DisputeStage(stage)
        self.last_change = date.fromisoformat(on)
        self.deadline_on = date.fromisoformat(deadline_on) if deadline_on else None

    def resolve(self, *, on: date, outcome: str, actor: str) -> None:
        self._open("resolved")
        self._not_before(on, "resolved")
        self._resolved(on=on.isoformat(), outcome=_text(outcome, "The outcome"), actor=actor)

    @event(DisputeResolved)
    def _resolved(self, on: str, outcome: str, actor: str) -> None:
        self.status = DisputeStatus.RESOLVED
        self.last_change = date.fromisoformat(on)

    def withdraw(self, *, on: date, outcome: str, actor: str) -> None:
        self._open("withdrawn")
        self._not_before(on, "withdrawn")
        self._withdrawn(on=on.isoformat(), outcome=_text(outcome, "The outcome"), actor=actor)

    @event(DisputeWithdrawn)
    def _withdrawn(self, on: str, outcome: str, actor: str) -> None:
        self.status = DisputeStatus.WITHDRAWN
        self.last_change = date.fromisoformat(on)

    # Referrals to the board are the register's now (domain/register.py), with or without a dispute;
    # this event stays so that referrals recorded on a dispute still replay.
    @event(PartyReferredToBoard)
    def _referred(self, party: str, on: str, finding: str, actor: str) -> None:
        self.referred.add(party_key(party))


def process_steps(steps: list[DisputeStep]) -> list[DisputeStep]:
    """A process's steps, or, where no compact sets one, the registry's own three with no time limits."""
    return steps or [DisputeStep(stage) for stage in DisputeStage]


def raise_dispute(
    *,
    tenant: str,
    key: str,
    raised_by: str,
    against: str,
    commitment: str,
    summary: str,
    raised_on: date,
    process: GovernedBy | None,
    steps: tuple[DisputeStep, ...],
    actor: str,
) -> Dispute:
    """A new dispute at the first step of the process that governs it; the caller checks both parties.

    `steps` are the governing DISPUTE_PROCESS commitment's; a step has a deadline only where that
    commitment sets a time limit, and a dispute that nothing governs has none at all.
    """
    if party_key(raised_by) == party_key(against):
        raise InvalidInput("A dispute is between two parties; a party cannot raise one against itself.")
    first = process_steps(list(steps))[0]
    return Dispute(
        tenant_slug=tenant,
        key=check_dispute_key(key),
        raised_by=raised_by,
        against=against,
        commitment=_text(commitment, "The commitment in question"),
        summary=_text(summary, "The summary"),
        raised_on=raised_on.isoformat(),
        deadline_on=first.period.after(raised_on).isoformat() if first.period else None,
        steps=[s.as_dict() for s in steps],
        governed_by=process.as_dict() if process else None,
        actor=actor,
    )
