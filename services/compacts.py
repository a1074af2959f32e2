"""Commands on a tenant's compact: publish its text, amend it, and keep its Register of Parties."""

from __future__ import annotations

from collections.abc import Callable

from domain.actors import Actor, acting_as, require_editor, require_platform_admin
from domain.commands import (
    AdoptAmendment,
    AdoptCompact,
    AmendCompact,
    AppointChampion,
    EraseDataSubject,
    HoldAnnualReview,
    ProposeAmendment,
    PublishCompact,
    RecordPartyContact,
    ReferPartyToBoard,
    RejectAmendment,
    SignCompact,
    StandDownChampion,
    WithdrawParty,
)
from domain.compact import Compact, compact_id, publish_compact
from domain.disputes import dispute_id
from domain.errors import Conflict, NotFound
from domain.register import Register, register_id
from services.ports import PersonalData
from services.registry import Recorded, Registry


class CompactService:
    def __init__(self, registry: Registry, vault: PersonalData) -> None:
        self.registry = registry
        self.vault = vault

    def publish(self, actor: Actor, command: PublishCompact) -> Recorded:
        """Publish version 1; a draft is out for consultation and in force only once adopted."""
        tenant = command.tenant
        who = require_editor(actor, tenant, "publish a compact")
        self.registry.require_tenant(tenant)
        if self.registry.exists(compact_id(tenant)):
            raise Conflict(f"'{tenant}' has already published its compact; amend it instead.")
        compact = publish_compact(
            tenant=tenant,
            title=command.title,
            effective_on=command.effective_on,
            sections=list(command.sections),
            actor=who,
            acting_as=acting_as(actor),
            draft=command.draft,
            consultation_closes_on=command.consultation_closes_on,
        )
        return self.registry.record(compact, conflict=f"'{tenant}' has already published its compact.")

    def adopt(self, actor: Actor, command: AdoptCompact) -> Recorded:
        """Put a draft compact into force from `adopted_on`."""
        tenant = command.tenant
        who = require_editor(actor, tenant, "adopt the draft compact")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.adopt(on=command.adopted_on, actor=who),
            f"'{tenant}' has no compact yet; publish the draft first.",
        )

    def amend(self, actor: Actor, command: AmendCompact) -> Recorded:
        tenant = command.tenant
        who = require_editor(actor, tenant, "amend the compact")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.amend(
                effective_on=command.effective_on,
                rationale=command.rationale,
                upsert=list(command.upsert),
                remove=list(command.remove),
                actor=who,
                acting_as=acting_as(actor),
            ),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def propose(self, actor: Actor, command: ProposeAmendment) -> Recorded:
        tenant = command.tenant
        who = require_editor(actor, tenant, "propose an amendment")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.propose(
                key=command.key,
                effective_on=command.effective_on,
                rationale=command.rationale,
                upsert=list(command.upsert),
                remove=list(command.remove),
                proposed_on=command.proposed_on,
                consultation_closes_on=command.consultation_closes_on,
                actor=who,
            ),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def adopt_proposal(self, actor: Actor, command: AdoptAmendment) -> Recorded:
        tenant = command.tenant
        who = require_editor(actor, tenant, "adopt a proposed amendment")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.adopt_proposal(
                key=command.key, adopted_on=command.adopted_on, actor=who, acting_as=acting_as(actor)
            ),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def reject_proposal(self, actor: Actor, command: RejectAmendment) -> Recorded:
        tenant = command.tenant
        who = require_editor(actor, tenant, "reject a proposed amendment")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.reject_proposal(key=command.key, on=command.on, reason=command.reason, actor=who),
            f"'{tenant}' has no compact yet; publish it first.",
        )

    def hold_annual_review(self, actor: Actor, command: HoldAnnualReview) -> Recorded:
        tenant = command.tenant
        who = require_editor(actor, tenant, "record an annual review")
        self.registry.require_tenant(tenant)
        return self.registry.update(
            compact_id(tenant),
            Compact,
            lambda c: c.hold_annual_review(
                held_on=command.held_on,
                achievements=list(command.achievements),
                aspirations=list(command.aspirations),
                issues=list(command.issues),
                amendments=list(command.amendments),
                projects=command.projects,
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

    def sign(self, actor: Actor, command: SignCompact) -> Recorded:
        who = require_editor(actor, command.tenant, "sign a party to the compact")
        self.registry.require_tenant(command.tenant)
        return self._register(
            command.tenant,
            who,
            lambda r: r.sign(
                party=command.party,
                sector=command.sector,
                signed_on=command.signed_on,
                kind=command.kind,
                contact=command.contact,
                seal=self.vault.seal,
                actor=who,
            ),
        )

    def record_contact(self, actor: Actor, command: RecordPartyContact) -> Recorded:
        who = require_editor(actor, command.tenant, "record a party's contact")
        self.registry.require_tenant(command.tenant)
        return self._register(
            command.tenant,
            who,
            lambda r: r.record_contact(
                party=command.party, contact=command.contact, seal=self.vault.seal, actor=who
            ),
        )

    def stand_down_champion(self, actor: Actor, command: StandDownChampion) -> Recorded:
        who = require_editor(actor, command.tenant, "record a champion standing down")
        self.registry.require_tenant(command.tenant)
        return self._register(
            command.tenant,
            who,
            lambda r: r.stand_down_champion(party=command.party, on=command.on, role=command.role, actor=who),
        )

    def refer_to_board(self, actor: Actor, command: ReferPartyToBoard) -> Recorded:
        """A signed party found working outside the commitments goes to the board, with or without dispute."""
        tenant, dispute = command.tenant, command.dispute
        who = require_editor(actor, tenant, "refer a party to the compact board")
        self.registry.require_tenant(tenant)
        if dispute is not None and not self.registry.exists(dispute_id(tenant, dispute)):
            raise NotFound(f"'{tenant}' has no dispute '{dispute}'.")
        return self._register(
            tenant,
            who,
            lambda r: r.refer_to_board(
                party=command.party, on=command.on, finding=command.finding, dispute=dispute, actor=who
            ),
        )

    def withdraw(self, actor: Actor, command: WithdrawParty) -> Recorded:
        who = require_editor(actor, command.tenant, "withdraw a party")
        self.registry.require_tenant(command.tenant)
        return self._register(
            command.tenant,
            who,
            lambda r: r.withdraw(party=command.party, on=command.on, reason=command.reason, actor=who),
        )

    def appoint_champion(self, actor: Actor, command: AppointChampion) -> Recorded:
        """A champion for a party; a party may name several, one per role (Havering's Appendix A)."""
        who = require_editor(actor, command.tenant, "appoint a champion")
        self.registry.require_tenant(command.tenant)
        return self._register(
            command.tenant,
            who,
            lambda r: r.appoint_champion(
                party=command.party,
                name=command.name,
                appointed_on=command.appointed_on,
                seal=self.vault.seal,
                actor=who,
                role=command.role,
            ),
        )

    def erase_person(self, actor: Actor, command: EraseDataSubject) -> Recorded:
        """Delete a person's key, then record the erasure; safe to repeat if the second step failed."""
        subject = command.subject
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
