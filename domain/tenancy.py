"""Tenants and their tiers: who hosts a compact, and which level sits above whom."""

from __future__ import annotations

import re
from enum import StrEnum

from eventsourcing.domain import event

from domain.errors import InvalidInput
from domain.events import RegistryAggregate, aggregate_id
from domain.text import one_line

# Matched whole (fullmatch): "$" alone would let a slug end in a newline.
SLUG_PATTERN = re.compile(r"[a-z][a-z0-9-]{1,62}")
NAME_MAX_LENGTH = 200


class Tier(StrEnum):
    """The level of government a compact belongs to; a London borough is a DISTRICT."""

    NATIONAL = "NATIONAL"
    REGIONAL = "REGIONAL"
    COUNTY = "COUNTY"
    DISTRICT = "DISTRICT"


# Which tiers may sit directly above each tier; NATIONAL sits under nothing.
ALLOWED_PARENTS: dict[Tier, frozenset[Tier]] = {
    Tier.NATIONAL: frozenset(),
    Tier.REGIONAL: frozenset({Tier.NATIONAL}),
    Tier.COUNTY: frozenset({Tier.REGIONAL, Tier.NATIONAL}),
    Tier.DISTRICT: frozenset({Tier.COUNTY, Tier.REGIONAL}),
}


def check_slug(slug: str) -> str:
    """Return the slug if it is well formed, else explain the rule."""
    if not SLUG_PATTERN.fullmatch(slug):
        raise InvalidInput(
            f"'{slug}' is not a valid slug: use 2 to 63 characters of lower-case letters, "
            "digits and '-', starting with a letter (for example 'harlow' or 'east-of-england')."
        )
    return slug


def check_name(name: str) -> str:
    """Return the name without surrounding space, refusing an empty or overlong one."""
    return one_line(
        name,
        empty="The name is empty: give the tenant the name people know it by.",
        max_length=NAME_MAX_LENGTH,
        what="The name",
    )


def check_parent_tier(tier: Tier, parent_tier: Tier | None) -> None:
    """Refuse a parent of the wrong tier, a missing parent, or a parent for NATIONAL."""
    allowed = ALLOWED_PARENTS[tier]
    if parent_tier is None:
        if allowed:
            names = " or ".join(sorted(t.value for t in allowed))
            raise InvalidInput(f"A {tier.value} tenant needs a parent of tier {names}.")
        return
    if not allowed:
        raise InvalidInput("A NATIONAL tenant has no parent: leave the parent out.")
    if parent_tier not in allowed:
        names = " or ".join(sorted(t.value for t in allowed))
        raise InvalidInput(
            f"A {tier.value} tenant cannot sit under a {parent_tier.value} one; its parent must be {names}."
        )


def tenant_id(slug: str) -> str:
    """The aggregate id of a tenant: the first aggregate in its own id range."""
    return aggregate_id(slug, "tenant")


class Tenant(RegistryAggregate):
    """A borough, district, county, region or the nation, hosting one compact."""

    class TenantCreated(RegistryAggregate.Created):
        slug: str
        name: str
        tier: str
        parent: str | None

    @staticmethod
    def create_id(slug: str, **_: object) -> str:
        return tenant_id(slug)

    @event(TenantCreated)
    def __init__(self, slug: str, name: str, tier: str, parent: str | None, actor: str) -> None:
        self.slug = slug
        self.name = name
        self.tier = Tier(tier)
        self.parent = parent


def new_tenant(*, slug: str, name: str, tier: Tier, parent: Tenant | None, actor: str) -> Tenant:
    """Create a tenant after checking its slug, name and place in the tiers."""
    check_slug(slug)
    cleaned = check_name(name)
    check_parent_tier(tier, parent.tier if parent else None)
    return Tenant(
        slug=slug,
        name=cleaned,
        tier=tier.value,
        parent=parent.slug if parent else None,
        actor=actor,
    )
