"""Group commit's bookkeeping: each command in a group learns its own outcome, and only its own."""

from __future__ import annotations

from collections.abc import Sequence

from eventsourcing.persistence import IntegrityError, StoredEvent

from infra.availability import DatabaseUnavailable
from infra.event_store import GroupCommit, Pending


def event(aggregate: str, version: int = 1) -> StoredEvent:
    return StoredEvent(aggregate, version, "topic", b"{}")


class Store:
    """An event store that refuses a group holding `clash`, and fails outright on `broken`."""

    def __init__(self, clash: str = "", broken: str = "") -> None:
        self.clash, self.broken = clash, broken
        self.rows: list[str] = []

    def insert(self, stored: Sequence[StoredEvent]) -> Sequence[int]:
        ids = {str(s.originator_id) for s in stored}
        if self.broken in ids:
            raise DatabaseUnavailable
        if self.clash in ids and len(stored) > 1:
            raise IntegrityError("duplicate key")
        self.rows += [str(s.originator_id) for s in stored]
        return list(range(len(self.rows) - len(stored) + 1, len(self.rows) + 1))


def queued(group: GroupCommit, *aggregates: str) -> list[Pending]:
    pendings = [Pending(stored=[event(aggregate)]) for aggregate in aggregates]
    group._queue.extend(pendings)
    return pendings


def outcome(pending: Pending) -> object:
    assert pending.done.is_set()
    return type(pending.error).__name__ if pending.error else list(pending.ids)


def test_a_group_is_one_transaction_and_each_command_gets_its_own_positions() -> None:
    store = Store()
    group = GroupCommit(store.insert)
    pendings = queued(group, "a", "b", "c")
    group._write_queued()
    assert [outcome(p) for p in pendings] == [[1], [2], [3]]
    assert group.transactions == 1


def test_after_a_failed_group_each_command_is_written_alone_and_only_the_failing_one_fails() -> None:
    # The group breaks on "a"; written alone, "a" clashes no more, but "b" finds the database gone.
    store = Store(clash="a", broken="b")
    group = GroupCommit(store.insert)
    pendings = queued(group, "a", "b", "c")
    group._write_queued()
    assert [outcome(p) for p in pendings] == [[1], "DatabaseUnavailable", [2]]
    assert store.rows == ["a", "c"]
