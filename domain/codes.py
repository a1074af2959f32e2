"""Codes of Good Practice: drafted with a lead, adopted, reviewed, merged, withdrawn, endorsed."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from eventsourcing.domain import event

from domain.errors import Conflict, InvalidInput
from domain.events import RegistryAggregate, aggregate_id
from domain.matters import resolve_matters
from domain.register import party_key
from domain.text import one_line

CODE_KEY = re.compile(r"^[a-z][a-z0-9-]{1,62}\Z")
TITLE_MAX = 300


class CodeStatus(StrEnum):
    IN_DEVELOPMENT = "IN_DEVELOPMENT"
    ADOPTED = "ADOPTED"
    WITHDRAWN = "WITHDRAWN"
    SUPERSEDED = "SUPERSEDED"


def check_code_key(key: str) -> str:
    if not CODE_KEY.match(key):
        raise InvalidInput(
            f"'{key}' is not a valid code key: use 2 to 63 characters of lower-case letters, digits "
            "and '-', starting with a letter (for example 'funding' or 'equality-and-diversity')."
        )
    return key


def code_id(tenant: str, key: str) -> str:
    return aggregate_id(tenant, f"code:{key}")


class Code(RegistryAggregate):
    """One Code of Good Practice of a tenant's compact."""

    class CodeDrafted(RegistryAggregate.Created):
        tenant_slug: str
        key: str
        title: str
        matters: list[str]
        lead: str | None
        drafted_on: str

    class CodeAdopted(RegistryAggregate.Event):
        adopted_on: str
        title: str
        matters: list[str]

    class CodeReviewed(RegistryAggregate.Event):
        reviewed_on: str
        next_review_due: str | None  # the code's own next review date, where the review set one
        notes: str

    class CodeMergedInto(RegistryAggregate.Event):
        into: str
        on: str

    class CodeAbsorbed(RegistryAggregate.Event):
        merged: str
        on: str
        matters_added: list[str]

    class CodeWithdrawn(RegistryAggregate.Event):
        on: str
        reason: str

    class CodeEndorsed(RegistryAggregate.Event):
        party: str
        on: str

    @staticmethod
    def create_id(tenant_slug: str, key: str, **_: object) -> str:
        return code_id(tenant_slug, key)

    @event(CodeDrafted)
    def __init__(
        self,
        tenant_slug: str,
        key: str,
        title: str,
        matters: list[str],
        lead: str | None,
        drafted_on: str,
        actor: str,
    ) -> None:
        self.key = key
        self.title = title
        self.matters = list(matters)
        self.lead = lead
        self.drafted_on = date.fromisoformat(drafted_on)
        self.status = CodeStatus.IN_DEVELOPMENT
        self.adopted_on: date | None = None
        self.last_change = self.drafted_on
        self.next_review_due: date | None = None
        self.endorsed_by: set[str] = set()

    def _not_before(self, day: date, doing: str) -> None:
        if day < self.last_change:
            raise InvalidInput(
                f"The code '{self.key}' last changed on {self.last_change.isoformat()}; it cannot be "
                f"{doing} on an earlier date ({day.isoformat()})."
            )

    def _still_open(self, doing: str) -> None:
        if self.status is CodeStatus.WITHDRAWN:
            raise InvalidInput(f"The code '{self.key}' was withdrawn; a withdrawn code cannot be {doing}.")
        if self.status is CodeStatus.SUPERSEDED:
            raise InvalidInput(f"The code '{self.key}' was merged into another; it cannot be {doing}.")

    def adopt(self, *, adopted_on: date, title: str | None, matters: list[str] | None, actor: str) -> None:
        self._still_open("adopted")
        if self.status is CodeStatus.ADOPTED:
            raise Conflict(f"The code '{self.key}' was already adopted on {self.adopted_on}.")
        self._not_before(adopted_on, "adopted")
        final_title = check_title(title) if title is not None else self.title
        # A code may name no matter (Harrow's Code of Practice names none); it then covers none in a lookup.
        final_matters = resolve_matters(matters) if matters is not None else self.matters
        self._adopted(
            adopted_on=adopted_on.isoformat(), title=final_title, matters=final_matters, actor=actor
        )

    @event(CodeAdopted)
    def _adopted(self, adopted_on: str, title: str, matters: list[str], actor: str) -> None:
        self.status = CodeStatus.ADOPTED
        self.adopted_on = self.last_change = date.fromisoformat(adopted_on)
        self.title = title
        self.matters = list(matters)

    def review(self, *, reviewed_on: date, next_review_due: date | None, notes: str, actor: str) -> None:
        self._still_open("reviewed")
        if self.status is not CodeStatus.ADOPTED:
            raise InvalidInput(f"The code '{self.key}' is still in development; adopt it before a review.")
        self._not_before(reviewed_on, "reviewed")
        if next_review_due is not None and next_review_due <= reviewed_on:
            raise InvalidInput("The next review must be due after the review itself.")
        self._reviewed(
            reviewed_on=reviewed_on.isoformat(),
            next_review_due=next_review_due.isoformat() if next_review_due else None,
            notes=" ".join(notes.split()),
            actor=actor,
        )

    @event(CodeReviewed)
    def _reviewed(self, reviewed_on: str, next_review_due: str | None, notes: str, actor: str) -> None:
        self.last_change = date.fromisoformat(reviewed_on)
        self.next_review_due = date.fromisoformat(next_review_due) if next_review_due else None

    def merge_into(self, other: Code, *, on: date, actor: str) -> None:
        """This code is superseded by `other`, which from `on` also covers this code's matters."""
        if other.id == self.id:
            raise InvalidInput("A code cannot be merged into itself.")
        self._still_open("merged")
        other._still_open("the one another code is merged into")
        self._not_before(on, "merged")
        other._not_before(on, "merged into")
        added = [m for m in self.matters if m not in other.matters]
        self._merged_into(into=other.key, on=on.isoformat(), actor=actor)
        other._absorbed(merged=self.key, on=on.isoformat(), matters_added=added, actor=actor)

    @event(CodeMergedInto)
    def _merged_into(self, into: str, on: str, actor: str) -> None:
        self.status = CodeStatus.SUPERSEDED
        self.last_change = date.fromisoformat(on)

    @event(CodeAbsorbed)
    def _absorbed(self, merged: str, on: str, matters_added: list[str], actor: str) -> None:
        self.matters.extend(matters_added)
        self.last_change = date.fromisoformat(on)

    def withdraw(self, *, on: date, reason: str, actor: str) -> None:
        self._still_open("withdrawn")
        self._not_before(on, "withdrawn")
        cleaned = " ".join(reason.split())
        if not cleaned:
            raise InvalidInput("Give a reason for withdrawing the code.")
        self._withdrawn(on=on.isoformat(), reason=cleaned, actor=actor)

    @event(CodeWithdrawn)
    def _withdrawn(self, on: str, reason: str, actor: str) -> None:
        self.status = CodeStatus.WITHDRAWN
        self.last_change = date.fromisoformat(on)

    def endorse(self, *, party: str, on: date, actor: str) -> None:
        """A signed party endorses an adopted code; the caller checks the party was signed on `on`."""
        if self.status is not CodeStatus.ADOPTED or self.adopted_on is None or on < self.adopted_on:
            raise InvalidInput(f"Only adopted codes are endorsed; '{self.key}' is not adopted on {on}.")
        if party_key(party) in self.endorsed_by:
            raise Conflict(f"{party} has already endorsed the code '{self.key}'.")
        self._endorsed(party=party, on=on.isoformat(), actor=actor)

    @event(CodeEndorsed)
    def _endorsed(self, party: str, on: str, actor: str) -> None:
        self.endorsed_by.add(party_key(party))


def check_title(title: str) -> str:
    return one_line(title, empty="The code's title is empty.", max_length=TITLE_MAX, what="The code's title")


def draft_code(
    *, tenant: str, key: str, title: str, matters: list[str], lead: str | None, drafted_on: date, actor: str
) -> Code:
    """A new code in development, after checking its key, title, matters and lead."""
    cleaned_lead = " ".join(lead.split()) if lead is not None else None
    return Code(
        tenant_slug=tenant,
        key=check_code_key(key),
        title=check_title(title),
        matters=resolve_matters(matters),
        lead=cleaned_lead or None,
        drafted_on=drafted_on.isoformat(),
        actor=actor,
    )
