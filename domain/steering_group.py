"""The compact's steering group: who holds which role (chair, code lead, administration...) and since when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from eventsourcing.domain import event

from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import RegistryAggregate, aggregate_id
from domain.text import one_line, refuse_disguised


class SteeringRole(StrEnum):
    CHAIR = "CHAIR"
    VICE_CHAIR = "VICE_CHAIR"
    SECRETARY = "SECRETARY"
    ADMINISTRATION = "ADMINISTRATION"
    CODE_LEAD = "CODE_LEAD"
    MEMBER = "MEMBER"


# One holder at a time; taking one of these roles ends the previous holder's term that day.
SINGLE_HOLDER = frozenset({SteeringRole.CHAIR, SteeringRole.VICE_CHAIR, SteeringRole.SECRETARY})


@dataclass
class Post:
    role: SteeringRole
    holder: str
    party: str | None
    code: str | None
    since: date


def steering_group_id(tenant: str) -> str:
    return aggregate_id(tenant, "steering-group")


def _post_key(role: SteeringRole, holder: str, code: str | None) -> tuple[str, str, str]:
    return (role.value, " ".join(holder.split()).casefold(), code or "")


class SteeringGroup(RegistryAggregate):
    class SteeringGroupFormed(RegistryAggregate.Created):
        tenant_slug: str

    class SteeringRoleAssigned(RegistryAggregate.Event):
        role: str
        holder: str
        party: str | None
        code: str | None
        since: str

    class SteeringRoleEnded(RegistryAggregate.Event):
        role: str
        holder: str
        code: str | None
        on: str

    @staticmethod
    def create_id(tenant_slug: str, **_: object) -> str:
        return steering_group_id(tenant_slug)

    @event(SteeringGroupFormed)
    def __init__(self, tenant_slug: str, actor: str) -> None:
        self.posts: dict[tuple[str, str, str], Post] = {}

    def assign(
        self,
        *,
        role: SteeringRole,
        holder: str,
        party: str | None,
        code: str | None,
        since: date,
        actor: str,
    ) -> None:
        name = one_line(holder, empty="Say who holds the role.", max_length=200, what="The holder's name")
        if role is SteeringRole.CODE_LEAD and not code:
            raise InvalidInput("A code lead leads a code: give the code's key.")
        if role is not SteeringRole.CODE_LEAD and code:
            raise InvalidInput("Only a code lead is tied to a code; leave the code out.")
        key = _post_key(role, name, code)
        if key in self.posts:
            raise Conflict(f"{name} already holds the role {role.value}.")
        if role in SINGLE_HOLDER:
            for previous in [p for p in self.posts.values() if p.role is role]:
                if since < previous.since:
                    raise InvalidInput(
                        f"{previous.holder} became {role.value} on {previous.since.isoformat()}; a successor "
                        "cannot take over before that."
                    )
                self._ended(
                    role=role.value, holder=previous.holder, code=None, on=since.isoformat(), actor=actor
                )
        party_name = " ".join(refuse_disguised(party, "The party's name").split()) if party else None
        self._assigned(
            role=role.value,
            holder=name,
            party=party_name or None,
            code=code,
            since=since.isoformat(),
            actor=actor,
        )

    @event(SteeringRoleAssigned)
    def _assigned(
        self, role: str, holder: str, party: str | None, code: str | None, since: str, actor: str
    ) -> None:
        post = Post(SteeringRole(role), holder, party, code, date.fromisoformat(since))
        self.posts[_post_key(post.role, holder, code)] = post

    def end(self, *, role: SteeringRole, holder: str, code: str | None, on: date, actor: str) -> None:
        post = self.posts.get(_post_key(role, holder, code))
        if post is None:
            raise NotFound(f"{holder} does not hold the role {role.value}.")
        if on < post.since:
            raise InvalidInput(
                f"{post.holder} took the role on {post.since.isoformat()}; it cannot end before that."
            )
        self._ended(role=role.value, holder=post.holder, code=code, on=on.isoformat(), actor=actor)

    @event(SteeringRoleEnded)
    def _ended(self, role: str, holder: str, code: str | None, on: str, actor: str) -> None:
        self.posts.pop(_post_key(SteeringRole(role), holder, code), None)
