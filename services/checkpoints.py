"""Checkpoints made on a schedule: every tenant whose history moved on since its last one gets a new one."""

from __future__ import annotations

import logging
import threading

from domain.actors import Actor, Role
from domain.errors import DomainError
from services.audit import AuditService

log = logging.getLogger(__name__)

SCHEDULER = Actor(sub="checkpoint-scheduler", roles=frozenset({Role.PLATFORM_ADMIN}))


class CheckpointScheduler:
    """A thread that signs due checkpoints every `interval` seconds until stopped."""

    def __init__(self, audit: AuditService, interval: float) -> None:
        self.audit = audit
        self.interval = interval
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def due(self) -> list[str]:
        return self.audit.store.due_for_checkpoint()

    def run_once(self) -> int:
        made = 0
        for tenant in self.due():
            try:
                self.audit.checkpoint(SCHEDULER, tenant)
                made += 1
            except DomainError as error:
                # A history that does not verify is not signed; it is reported, every round, until mended.
                log.error("no checkpoint for %s: %s", tenant, error.message)
        return made

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="checkpoints", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        while not self.stopping.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                log.exception("checkpoint round failed; trying again next round")
