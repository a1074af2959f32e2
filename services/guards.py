"""Checks every keeping command makes first: who may write in the tenant, and whether a party was signed."""

from __future__ import annotations

from datetime import date

from domain.actors import Actor, require_editor
from domain.compact import compact_id
from domain.errors import NotFound
from domain.register import Membership, Register, party_key, register_id
from services.registry import Registry


def editing(registry: Registry, actor: Actor, tenant: str, doing: str) -> str:
    """The actor's name, once it may write in a tenant that has published its compact."""
    who = require_editor(actor, tenant, doing)
    registry.require_tenant(tenant)
    if not registry.exists(compact_id(tenant)):
        raise NotFound(f"'{tenant}' has no compact yet; publish it first.")
    return who


def signed_party(registry: Registry, tenant: str, party: str, on: date) -> Membership | None:
    """The party's membership if it was in the Register of Parties on `on`."""
    register = registry.get_or_none(register_id(tenant))
    if not isinstance(register, Register):
        return None
    membership = register.memberships.get(party_key(party))
    return membership if membership is not None and membership.covers(on) else None
