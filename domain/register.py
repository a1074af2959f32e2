"""The Register of Parties: who has signed a tenant's compact, who has left, and each party's Champion."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from uuid import uuid4

from eventsourcing.domain import event

from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import RegistryAggregate, aggregate_id
from domain.text import one_line, refuse_disguised

PARTY_NAME_MAX = 200


class Sector(StrEnum):
    STATUTORY = "STATUTORY"
    VOLUNTARY_COMMUNITY = "VOLUNTARY_COMMUNITY"
    PRIVATE = "PRIVATE"


class BodyKind(StrEnum):
    """What kind of body a party is, as a council website would list it."""

    COUNCIL = "COUNCIL"
    PARISH_OR_TOWN_COUNCIL = "PARISH_OR_TOWN_COUNCIL"
    HEALTH = "HEALTH"
    POLICE = "POLICE"
    FIRE = "FIRE"
    EDUCATION = "EDUCATION"
    HOUSING = "HOUSING"
    CHARITY = "CHARITY"
    COMMUNITY_GROUP = "COMMUNITY_GROUP"
    FAITH_GROUP = "FAITH_GROUP"
    SOCIAL_ENTERPRISE = "SOCIAL_ENTERPRISE"
    INFRASTRUCTURE_BODY = "INFRASTRUCTURE_BODY"
    BUSINESS = "BUSINESS"
    OTHER = "OTHER"


@dataclass(frozen=True)
class Contact:
    """A party's named point of contact: personal data, never public."""

    name: str
    email: str | None = None
    phone: str | None = None

    def checked(self) -> Contact:
        name = " ".join(refuse_disguised(self.name, "The contact's name").split())
        if not name:
            raise InvalidInput("The contact's name is empty.")
        email = (self.email or "").strip() or None
        if email is not None and not EMAIL.match(email):
            raise InvalidInput(f"'{email}' does not look like an email address.")
        phone = " ".join((self.phone or "").split()) or None
        if phone is not None and not PHONE.match(phone):
            raise InvalidInput(f"'{phone}' does not look like a phone number.")
        return Contact(name, email, phone)


EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}\Z")


# Seals a person's text under their own key: (subject, text) -> an opaque sealed value.
Seal = Callable[[str, str], str]


def new_subject(tenant: str) -> str:
    """A fresh id for a person whose personal data the register holds."""
    return f"{tenant}:person:{uuid4().hex}"


def party_key(name: str) -> str:
    """Parties are matched by name, ignoring case and spacing."""
    return " ".join(name.split()).casefold()


def _role(role: str | None) -> str | None:
    if role is None:
        return None
    return one_line(
        role, empty="The champion's role is empty; leave it out instead.", max_length=100, what="The role"
    )


def _role_key(role: str | None) -> str | None:
    """Roles match whatever their case: 'Officer' and 'officer' are one role."""
    return role.casefold() if role else None


def _as(role: str | None) -> str:
    return f" as {role}" if role else ""


def check_party_name(name: str) -> str:
    return one_line(
        name, empty="The party's name is empty.", max_length=PARTY_NAME_MAX, what="The party's name"
    )


@dataclass
class Membership:
    name: str
    sector: Sector
    signed_on: date
    kind: BodyKind | None = None
    withdrawn_on: date | None = None

    def covers(self, day: date) -> bool:
        return self.signed_on <= day and (self.withdrawn_on is None or day < self.withdrawn_on)


@dataclass
class Appointment:
    name: str  # sealed: personal data
    appointed_on: date
    role: str | None = None  # e.g. "Cabinet member", where a party names more than one champion


def register_id(tenant: str) -> str:
    return aggregate_id(tenant, "register")


