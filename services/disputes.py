"""Commands on disputes: raise, escalate stage by stage, resolve or withdraw, refer a party to the board."""

from __future__ import annotations

from domain.actors import Actor
from domain.commands import EscalateDispute, RaiseDispute, ResolveDispute, WithdrawDispute
from domain.commitments import CommitmentKind
from domain.disputes import Dispute, check_dispute_key, dispute_id, raise_dispute
from domain.errors import Conflict, InvalidInput
from services.commitments import governed_by
from services.guards import editing, signed_party
from services.registry import Recorded, Registry


class DisputeService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _missing(self, tenant: str, key: str) -> str:
        return f"'{tenant}' has no dispute '{key}'."

    def raise_dispute(self, actor: Actor, command: RaiseDispute) -> Recorded:
        tenant, key, raised_on = command.tenant, command.key, command.raised_on
        who = editing(self.registry, actor, tenant, "record a dispute")
        check_dispute_key(key)
        if self.registry.exists(dispute_id(tenant, key)):
            raise Conflict(f"'{tenant}' already has a dispute '{key}'.")
        names = []
        for party in (command.raised_by, command.against):
            membership = signed_party(self.registry, tenant, party, raised_on)
            if membership is None:
                raise InvalidInput(
                    f"'{party}' is not in the Register of Parties of '{tenant}' on {raised_on.isoformat()}; "
                    "disputes are between signed parties."
                )
            names.append(membership.name)
        # The dispute follows the process that governs on the day it is raised, with its steps and any
        # time limits; where nothing governs, the registry's three steps with none.
        process, placed = governed_by(self.registry, tenant, CommitmentKind.DISPUTE_PROCESS, raised_on)
        dispute = raise_dispute(
            tenant=tenant,
            key=key,
            raised_by=names[0],
            against=names[1],
            commitment=command.commitment,
            summary=command.summary,
            raised_on=raised_on,
            process=process,
            steps=placed.commitment.steps if placed else (),
            actor=who,
        )
        return self.registry.record(dispute, conflict=f"'{tenant}' already has a dispute '{key}'.")

    def escalate(self, actor: Actor, command: EscalateDispute) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "escalate a dispute")
        return self.registry.update(
            dispute_id(command.tenant, command.key),
            Dispute,
            lambda d: d.escalate(
                to=command.to, on=command.on, handled_by=command.handled_by, reason=command.reason, actor=who
            ),
            self._missing(command.tenant, command.key),
        )

    def resolve(self, actor: Actor, command: ResolveDispute) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "resolve a dispute")
        return self.registry.update(
            dispute_id(command.tenant, command.key),
            Dispute,
            lambda d: d.resolve(on=command.on, outcome=command.outcome, actor=who),
            self._missing(command.tenant, command.key),
        )

    def withdraw(self, actor: Actor, command: WithdrawDispute) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "withdraw a dispute")
        return self.registry.update(
            dispute_id(command.tenant, command.key),
            Dispute,
            lambda d: d.withdraw(on=command.on, outcome=command.outcome, actor=who),
            self._missing(command.tenant, command.key),
        )
