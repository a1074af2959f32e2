"""Commands on a tenant's compact: publish its text, amend it, and keep its Register of Parties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from domain.actors import Actor, acting_as, require_editor, require_platform_admin
from domain.compact import Compact, ProjectLessons, Section, compact_id, publish_compact
from domain.disputes import dispute_id
from domain.errors import Conflict, NotFound
from domain.register import BodyKind, Contact, Register, Sector, register_id
from services.ports import PersonalData
from services.registry import Recorded, Registry


class CompactService:
    def __init__(self, registry: Registry, vault: PersonalData) -> None:
        self.registry = registry
        self.vault = vault

    def publish(
        self,
        actor: Actor,
        *,
        tenant: str,
        title: str,
        effective_on: date,
        sections: list[Section],
        draft: bool = False,
        consultation_closes_on: date | None = None,
    ) -> Recorded:
        """Publish version 1; a draft is out for consultation and in force only once adopted."""
        who = require_editor(actor, tenant, "publish a compact")
        self.registry.require_tenant(tenant)
        if self.registry.exists(compact_id(tenant)):
            raise Conflict(f"'{tenant}' has already published its compact; amend it instead.")
        compact = publish_compact(
            tenant=tenant,
            title=title,
            effective_on=effective_on,
            sections=sections,
            actor=who,
            acting_as=acting_as(actor),
            draft=draft,
            consultation_closes_on=consultation_closes_on,
        )
        return self.registry.record(compact, conflict=f"'{tenant}' has already published its compact.")

    def adopt(self, actor: Actor, *, tenant: str, adopted_on: date) -> Recorded:
        """Put a draft compact into force from `adopted_on`."""
        who = require_editor(actor, tenant, "adopt the draft compact")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.adopt(on=adopted_on, actor=who),
            f"'{tenant}' has no compact yet; publish the draft first.",
        )

    def amend(
        self,
        actor: Actor,
        *,
        tenant: str,
        effective_on: date,
        rationale: str,
        upsert: list[Section],
        remove: list[str],
    ) -> Recorded:
        who = require_editor(actor, tenant, "amend the compact")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.amend(
                effective_on=effective_on,
                rationale=rationale,
                upsert=upsert,
                remove=remove,
                actor=who,
                acting_as=acting_as(actor),
            ),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def propose(
        self,
        actor: Actor,
        *,
        tenant: str,
        key: str,
        effective_on: date,
        rationale: str,
        upsert: list[Section],
        remove: list[str],
        proposed_on: date,
        consultation_closes_on: date | None,
    ) -> Recorded:
        who = require_editor(actor, tenant, "propose an amendment")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.propose(
                key=key,
                effective_on=effective_on,
                rationale=rationale,
                upsert=upsert,
                remove=remove,
                proposed_on=proposed_on,
                consultation_closes_on=consultation_closes_on,
                actor=who,
            ),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def adopt_proposal(self, actor: Actor, *, tenant: str, key: str, adopted_on: date) -> Recorded:
        who = require_editor(actor, tenant, "adopt a proposed amendment")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.adopt_proposal(key=key, adopted_on=adopted_on, actor=who, acting_as=acting_as(actor)),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def reject_proposal(self, actor: Actor, *, tenant: str, key: str, on: date, reason: str) -> Recorded:
        who = require_editor(actor, tenant, "reject a proposed amendment")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.reject_proposal(key=key, on=on, reason=reason, actor=who),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def hold_annual_review(
        self,
        actor: Actor,
        *,
        tenant: str,
        held_on: date,
        achievements: list[str],
        aspirations: list[str],
        issues: list[str],
        amendments: list[str],
        projects: tuple[ProjectLessons, ...] = (),
    ) -> Recorded:
        who = require_editor(actor, tenant, "record an annual review")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.hold_annual_review(
                held_on=held_on,
                achievements=achievements,
                aspirations=aspirations,
                issues=issues,
                amendments=amendments,
                projects=projects,
                actor=who,
            ),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def _register(self, tenant: str, who: str, change: Callable[[Register], None]) -> Recorded:
        if not self.registry.exists(compact_id(tenant)):
            raise NotFound(f"'{tenant}' has no compact yet; publish it before parties sign it.")
        if not self.registry.exists(register_id(tenant)):
            register = Register(tenant_slug=tenant, actor=who)
            change(register)
            try:
                return self.registry.record(register)
            except Conflict:
                pass  # another command opened the register first; apply ours to that one
        return self.registry.update(register_id(tenant), Register, change, f"'{tenant}' has no register.")

    def sign(
        self,
        actor: Actor,
        *,
        tenant: str,
        party: str,
        sector: Sector,
        signed_on: date,
        kind: BodyKind | None = None,
        contact: Contact | None = None,
    ) -> Recorded:
        who = require_editor(actor, tenant, "sign a party to the compact")
        self.registry.require_tenant(tenant)
        return self._register(
            tenant,
            who,
            lambda r: r.sign(
                party=party,
                sector=sector,
                signed_on=signed_on,
                kind=kind,
                contact=contact,
                seal=self.vault.seal,
                actor=who,
            ),
        )

    def record_contact(self, actor: Actor, *, tenant: str, party: str, contact: Contact) -> Recorded:
        who = require_editor(actor, tenant, "record a party's contact")
        self.registry.require_tenant(tenant)
        return self._register(
            tenant,
            who,
            lambda r: r.record_contact(party=party, contact=contact, seal=self.vault.seal, actor=who),
        )

    def stand_down_champion(
        self, actor: Actor, *, tenant: str, party: str, on: date, role: str | None = None
    ) -> Recorded:
        who = require_editor(actor, tenant, "record a champion standing down")
        self.registry.require_tenant(tenant)
        return self._register(
            tenant, who, lambda r: r.stand_down_champion(party=party, on=on, role=role, actor=who)
        )

    def refer_to_board(
        self, actor: Actor, *, tenant: str, party: str, on: date, finding: str, dispute: str | None = None
    ) -> Recorded:
        """A signed party found working outside the commitments goes to the board, with or without dispute."""
        who = require_editor(actor, tenant, "refer a party to the compact board")
        self.registry.require_tenant(tenant)
        if dispute is not None and not self.registry.exists(dispute_id(tenant, dispute)):
            raise NotFound(f"'{tenant}' has no dispute '{dispute}'.")
        return self._register(
            tenant,
            who,
            lambda r: r.refer_to_board(party=party, on=on, finding=finding, dispute=dispute, actor=who),
        )

    def withdraw(self, actor: Actor, *, tenant: str, party: str, on: date, reason: str) -> Recorded:
        who = require_editor(actor, tenant, "withdraw a party")
        self.registry.require_tenant(tenant)
        return self._register(tenant, who, lambda r: r.withdraw(party=party, on=on, reason=reason, actor=who))

    def appoint_champion(
        self,
        actor: Actor,
        *,
        tenant: str,
        party: str,
        name: str,
        appointed_on: date,
        role: str | None = None,
    ) -> Recorded:
        """A champion for a party; a party may name several, one per role (Havering's Appendix A)."""
        who = require_editor(actor, tenant, "appoint a champion")
        self.registry.require_tenant(tenant)
        return self._register(
            tenant,
            who,
            lambda r: r.appoint_champion(
                party=party, name=name, appointed_on=appointed_on, seal=self.vault.seal, actor=who, role=role
            ),
        )

    def erase_person(self, actor: Actor, *, subject: str) -> Recorded:
        """Delete a person's key, then record the erasure; safe to repeat if the second step failed."""
        require_platform_admin(actor, "erase a person's data")
        tenant = subject.split(":", 1)[0]
        self.registry.require_tenant(tenant)
        register = self.registry.get_or_none(register_id(tenant))
        if not isinstance(register, Register) or subject not in register.people:
            raise NotFound(f"There is no person '{subject}' in the register of '{tenant}'.")
        self.vault.erase(subject)
        return self.registry.update(
            register_id(tenant),
            Register,
            lambda r: r.erase_person(subject=subject, actor=actor.sub or ""),
            f"'{tenant}' has no register.",
        )
