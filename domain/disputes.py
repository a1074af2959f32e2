"""Disputes between parties about a commitment, taken through three stages in order to an outcome."""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

from eventsourcing.domain import event

from domain.compact_rules import DisputeStage, Rules
from domain.errors import Conflict, InvalidInput
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
        deadline_on: str

    class DisputeEscalated(RegistryAggregate.Event):
        stage: str
        on: str
        deadline_on: str
        handled_by: str
        reason: str

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
        deadline_on: str,
        actor: str,
    ) -> None:
        self.key = key
        self.parties = (raised_by, against)
        self.stage = DisputeStage.BETWEEN_PARTIES
        self.status = DisputeStatus.OPEN
        self.last_change = date.fromisoformat(raised_on)
        self.deadline_on = date.fromisoformat(deadline_on)
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

    def escalate(
        self, *, to: DisputeStage, on: date, handled_by: str, reason: str, rules: Rules, actor: str
    ) -> None:
        """Move to the next stage only: the seeds' steps are taken in order, none skipped."""
        self._open("escalated")
        self._not_before(on, "escalated")
        if to.number != self.stage.number + 1:
            expected = [s for s in DisputeStage if s.number == self.stage.number + 1]
            nxt = f"the next stage is {expected[0].value}" if expected else "it is at the last stage"
            raise InvalidInput(
                f"The dispute '{self.key}' is at stage {self.stage.value}; it cannot go to {to.value}: {nxt}."
            )
        handler = _text(handled_by, "Who handles the stage (the relationship manager or partnership)")
        self._escalated(
            stage=to.value,
            on=on.isoformat(),
            deadline_on=(on + timedelta(days=rules.stage_days[to])).isoformat(),
            handled_by=handler,
            reason=_text(reason, "The reason for escalating"),
            actor=actor,
        )

    @event(DisputeEscalated)
    def _escalated(
        self, stage: str, on: str, deadline_on: str, handled_by: str, reason: str, actor: str
    ) -> None:
        self.stage = DisputeStage(stage)
        self.last_change = date.fromisoformat(on)
        self.deadline_on = date.fromisoformat(deadline_on)

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

    def refer_to_board(self, *, party: str, on: date, finding: str, actor: str) -> None:
        """A party found working outside the commitments goes to the board for closer examination."""
        named = {party_key(p): p for p in self.parties}
        if party_key(party) not in named:
            raise InvalidInput(
                f"'{party}' is not a party to the dispute '{self.key}' ({' and '.join(self.parties)})."
            )
        if self.stage is DisputeStage.BETWEEN_PARTIES:
            raise InvalidInput(
                "A referral to the board follows an investigation's finding; escalate the dispute to "
                "INVESTIGATION first."
            )
        if party_key(party) in self.referred:
            raise Conflict(f"{named[party_key(party)]} has already been referred to the board.")
        self._not_before(on, "the subject of a referral")
        self._referred(
            party=named[party_key(party)],
            on=on.isoformat(),
            finding=_text(finding, "The finding"),
            actor=actor,
        )

    @event(PartyReferredToBoard)
    def _referred(self, party: str, on: str, finding: str, actor: str) -> None:
        self.referred.add(party_key(party))


def raise_dispute(
    *,
    tenant: str,
    key: str,
    raised_by: str,
    against: str,
    commitment: str,
    summary: str,
    raised_on: date,
    rules: Rules,
    actor: str,
) -> Dispute:
    """A new dispute at its first stage; the caller checks both parties were signed on the day."""
    if party_key(raised_by) == party_key(against):
        raise InvalidInput("A dispute is between two parties; a party cannot raise one against itself.")
    return Dispute(
        tenant_slug=tenant,
        key=check_dispute_key(key),
        raised_by=raised_by,
        against=against,
        commitment=_text(commitment, "The commitment in question"),
        summary=_text(summary, "The summary"),
        raised_on=raised_on.isoformat(),
        deadline_on=(raised_on + timedelta(days=rules.stage_days[DisputeStage.BETWEEN_PARTIES])).isoformat(),
        actor=actor,
    )
