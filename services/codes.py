"""Commands on Codes of Good Practice: draft, adopt, review, merge, withdraw, endorse."""

from __future__ import annotations

from domain.actors import Actor, require_editor
from domain.codes import Code, check_code_key, code_id, draft_code
from domain.commands import AdoptCode, DraftCode, EndorseCode, MergeCode, ReviewCode, WithdrawCode
from domain.compact import compact_id
from domain.errors import Conflict, InvalidInput, NotFound
from domain.register import Register, register_id
from services.registry import Recorded, Registry


class CodeService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _editing(self, actor: Actor, tenant: str, doing: str) -> str:
        who = require_editor(actor, tenant, doing)
        self.registry.require_tenant(tenant)
        if not self.registry.exists(compact_id(tenant)):
            raise NotFound(f"'{tenant}' has no compact yet; publish it before its codes of practice.")
        return who

    def _missing(self, tenant: str, key: str) -> str:
        return f"'{tenant}' has no code of practice '{key}'."

    def draft(self, actor: Actor, command: DraftCode) -> Recorded:
        tenant, key = command.tenant, command.key
        who = self._editing(actor, tenant, "draft a code of practice")
        check_code_key(key)
        taken = f"'{tenant}' already has a code '{key}'."
        if self.registry.exists(code_id(tenant, key)):
            raise Conflict(taken)
        code = draft_code(
            tenant=tenant,
            key=key,
            title=command.title,
            matters=list(command.matters),
            lead=command.lead,
            drafted_on=command.drafted_on,
            actor=who,
        )
        return self.registry.record(code, conflict=taken)

    def adopt(self, actor: Actor, command: AdoptCode) -> Recorded:
        """Adopt a drafted code, or record a code adopted outright (its drafting recorded with it)."""
        tenant, key, adopted_on = command.tenant, command.key, command.adopted_on
        who = self._editing(actor, tenant, "adopt a code of practice")
        check_code_key(key)
        if not self.registry.exists(code_id(tenant, key)):
            code = draft_code(
                tenant=tenant,
                key=key,
                title=command.title,
                matters=list(command.matters),
                lead=None,
                drafted_on=adopted_on,
                actor=who,
            )
            code.adopt(adopted_on=adopted_on, title=None, matters=None, actor=who)
            return self.registry.record(code, conflict=f"'{tenant}' already has a code '{key}'.")
        return self.registry.update(
            code_id(tenant, key),
            Code,
            lambda c: c.adopt(
                adopted_on=adopted_on, title=command.title, matters=list(command.matters), actor=who
            ),
            self._missing(tenant, key),
        )

    def review(self, actor: Actor, command: ReviewCode) -> Recorded:
        who = self._editing(actor, command.tenant, "review a code of practice")
        return self.registry.update(
            code_id(command.tenant, command.key),
            Code,
            lambda c: c.review(
                reviewed_on=command.reviewed_on,
                next_review_due=command.next_review_due,
                notes=command.notes,
                actor=who,
            ),
            self._missing(command.tenant, command.key),
        )

    def merge(self, actor: Actor, command: MergeCode) -> Recorded:
        """`key` is superseded by `into`, which takes on its matters; both change in one transaction."""
        tenant, key, into = command.tenant, command.key, command.into
        who = self._editing(actor, tenant, "merge codes of practice")
        merged, target = (
            self.registry.get_or_none(code_id(tenant, key)),
            self.registry.get_or_none(code_id(tenant, into)),
        )
        if not isinstance(merged, Code):
            raise NotFound(self._missing(tenant, key))
        if not isinstance(target, Code):
            raise NotFound(self._missing(tenant, into))
        merged.merge_into(target, on=command.on, actor=who)
        return self.registry.record(merged, target)

    def withdraw(self, actor: Actor, command: WithdrawCode) -> Recorded:
        who = self._editing(actor, command.tenant, "withdraw a code of practice")
        return self.registry.update(
            code_id(command.tenant, command.key),
            Code,
            lambda c: c.withdraw(on=command.on, reason=command.reason, actor=who),
            self._missing(command.tenant, command.key),
        )

    def endorse(self, actor: Actor, command: EndorseCode) -> Recorded:
        tenant, party, on = command.tenant, command.party, command.on
        who = self._editing(actor, tenant, "record an endorsement")
        register = self.registry.get_or_none(register_id(tenant))
        membership = register.current(party) if isinstance(register, Register) else None
        if membership is None or not membership.covers(on):
            raise InvalidInput(
                f"'{party}' is not signed on {on.isoformat()}; only signed parties endorse codes."
            )
        return self.registry.update(
            code_id(tenant, command.key),
            Code,
            lambda c: c.endorse(party=membership.name, on=on, actor=who),
            self._missing(tenant, command.key),
        )