class Register(RegistryAggregate):
    """A tenant's parties and champions; one aggregate, so a champion's party is checked consistently."""

    class RegisterOpened(RegistryAggregate.Created):
        tenant_slug: str

    class PartySigned(RegistryAggregate.Event):
        party: str
        sector: str
        kind: str | None
        signed_on: str

    class PartyContactRecorded(RegistryAggregate.Event):
        party: str
        subject: str
        name: str
        email: str | None
        phone: str | None

    class PersonErased(RegistryAggregate.Event):
        subject: str

    class ChampionStoodDown(RegistryAggregate.Event):
        party: str
        on: str
        role: str | None  # which of the party's champions; None: the one appointed without a role

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["role"] = None  # one champion a party then

    class PartyWithdrawn(RegistryAggregate.Event):
        party: str
        on: str
        reason: str

    class ChampionAppointed(RegistryAggregate.Event):
        party: str
        subject: str
        name: str
        appointed_on: str
        role: str | None  # a party may name several champions, one per role

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["role"] = None  # one champion a party then: a new one replaced the last

    class PartyReferredToBoard(RegistryAggregate.Event):
        """A party found working outside the compact's commitments, referred to its board to look closer."""

        party: str
        on: str
        finding: str
        dispute: str | None  # the dispute it came out of, if any

    @staticmethod
    def create_id(tenant_slug: str, **_: object) -> str:
        return register_id(tenant_slug)

    @event(RegisterOpened)
    def __init__(self, tenant_slug: str, actor: str) -> None:
        self.memberships: dict[str, Membership] = {}
        # Each party's current champions by role, matched without case (None: appointed without a role).
        self.champions: dict[str, dict[str | None, Appointment]] = {}
        self.people: set[str] = set()

    def current(self, party: str) -> Membership | None:
        membership = self.memberships.get(party_key(party))
        return membership if membership and membership.withdrawn_on is None else None

    def sign(
        self,
        *,
        party: str,
        sector: Sector,
        signed_on: date,
        actor: str,
        kind: BodyKind | None = None,
        contact: Contact | None = None,
        seal: Seal | None = None,
    ) -> None:
        name = check_party_name(party)
        previous = self.memberships.get(party_key(name))
        if previous and previous.withdrawn_on is None:
            raise Conflict(f"{previous.name} has already signed (on {previous.signed_on.isoformat()}).")
        if previous and previous.withdrawn_on and signed_on <= previous.withdrawn_on:
            raise InvalidInput(
                f"{previous.name} withdrew on {previous.withdrawn_on.isoformat()}; it can sign again "
                "only on a later date."
            )
        checked = contact.checked() if contact else None
        if checked and seal is None:
            raise ValueError("a contact is personal data: seal it")
        self._signed(
            party=name,
            sector=sector.value,
            kind=kind.value if kind else None,
            signed_on=signed_on.isoformat(),
            actor=actor,
        )
        if checked and seal is not None:
            self._record_contact(name, checked, seal, actor)

    @event(PartySigned)
    def _signed(self, party: str, sector: str, kind: str | None, signed_on: str, actor: str) -> None:
        self.memberships[party_key(party)] = Membership(
            party, Sector(sector), date.fromisoformat(signed_on), BodyKind(kind) if kind else None
        )

    def record_contact(self, *, party: str, contact: Contact, seal: Seal, actor: str) -> None:
        membership = self.current(party)
        if membership is None:
            raise NotFound(f"'{party}' is not a signed party; contacts are kept for signed parties.")
        self._record_contact(membership.name, contact.checked(), seal, actor)

    def _record_contact(self, party: str, contact: Contact, seal: Seal, actor: str) -> None:
        # Personal data enters the event only sealed under a key of this person's own.
        subject = new_subject(self.tenant)
        self._contact(
            party=party,
            subject=subject,
            name=seal(subject, contact.name),
            email=seal(subject, contact.email) if contact.email else None,
            phone=seal(subject, contact.phone) if contact.phone else None,
            actor=actor,
        )

    @event(PartyContactRecorded)
    def _contact(
        self, party: str, subject: str, name: str, email: str | None, phone: str | None, actor: str
    ) -> None:
        self.people.add(subject)

    def withdraw(self, *, party: str, on: date, reason: str, actor: str) -> None:
        membership = self.memberships.get(party_key(party))
        if membership is None:
            raise NotFound(f"There is no party '{party}' in the Register of Parties.")
        if membership.withdrawn_on is not None:
            raise Conflict(f"{membership.name} is not signed: it withdrew on {membership.withdrawn_on}.")
        if on < membership.signed_on:
            raise InvalidInput(
                f"{membership.name} signed on {membership.signed_on.isoformat()}; it cannot withdraw "
                f"before that ({on.isoformat()})."
            )
        cleaned = " ".join(reason.split())
        if not cleaned:
            raise InvalidInput("Give a reason for the withdrawal; the register records it.")
        self._withdrew(party=membership.name, on=on.isoformat(), reason=cleaned, actor=actor)

    @event(PartyWithdrawn)
    def _withdrew(self, party: str, on: str, reason: str, actor: str) -> None:
        self.memberships[party_key(party)].withdrawn_on = date.fromisoformat(on)
        # A party's champions stop being current when it leaves.
        self.champions.pop(party_key(party), None)

    def appoint_champion(
        self, *, party: str, name: str, appointed_on: date, seal: Seal, actor: str, role: str | None = None
    ) -> None:
        """A champion for a signed party; one with the same role as a current champion replaces them."""
        membership = self.current(party)
        if membership is None or not membership.covers(appointed_on):
            raise InvalidInput(
                f"'{party}' is not signed on {appointed_on.isoformat()}; a champion is appointed by a "
                "party that has signed the compact."
            )
        person = " ".join(refuse_disguised(name, "The champion's name").split())
        if not person:
            raise InvalidInput("The champion's name is empty.")
        label = _role(role)
        current = self.champions.get(party_key(party), {}).get(_role_key(label))
        if current and appointed_on < current.appointed_on:
            raise InvalidInput(
                f"{membership.name}'s current champion{_as(label)} was appointed on "
                f"{current.appointed_on.isoformat()}; a replacement cannot be appointed before that."
            )
        subject = new_subject(self.tenant)
        self._appointed(
            party=membership.name,
            subject=subject,
            name=seal(subject, person),
            appointed_on=appointed_on.isoformat(),
            role=label,
            actor=actor,
        )

    def stand_down_champion(self, *, party: str, on: date, actor: str, role: str | None = None) -> None:
        champions = self.champions.get(party_key(party), {})
        label = _role(role)
        if label is None and len(champions) == 1:
            label = next(iter(champions.values())).role
        current = champions.get(_role_key(label))
        if current is None:
            roles = ", ".join(sorted(a.role for a in champions.values() if a.role)) or "none"
            raise NotFound(
                f"'{party}' has no current champion{_as(label)} to stand down"
                + (f"; its champions' roles: {roles}." if len(champions) > 1 else ".")
            )
        if on < current.appointed_on:
            raise InvalidInput(
                f"The current champion{_as(label)} of '{party}' was appointed on "
                f"{current.appointed_on.isoformat()}; they cannot stand down before that ({on.isoformat()})."
            )
        self._stood_down(
            party=self.memberships[party_key(party)].name, on=on.isoformat(), role=current.role, actor=actor
        )

    @event(ChampionStoodDown)
    def _stood_down(self, party: str, on: str, actor: str, role: str | None = None) -> None:
        self.champions.get(party_key(party), {}).pop(_role_key(role), None)

    @event(ChampionAppointed)
    def _appointed(
        self, party: str, subject: str, name: str, appointed_on: str, actor: str, role: str | None = None
    ) -> None:
        # One current champion per party and role: a new appointment in a role replaces the last.
        self.champions.setdefault(party_key(party), {})[_role_key(role)] = Appointment(
            name, date.fromisoformat(appointed_on), role
        )
        self.people.add(subject)

    def refer_to_board(
        self, *, party: str, on: date, finding: str, actor: str, dispute: str | None = None
    ) -> None:
        """A signed party found working outside the commitments goes to the compact's board (Harrow)."""
        membership = self.memberships.get(party_key(party))
        if membership is None or not membership.covers(on):
            raise InvalidInput(
                f"'{party}' is not in the Register of Parties on {on.isoformat()}; only a signed party is "
                "referred to the board."
            )
        cleaned = one_line(
            finding, empty="Say what the party was found doing.", max_length=2000, what="The finding"
        )
        self._referred(
            party=membership.name, on=on.isoformat(), finding=cleaned, dispute=dispute, actor=actor
        )

    @event(PartyReferredToBoard)
    def _referred(self, party: str, on: str, finding: str, dispute: str | None, actor: str) -> None:
        pass

    def erase_person(self, *, subject: str, actor: str) -> None:
        """Record that a person's data was erased (their key is deleted alongside)."""
        if subject not in self.people:
            raise NotFound(f"There is no person '{subject}' in the register of '{self.tenant}'.")
        self._erased(subject=subject, actor=actor)

    @event(PersonErased)
    def _erased(self, subject: str, actor: str) -> None:
        self.people.discard(subject)
