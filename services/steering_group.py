"""Commands on a tenant's steering group: assign a role, end a term."""

from __future__ import annotations

from collections.abc import Callable

from domain.actors import Actor, require_editor
from domain.commands import AssignSteeringRole, EndSteeringRole
from domain.errors import Conflict
from domain.steering_group import SteeringGroup, steering_group_id
from services.registry import Recorded, Registry


class SteeringGroupService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _change(
        self, actor: Actor, tenant: str, doing: str, change: Callable[[SteeringGroup, str], None]
    ) -> Recorded:
        who = require_editor(actor, tenant, doing)
        self.registry.require_tenant(tenant)
        if not self.registry.exists(steering_group_id(tenant)):
            group = SteeringGroup(tenant_slug=tenant, actor=who)
            change(group, who)
            try:
                return self.registry.record(group)
            except Conflict:
                pass  # formed by a concurrent command: apply ours to that one
        return self.registry.update(
            steering_group_id(tenant),
            SteeringGroup,
            lambda g: change(g, who),
            f"'{tenant}' has no steering group.",
        )

    def assign(self, actor: Actor, command: AssignSteeringRole) -> Recorded:
        return self._change(
            actor,
            command.tenant,
            "assign a steering group role",
            lambda g, who: g.assign(
                role=command.role,
                holder=command.holder,
                party=command.party,
                code=command.code,
                since=command.since,
                actor=who,
            ),
        )

    def end(self, actor: Actor, command: EndSteeringRole) -> Recorded:
        return self._change(
            actor,
            command.tenant,
            "end a steering group role",
            lambda g, who: g.end(
                role=command.role, holder=command.holder, code=command.code, on=command.on, actor=who
            ),
        )
