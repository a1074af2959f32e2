"""The tenant's own rules for keeping its compact: read by the other services, set by its editors."""

from __future__ import annotations

from datetime import date

from domain.actors import Actor, require_editor
from domain.compact import compact_id
from domain.compact_rules import DEFAULT_RULES, CompactRules, DisputeStage, Rules, check_rules, rules_id
from domain.errors import NotFound
from domain.register import Membership, Register, party_key, register_id
from services.registry import Recorded, Registry


def rules_of(registry: Registry, tenant: str) -> Rules:
    found = registry.get_or_none(rules_id(tenant))
    return found.rules if isinstance(found, CompactRules) else DEFAULT_RULES


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


class CompactRulesService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def set_rules(
        self,
        actor: Actor,
        *,
        tenant: str,
        since: date,
        stage_days: dict[DisputeStage, int] | None = None,
        consultation_weeks: int | None = None,
        notice_months: int | None = None,
        review_months: int | None = None,
    ) -> Recorded:
        """Change some of the rules from a date; those not given stay as they were."""
        who = editing(self.registry, actor, tenant, "set the compact's rules")
        found = self.registry.get_or_none(rules_id(tenant))

        def changed(base: Rules) -> Rules:
            return check_rules(
                stage_days=stage_days,
                consultation_weeks=consultation_weeks,
                notice_months=notice_months,
                review_months=review_months,
                base=base,
            )

        if not isinstance(found, CompactRules):
            rules = changed(DEFAULT_RULES)
            first = CompactRules(
                tenant_slug=tenant, rules=rules.as_dict(), since=since.isoformat(), actor=who
            )
            return self.registry.record(
                first, conflict=f"The rules of '{tenant}' changed at the same moment."
            )
        return self.registry.update(
            rules_id(tenant),
            CompactRules,
            lambda r: r.change(rules=changed(r.rules), since=since, actor=who),
            f"'{tenant}' has no rules.",
        )
