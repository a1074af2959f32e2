"""The Tenant type, for features that name it: a lazy reference, and a factory the tenant module registers.

The Tenant type has a field for every feature (its compact, register, codes, disputes...), so it imports them
all; a feature that answers with a tenant (a lookup's trail, a code adoption) cannot import it back. Each
names it lazily instead, and builds one through the factory that api/graphql/tenant.py registers here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import strawberry

from projections.tenant_directory import TenantRow

if TYPE_CHECKING:
    from api.graphql.tenant import Tenant

TenantType = Annotated["Tenant", strawberry.lazy("api.graphql.tenant")]

_build: list[Callable[[TenantRow], Tenant]] = []


def register_tenant(build: Callable[[TenantRow], Tenant]) -> None:
    """Called once, by api/graphql/tenant.py, as it is imported."""
    _build[:] = [build]


def tenant(row: TenantRow) -> Tenant:
    """The Tenant type for a row of the tenant directory."""
    if not _build:
        raise RuntimeError("api.graphql.tenant was not imported: the schema imports it")
    return _build[0](row)
