"""Creating tenants: platform admins place each borough, district, county or region in the tiers."""

from __future__ import annotations

from domain.actors import Actor, require_platform_admin
from domain.commands import CreateTenant
from domain.errors import Conflict, NotFound
from domain.tenancy import Tenant, check_name, check_slug, new_tenant, tenant_id
from services.registry import Recorded, Registry


class TenantService:
    """Commands on tenants."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def create_tenant(self, actor: Actor, command: CreateTenant) -> Recorded:
        who = require_platform_admin(actor, "create a tenant")
        check_slug(command.slug)
        check_name(command.name)
        parent_tenant: Tenant | None = None
        if command.parent is not None:
            found = self.registry.get_or_none(tenant_id(command.parent))
            if not isinstance(found, Tenant):
                raise NotFound(f"There is no tenant '{command.parent}' to be the parent; create it first.")
            parent_tenant = found
        taken = f"The slug '{command.slug}' is already taken by another tenant; choose another."
        # No round trip to ask whether the slug is free: the event store's key on (id, version 1) answers
        # as the events are written, in the same transaction. Only a tenant this process has loaded is
        # refused before any event is made.
        if self.registry.known(tenant_id(command.slug)):
            raise Conflict(taken)
        tenant = new_tenant(
            slug=command.slug, name=command.name, tier=command.tier, parent=parent_tenant, actor=who
        )
        # Two admins racing for one slug: the event store's key on (id, version 1) decides.
        return self.registry.record(tenant, conflict=taken)
