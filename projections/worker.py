"""The projection worker: a thread per read model, each held by one process at a time (advisory lock)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

import psycopg
from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.projection import ProjectionRunner
from eventsourcing.utils import Environment

from infra.database import Database
from projections.base import ProjectionSpec, ReadModelView
from projections.catalogue import PROJECTIONS
from services.registry import Registry, registry_env

log = logging.getLogger(__name__)

# The first half of every projection's advisory lock key; the second is hashtext(name).
LOCK_NAMESPACE = 7_100_002
LOCK_RETRY_SECONDS = 1.0
ERROR_BACKOFF_SECONDS = 1.0


def construct_view(db: Database, spec: ProjectionSpec, *, create_tables: bool) -> ReadModelView:
    """The view as the eventsourcing factory builds it, so its tracking table name matches the runner's."""
    env = Environment(spec.name, registry_env(db, create_tables=create_tables))
    view = InfrastructureFactory[ReadModelView].construct(env=env).tracking_recorder(spec.view)
    return view


class ProjectionWorker:
    """Keeps every read model current until told to stop; safe to run in several processes at once."""

    def __init__(self, db: Database, specs: Sequence[ProjectionSpec] = PROJECTIONS) -> None:
        self.db = db
        self.specs = specs
        self.stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self.holding: set[str] = set()

    def start(self) -> None:
        for spec in self.specs:
            thread = threading.Thread(
                target=self._keep_current, args=(spec,), name=f"projection-{spec.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for thread in self._threads:
            thread.join(timeout)

    def run_forever(self) -> None:
        self.start()
        try:
            while not self.stopping.wait(1.0):
                pass
        finally:
            self.stop()

    def _keep_current(self, spec: ProjectionSpec) -> None:
        while not self.stopping.is_set():
            try:
                self._hold_and_run(spec)
            except Exception:
                log.exception("projection %s stopped; restarting", spec.name)
                self.stopping.wait(ERROR_BACKOFF_SECONDS)
            finally:
                self.holding.discard(spec.name)

    def _hold_and_run(self, spec: ProjectionSpec) -> None:
        # The lock lives as long as this connection: if the process dies, PostgreSQL frees it
        # and another worker takes the projection over from its tracking position.
        with psycopg.connect(self.db.psycopg_conninfo(), autocommit=True, connect_timeout=5) as lock:
            row = lock.execute(
                "SELECT pg_try_advisory_lock(%s, hashtext(%s))", (LOCK_NAMESPACE, spec.name)
            ).fetchone()
            if not row or not row[0]:
                self.stopping.wait(LOCK_RETRY_SECONDS)
                return
            log.info("projection %s: holding its lock", spec.name)
            self.holding.add(spec.name)
            with ProjectionRunner(
                application_class=Registry,
                projection_class=spec.projection,
                view_class=spec.view,
                env=registry_env(self.db),
            ) as runner:
                while not self.stopping.is_set():
                    runner.run_forever(timeout=1.0)
                    # A lost lock connection (database restart) means another worker may take over.
                    lock.execute("SELECT 1")
