"""Creating tenants: platform admins place each borough, district, county or region in the tiers."""

from __future__ import annotations

from domain.actors import Actor, require_platform_admin
from domain.errors import Conflict, NotFound
from domain.tenancy import Tenant, Tier, check_name, check_slug, new_tenant, tenant_id
from services.registry import Recorded, Registry


class TenantService:
    """Commands on tenants."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def create_tenant(
        self, actor: Actor, *, slug: str, name: str, tier: Tier, parent: str | None
    ) -> Recorded:
        who = require_platform_admin(actor, "create a tenant")
        check_slug(slug)
        check_name(name)
        parent_tenant: Tenant | None = None
        if parent is not None:
            found = self.registry.get_or_none(tenant_id(parent))
            if not isinstance(found, Tenant):
                raise NotFound(f"There is no tenant '{parent}' to be the parent; create it first.")
            parent_tenant = found
        taken = f"The slug '{slug}' is already taken by another tenant; choose another."
        if self.registry.exists(tenant_id(slug)):
            raise Conflict(taken)
        tenant = new_tenant(slug=slug, name=name, tier=tier, parent=parent_tenant, actor=who)
        # Two admins racing for one slug: the event store's key on (id, version 1) decides.
        return self.registry.record(tenant, conflict=taken)
