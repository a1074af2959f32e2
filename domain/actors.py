"""Who is acting: the identity a verified token stands for, and what its roles allow."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from domain.errors import Forbidden, Unauthenticated


class Role(StrEnum):
    """The roles of the contract: admins do everything, editors write, auditors read."""

    PLATFORM_ADMIN = "platform-admin"
    EDITOR = "editor"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class Actor:
    """A verified identity; `sub` is None for the anonymous public reader, `issuer` is who vouched for it."""

    sub: str | None
    roles: frozenset[Role] = field(default_factory=frozenset)
    tenants: frozenset[str] = field(default_factory=frozenset)
    issuer: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.sub is None

    @property
    def is_platform_admin(self) -> bool:
        return Role.PLATFORM_ADMIN in self.roles

    def can_edit(self, tenant: str) -> bool:
        return self.is_platform_admin or (Role.EDITOR in self.roles and tenant in self.tenants)

    def can_audit(self, tenant: str) -> bool:
        """Auditors and editors of the tenant, and platform admins, read its private data."""
        if self.is_platform_admin:
            return True
        return tenant in self.tenants and bool(self.roles & {Role.AUDITOR, Role.EDITOR})


ANONYMOUS = Actor(sub=None)


def acting_as(actor: Actor) -> str:
    """The role a write is recorded in, shown to the public in place of the person who made it."""
    return Role.PLATFORM_ADMIN.value if actor.is_platform_admin else Role.EDITOR.value


def require_platform_admin(actor: Actor, doing: str) -> str:
    """Return the actor's name if it is a platform admin, else say why not."""
    if actor.sub is None:
        raise Unauthenticated(f"Sign in to {doing}: send a bearer token of a platform-admin.")
    if not actor.is_platform_admin:
        raise Forbidden(f"Only a platform-admin may {doing}.")
    return actor.sub


def require_editor(actor: Actor, tenant: str, doing: str) -> str:
    """Return the actor's name if it may write in the tenant, else say why not."""
    if actor.sub is None:
        raise Unauthenticated(f"Sign in to {doing}: send a bearer token of an editor of '{tenant}'.")
    if not actor.can_edit(tenant):
        raise Forbidden(f"Your token does not allow you to {doing} for '{tenant}'.")
    return actor.sub
