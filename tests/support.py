"""Helpers the integration tests share: polling for a condition, reading rows, pausing the worker."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from infra.database import Database
from projections.catalogue import PROJECTIONS
from projections.worker import ProjectionWorker
from services.registry import APPLICATION_NAME


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def rows(db: Database, query: str) -> list[tuple[object, ...]]:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        return conn.execute(query).fetchall()


def tracked(db: Database, name: str) -> int:
    (spec,) = [p for p in PROJECTIONS if p.name == name]
    found = rows(
        db, f"SELECT notification_id FROM {spec.tracking_table} WHERE application_name = '{APPLICATION_NAME}'"
    )
    return int(str(found[0][0])) if found else 0


def all_tracked(db: Database) -> dict[str, int]:
    return {p.name: tracked(db, p.name) for p in PROJECTIONS}


def all_due(db: Database) -> dict[str, int]:
    """Where each read model's tracking must be once it has projected every stored event it handles."""
    due: dict[str, int] = {}
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        for spec in PROJECTIONS:
            # A read model with no topics takes every event.
            row = conn.execute(
                "SELECT coalesce(max(notification_id), 0) FROM registry_events"
                " WHERE topic = ANY(%s) OR cardinality(%s::text[]) = 0",
                (list(spec.topics), list(spec.topics)),
            ).fetchone()
            due[spec.name] = int(row[0]) if row else 0
    return due


@contextmanager
def paused(worker: ProjectionWorker) -> Iterator[None]:
    """Stop the session's worker for a test that runs its own, and start it again after."""
    worker.stop()
    try:
        yield
    finally:
        worker.stopping.clear()
        worker.start()
