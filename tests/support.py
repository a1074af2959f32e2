"""Helpers the integration tests share: polling for a condition, reading rows, pausing the worker."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from infra.database import Database
from projections.worker import ProjectionWorker, progress


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def run_threads(target: Callable[[int], object], count: int) -> None:
    """Run `target(0)` to `target(count - 1)` in threads of their own, and wait for them all."""
    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def rows(db: Database, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        return conn.execute(query).fetchall()


def tracked(db: Database, name: str) -> int:
    return progress(db)[name][0]


def all_tracked(db: Database) -> dict[str, int]:
    return {name: at for name, (at, _due) in progress(db).items()}


def all_due(db: Database) -> dict[str, int]:
    """Where each read model's tracking must be once it has projected every stored event it handles."""
    return {name: due for name, (_at, due) in progress(db).items()}


@contextmanager
def paused(worker: ProjectionWorker) -> Iterator[None]:
    """Stop the session's worker for a test that runs its own, and start it again after."""
    worker.stop()
    try:
        yield
    finally:
        worker.stopping.clear()
        worker.start()
