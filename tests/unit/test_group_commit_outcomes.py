"""Group commit's bookkeeping: each command in a group learns its own outcome, and only its own."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from eventsourcing.persistence import IntegrityError, StoredEvent

from infra.availability import DatabaseUnavailable
from infra.event_store import GroupCommit, Outcome, Pending, segments, version_taken


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


class Writer:
    """A group writer that answers each command on its own: `taken` aggregates' versions are already held."""

    def __init__(self, taken: str = "", broken: bool = False) -> None:
        self.taken, self.broken = taken, broken
        self.groups: list[list[str]] = []

    def write(self, commands: Sequence[Sequence[StoredEvent]]) -> list[Outcome]:
        if self.broken:
            raise DatabaseUnavailable
        self.groups.append([str(stored[0].originator_id) for stored in commands])
        outcomes: list[Outcome] = []
        position = 0
        for stored in commands:
            if any(s.originator_id == self.taken for s in stored):
                outcomes.append(version_taken(stored[0]))
            else:
                outcomes.append(list(range(position + 1, position + len(stored) + 1)))
                position += len(stored)
        return outcomes


def test_a_writer_that_answers_each_command_fails_only_the_clashing_one_and_writes_nothing_alone() -> None:
    store, writer = Store(), Writer(taken="b")
    group = GroupCommit(store.insert, writer.write)
    pendings = queued(group, "a", "b", "c")
    group._write_queued()
    assert [outcome(p) for p in pendings] == [[1], "IntegrityError", [2]]
    assert "version 1 of b is already recorded" in str(pendings[1].error)
    assert writer.groups == [["a", "b", "c"]]
    assert store.rows == []  # nobody was written one by one
    assert group.transactions == 1


def test_when_the_writer_fails_as_a_whole_each_command_is_written_alone() -> None:
    store, writer = Store(broken="b"), Writer(broken=True)
    group = GroupCommit(store.insert, writer.write)
    pendings = queued(group, "a", "b", "c")
    group._write_queued()
    assert [outcome(p) for p in pendings] == [[1], "DatabaseUnavailable", [2]]
    assert store.rows == ["a", "c"]


def test_a_group_is_cut_before_each_command_that_holds_a_version_an_earlier_one_holds() -> None:
    commands = [
        [event("x"), event("y")],
        [event("z")],
        [event("y")],  # y's version 1 is the first command's: a new segment
        [event("x", 2)],  # another version of x: no clash
        [event("z")],  # z's version 1 is in the first segment, not in this one
        [event("y")],
    ]
    assert segments(commands) == [[0, 1], [2, 3, 4], [5]]
    assert segments([]) == []


def test_commands_queued_while_a_group_is_written_are_the_next_group_led_by_the_first_of_them() -> None:
    writing_first = threading.Event()
    others_queued = threading.Event()
    leaders: list[tuple[list[str], str]] = []
    store = Store()

    def write(commands: Sequence[Sequence[StoredEvent]]) -> list[Outcome]:
        names = [str(stored[0].originator_id) for stored in commands]
        leaders.append((names, threading.current_thread().name))
        if names == ["a"]:
            writing_first.set()
            assert others_queued.wait(5)
        return [store.insert(stored) for stored in commands]

    group = GroupCommit(store.insert, write)
    results: dict[str, Sequence[int]] = {}

    def command(name: str) -> None:
        results[name] = group.put([event(name)])

    first = threading.Thread(target=command, args=("a",), name="a")
    first.start()
    assert writing_first.wait(5)
    later = [threading.Thread(target=command, args=(name,), name=name) for name in ("b", "c")]
    later[0].start()
    wait_until_queued(group, 1)
    later[1].start()
    wait_until_queued(group, 2)
    others_queued.set()
    for thread in (first, *later):
        thread.join(5)
    # "b" and "c" queued while "a" was written: one group, written by the thread of "b", the first queued.
    assert leaders == [(["a"], "a"), (["b", "c"], "b")]
    assert results == {"a": [1], "b": [2], "c": [3]}
    assert group.transactions == 2


def wait_until_queued(group: GroupCommit, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(group._queue) < count:
        assert time.monotonic() < deadline, "the command never queued"
        time.sleep(0.001)
