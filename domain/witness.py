"""A tier witnessing its children's checkpoints: their chain heads committed into its own history."""

from __future__ import annotations

from eventsourcing.domain import event

from domain.errors import Conflict
from domain.events import RegistryAggregate, aggregate_id


def witness_id(tenant: str) -> str:
    return aggregate_id(tenant, "witness")


class Witness(RegistryAggregate):
    """The checkpoints of a tenant's children that it has recorded, one level up."""

    class WitnessOpened(RegistryAggregate.Created):
        tenant_slug: str

    class CheckpointWitnessed(RegistryAggregate.Event):
        child: str
        position: int
        head_hash: str
        signed_at: str
        kid: str
        signature: str

    @staticmethod
    def create_id(tenant_slug: str, **_: object) -> str:
        return witness_id(tenant_slug)

    @event(WitnessOpened)
    def __init__(self, tenant_slug: str, actor: str) -> None:
        self.latest: dict[str, int] = {}

    def witness(
        self,
        *,
        child: str,
        position: int,
        head_hash: str,
        signed_at: str,
        kid: str,
        signature: str,
        actor: str,
    ) -> None:
        if position <= self.latest.get(child, 0):
            raise Conflict(
                f"A checkpoint of '{child}' at position {self.latest[child]} or later is already witnessed."
            )
        self._witnessed(
            child=child,
            position=position,
            head_hash=head_hash,
            signed_at=signed_at,
            kid=kid,
            signature=signature,
            actor=actor,
        )

    @event(CheckpointWitnessed)
    def _witnessed(
        self, child: str, position: int, head_hash: str, signed_at: str, kid: str, signature: str, actor: str
    ) -> None:
        self.latest[child] = position
