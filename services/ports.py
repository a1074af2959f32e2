"""What the services need of storage besides the event store: the ports infra's adapters implement."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from infra.chain import Checkpoint, StoredFact


class AuditStore(Protocol):
    """The event store as auditors read it (the stored bytes, in order), and the signed checkpoints."""

    def stored_events(self, tenant: str) -> Iterator[StoredFact]:
        """The tenant's events in order, as stored, streamed rather than loaded whole."""
        ...

    def published_hashes(self, tenant: str) -> dict[int, str]:
        """The chain's links as the history read model published them, by position."""
        ...

    def tenants(self) -> list[str]:
        """Every tenant, those with the longest histories first."""
        ...

    def checkpoints(self, tenant: str) -> list[Checkpoint]: ...

    def add_checkpoint(self, checkpoint: Checkpoint) -> None: ...

    def due_for_checkpoint(self) -> list[str]:
        """Tenants whose history has moved on since their last checkpoint (or that have none)."""
        ...

    def parent_of(self, tenant: str) -> str | None: ...

    def children_of(self, tenant: str) -> list[str]: ...

    def states_of(self, originator_id: str) -> list[bytes]:
        """Every stored state of one aggregate, in version order (a parent's witness records)."""
        ...


class PersonalData(Protocol):
    """Personal data sealed under a key per person; erasing the key erases the data everywhere."""

    def seal(self, subject: str, text: str) -> str: ...

    def erase(self, subject: str) -> bool:
        """Delete the person's key; False when there was none."""
        ...
