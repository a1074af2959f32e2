"""The registry's event store: one eventsourcing Application that every service writes through."""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic
from opentelemetry import trace

from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import RegistryAggregate
from domain.tenancy import check_slug, tenant_id
from infra.database import Database
from infra.event_store import APPLICATION_NAME, in_memory_env, store_env
from infra.spans import span

# A command that loses the race for an aggregate's next version runs again for up to this long: two API
# processes writing one busy register lose to each other many times in a row under load.
RETRY_SECONDS = 3.0
# The first back-off is at most this long; each later one may be twice as long, up to BACKOFF_MAX_SECONDS.
BACKOFF_SECONDS = 0.002
BACKOFF_MAX_SECONDS = 0.1
LOAD_LOCK_STRIPES = 64

A = TypeVar("A", bound=RegistryAggregate)
# Spans only when tracing is on (infra/tracing.py); otherwise the API's no-op tracer.
TRACER = trace.get_tracer(__name__)

UNSTORABLE_TEXT = (
    "Text may not contain the NUL character (U+0000) or unpaired surrogates (U+D800 to U+DFFF); "
    "remove them and try again."
)


def unstorable(text: str) -> bool:
    """Whether PostgreSQL's text cannot hold the string: a NUL, or a surrogate that is no UTF-8."""
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def holds_unstorable(value: object) -> bool:
    """Whether any text anywhere in the value (an event, a dict, a list of sections) is unstorable."""
    if isinstance(value, str):
        return unstorable(value)
    if isinstance(value, dict):
        return any(holds_unstorable(k) or holds_unstorable(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(holds_unstorable(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(holds_unstorable(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


@dataclass(frozen=True)
class Recorded:
    """Where a command's events landed: the API waits for the read models to reach it."""

    notification_id: int
    # The position of the last event of each type: a read model that handles only some of the
    # command's events waits for the last of those, not for the command's last event.
    positions: dict[str, int]

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(self.positions)


class Registry(Application[str]):
    """All tenants' events in one store, ordered by notification id.

    Its persistence is infra's (infra/event_store.py): eventsourcing's PostgreSQL module with group commit,
    or eventsourcing's in-memory one for the services' unit tests.
    """

    name = APPLICATION_NAME

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._load_locks = [threading.Lock() for _ in range(LOAD_LOCK_STRIPES)]

    @classmethod
    def connect(cls, db: Database, *, create_tables: bool = False) -> Registry:
        return cls(store_env(db, create_tables=create_tables))

    @classmethod
    def in_memory(cls) -> Registry:
        """A registry whose events live in this process only (eventsourcing's POPO persistence)."""
        return cls(in_memory_env())

    def get_or_none(self, aggregate_id: str) -> RegistryAggregate | None:
        if unstorable(aggregate_id):
            return None  # no stored id holds such text, and PostgreSQL would refuse the question
        # The cache brings a shared aggregate up to date in place and then copies it; two threads doing
        # that to one aggregate at once would copy it mid-change. One lock per stripe of ids prevents it.
        stripe = self._load_locks[hash(aggregate_id) % len(self._load_locks)]
        try:
            with stripe:
                aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        assert isinstance(aggregate, RegistryAggregate)
        return aggregate

    def known(self, aggregate_id: str) -> bool:
        """Whether the aggregate cache holds the aggregate: then it exists, and no round trip need ask.

        Events are only ever appended, so an aggregate once loaded exists for good. The cache cannot say
        that an aggregate is missing: another process may have created it since.
        """
        cache = self.repository.cache
        if cache is None:
            return False
        try:
            cache.get(aggregate_id)
        except KeyError:
            return False
        return True

    def exists(self, aggregate_id: str) -> bool:
        if unstorable(aggregate_id):
            return False
        if self.known(aggregate_id):
            return True
        return self.recorder.select_events(aggregate_id, desc=True, limit=1) != []

    def record(self, *aggregates: RegistryAggregate, conflict: str | None = None) -> Recorded:
        """Save the aggregates' new events in one transaction.

        A clash on (aggregate, version) means another command won the race for the same aggregate. An
        event holding text PostgreSQL cannot store is refused: stored, it would stop every read model.
        """
        if any(holds_unstorable(e) for aggregate in aggregates for e in aggregate.pending_events):
            raise InvalidInput(UNSTORABLE_TEXT)
        with span(TRACER, "record events") as recording:
            try:
                recordings = self.save(*aggregates)
            except IntegrityError as error:
                raise Conflict(
                    conflict or "Someone changed this at the same moment; reload it and try again."
                ) from error
            if not recordings:
                raise ValueError("a command recorded no event")
            positions = {get_topic(type(r.domain_event)): r.notification.id for r in recordings}
            if recording is not None:
                recording.set_attribute("compacts.events", len(recordings))
                recording.set_attribute("compacts.position", recordings[-1].notification.id)
        return Recorded(recordings[-1].notification.id, positions)

    def update(
        self, aggregate_id: str, kind: type[A], change: Callable[[A], object], missing: str
    ) -> Recorded:
        """Load, change, record; a lost race on the next version reloads and re-checks the rules.

        Two commands that both pass their rules may race for an aggregate's next version. The loser
        runs again against the winner's state, so a real clash (signing twice) still fails with its
        own rule, and commands that do not clash both succeed. Only an aggregate contended for longer
        than RETRY_SECONDS answers CONFLICT.
        """
        deadline = time.monotonic() + RETRY_SECONDS
        lost = 0
        while True:
            found = self.get_or_none(aggregate_id)
            if not isinstance(found, kind):
                raise NotFound(missing)
            change(found)
            try:
                return self.record(found)
            except Conflict:
                lost += 1
                # Callers that lost together would race again together: spread them out, more each time.
                ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_SECONDS * 2**lost)
                pause = random.uniform(0, ceiling)  # noqa: S311 - jitter, not a secret
                if time.monotonic() + pause > deadline:
                    raise
                time.sleep(pause)

    def require_tenant(self, slug: str) -> str:
        """The slug of a tenant that exists, else NOT_FOUND."""
        check_slug(slug)
        if not self.exists(tenant_id(slug)):
            raise NotFound(f"There is no tenant '{slug}'.")
        return slug
