"""What every read model shares: its tracking table, the NOTIFY that wakes waiting mutations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

# "As recorded at" with no time given: everything recorded so far.
LATEST = datetime.max.replace(tzinfo=UTC)

# Mutations LISTEN here to return only once the read models include their own write.
PROJECTED_CHANNEL = "compacts_projected"


# Projections write as this role: it may change the read models and their tracking rows, and nothing
# else (not the event store, not the person keys, not checkpoints).
WORKER_ROLE = "compacts_worker"


class ReadModelView(PostgresTrackingRecorder):
    """A view whose every update commits together with its tracking row, then announces itself."""

    projection_name: str = ""

    @contextmanager
    def writing(self) -> Iterator[Cursor[DictRow]]:
        """A transaction that runs as the worker role, whatever user the process logged in as."""
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(f"SET LOCAL ROLE {WORKER_ROLE}")
            if self.datastore.schema != "public":
                # A rebuild writes into shadow tables of the same names in a schema of its own.
                curs.execute(
                    SQL("SET LOCAL search_path TO {}, public").format(Identifier(self.datastore.schema))
                )
            yield curs

    def apply(self, tracking: Tracking, *statements: tuple[str, Any]) -> None:
        """Run the statements, record the position and notify, all in one transaction."""
        with self.writing() as curs:
            for sql, params in statements:
                curs.execute(sql, params)
            self.track(curs, tracking)

    def track(self, curs: Cursor[DictRow], tracking: Tracking) -> None:
        self._insert_tracking(curs, tracking)
        # pg_notify is transactional: listeners hear of the position only once it is visible.
        curs.execute(
            "SELECT pg_notify(%s, %s)",
            (PROJECTED_CHANNEL, f"{self.projection_name}:{tracking.notification_id}"),
        )


@dataclass(frozen=True)
class ProjectionSpec:
    """A read model as the worker, the migration and the API see it."""

    projection: type[Projection[Any]]
    view: type[ReadModelView]

    @property
    def name(self) -> str:
        return self.projection.name

    @property
    def tracking_table(self) -> str:
        # The eventsourcing factory names a view's tracking table after the projection.
        return f"{self.name.lower()}_tracking"

    @property
    def topics(self) -> tuple[str, ...]:
        return self.projection.topics
