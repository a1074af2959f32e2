"""Whether PostgreSQL answers: while it does not, the event store refuses at once instead of queueing."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresDatastore
from psycopg.rows import DictRow

log = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = "The registry cannot reach its database just now; try again in a few seconds."
# While the database is down it is asked again at most this often; every other caller is refused at once.
RECHECK_SECONDS = 0.25
# The connection pool retries a failed connection with a back-off that doubles each time, so after a
# long outage it would reconnect long after the database is back. It gives up this soon instead, and
# connects again as soon as a caller asks for a connection.
RECONNECT_SECONDS = 1.0
# libpq's shortest connect timeout; a stopped server refuses at once anyway.
PROBE_TIMEOUT_SECONDS = 2


class DatabaseUnavailable(Exception):
    """PostgreSQL is stopped, starting or unreachable; the same request may succeed once it is back."""

    def __init__(self, message: str = UNAVAILABLE_MESSAGE) -> None:
        super().__init__(message)
        self.message = message


class Availability:
    """Learns from connection errors that the database is down, and from a probe that it is back."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self.down = False
        self._asked = 0.0
        self._lock = threading.Lock()

    def answers(self) -> bool:
        """Whether a new connection can run a query now."""
        try:
            with psycopg.connect(
                self.conninfo, connect_timeout=PROBE_TIMEOUT_SECONDS, autocommit=True
            ) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error:
            return False
        return True

    def check(self) -> None:
        """Return while the database is thought up; raise DatabaseUnavailable at once while it is down."""
        if not self.down:
            return
        # One caller at a time asks again; the others are refused without waiting for its answer.
        if not self._lock.acquire(blocking=False):
            raise DatabaseUnavailable
        try:
            if time.monotonic() - self._asked < RECHECK_SECONDS:
                raise DatabaseUnavailable
            self._asked = time.monotonic()
            if not self.answers():
                raise DatabaseUnavailable
            self.down = False
            log.warning("the database answers again")
        finally:
            self._lock.release()

    def failed(self) -> bool:
        """After a connection error: whether the database is down (from then on, callers are refused)."""
        if self.down:
            return True
        if self.answers():
            return False  # a busy pool or a lock timeout: the caller's own retry deals with it
        self._asked = time.monotonic()
        self.down = True
        log.warning("the database does not answer; refusing callers until it does")
        return True


def guard(datastore: PostgresDatastore, availability: Availability) -> None:
    """Make the datastore refuse at once while the database is down, and reconnect soon after it is back.

    Without this, a caller waits for the pool's timeout on every one of eventsourcing's ten retries,
    about 50 s, before it hears that the database is down.
    """
    connect = datastore.get_connection
    datastore.pool.reconnect_timeout = RECONNECT_SECONDS

    @contextmanager
    def get_connection() -> Iterator[psycopg.Connection[DictRow]]:
        availability.check()
        try:
            with connect() as conn:
                yield conn
        except (OperationalError, InterfaceError) as error:
            # Not one of the errors eventsourcing retries on, so it reaches the caller at once.
            if availability.failed():
                raise DatabaseUnavailable from error
            raise

    # eventsourcing builds its datastore inside the factory, with no way to name a subclass instead.
    datastore.get_connection = get_connection  # type: ignore[method-assign]
