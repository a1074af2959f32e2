"""Which commitment governs a tenant on a date, as the write side knows it: the tier walk over aggregates."""

from __future__ import annotations

from datetime import date

from domain.commitments import CommitmentKind, GovernedBy
from domain.compact import Compact, compact_id
from domain.lookup import Governing, Level, Placed, govern
from domain.tenancy import Tenant, Tier, tenant_id
from services.registry import Registry


def chain(registry: Registry, tenant: str, on: date, kind: CommitmentKind) -> list[Level]:
    """The tenant, then each ancestor, with the commitments of `kind` in its compact in force on `on`.

    Read from the aggregates themselves, so a command is judged by what is recorded, whatever the read
    models have reached.
    """
    levels: list[Level] = []
    slug: str | None = tenant
    while slug is not None:
        found = registry.get_or_none(tenant_id(slug))
        if not isinstance(found, Tenant):
            break
        compact = registry.get_or_none(compact_id(slug))
        version = compact.in_force(on) if isinstance(compact, Compact) else None
        placed = (
            tuple(Placed(s.key, c) for s in version.sections for c in s.commitments if c.kind is kind)
            if version
            else ()
        )
        levels.append(
            Level(
                found.slug, found.name, found.tier, version.version if version else None, commitments=placed
            )
        )
        slug = found.parent
    return levels


def governing(
    registry: Registry, tenant: str, kind: CommitmentKind, on: date, uniform_at: Tier | None = None
) -> Governing:
    return govern(chain(registry, tenant, on, kind), kind, on, uniform_at)


def governed_by(
    registry: Registry, tenant: str, kind: CommitmentKind, on: date, uniform_at: Tier | None = None
) -> tuple[GovernedBy | None, Placed | None]:
    """The reference a record keeps to the commitment it was made under, and the commitment itself."""
    found = governing(registry, tenant, kind, on, uniform_at)
    return found.reference(), found.placed
