"""The base event and aggregate of the registry: text ids prefixed by the tenant, an actor on every event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from eventsourcing.domain import (
    BaseAggregate,
    CanInitAggregate,
    CanMutateAggregate,
    MetaDomainEvent,
)

# Slugs never contain ':' so "harlow:" can never be a prefix of "harlow-town:"; with the event
# store's bytewise collation one tenant's events form one contiguous index range.
ID_SEPARATOR = ":"


def aggregate_id(tenant: str, kind: str) -> str:
    """The id of the tenant's one aggregate of this kind (its compact, its register...)."""
    return f"{tenant}{ID_SEPARATOR}{kind}"


def tenant_of(originator_id: str) -> str:
    """The tenant slug an aggregate id belongs to."""
    return originator_id.split(ID_SEPARATOR, 1)[0]


def key_of(originator_id: str) -> str:
    """The key of one of a tenant's many aggregates of a kind: 'code' in 'havering:code:code'."""
    return originator_id.rsplit(ID_SEPARATOR, 1)[1]


@dataclass(frozen=True)
class RegistryEvent(CanMutateAggregate[str], metaclass=MetaDomainEvent):
    """Something that happened to a tenant's compact, recorded by `actor` at `timestamp`."""

    originator_id: str
    originator_version: int
    timestamp: datetime
    actor: str

    @property
    def tenant(self) -> str:
        return tenant_of(self.originator_id)


@dataclass(frozen=True)
class RegistryCreated(CanInitAggregate[str], RegistryEvent):
    """The first event of an aggregate."""

    originator_topic: str


class RegistryAggregate(BaseAggregate[str]):
    """An aggregate whose id is its tenant's slug, a separator and its kind."""

    class Event(RegistryEvent):
        pass

    class Created(Event, RegistryCreated):
        pass

    @property
    def tenant(self) -> str:
        return tenant_of(self.id)
