"""A background thread that runs a worker's session again after an error, until the worker is stopped."""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

ERROR_BACKOFF_SECONDS = 1.0


class SessionLoop:
    """The thread, start and stop, and the restart after an error, that the projection worker and the
    webhook delivery worker share; each says what one session does (`_session`) and what it lets go of
    when a session ends (`_session_ended`)."""

    thread_name = "worker"
    # How the log names the worker when a session fails.
    label = "worker"

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def _session(self) -> None:
        raise NotImplementedError

    def _session_ended(self) -> None:
        """After each session, however it ended: what it held is no longer held."""

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def is_running(self) -> bool:
        """Whether its loop is running (it restarts itself after an error, so only stop() ends it)."""
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def run_forever(self) -> None:
        self.start()
        try:
            while not self.stopping.wait(1.0):
                pass
        finally:
            self.stop()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                self._session()
            except Exception:
                log.exception("%s stopped; restarting", self.label)
                self.stopping.wait(ERROR_BACKOFF_SECONDS)
            finally:
                self._session_ended()
