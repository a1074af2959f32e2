"""The registry's event store: one eventsourcing Application that every service writes through."""

from __future__ import annotations

import dataclasses
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import get_topic

from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import RegistryAggregate
from domain.tenancy import check_slug, tenant_id
from infra.database import Database
from services.group_commit import GroupCommitting

APPLICATION_NAME = "Registry"
# A command that loses the race for an aggregate's next version runs again for up to this long: two API
# processes writing one busy register lose to each other many times in a row under load.
RETRY_SECONDS = 3.0
# The first back-off is at most this long; each later one may be twice as long, up to BACKOFF_MAX_SECONDS.
BACKOFF_SECONDS = 0.002
BACKOFF_MAX_SECONDS = 0.1
LOAD_LOCK_STRIPES = 64

A = TypeVar("A", bound=RegistryAggregate)

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


def holds_unstorable(value: Any) -> bool:
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


def registry_env(db: Database, *, create_tables: bool = False) -> dict[str, str]:
    """The eventsourcing settings of the registry; its table is `registry_events`."""
    return {
        # eventsourcing.postgres, refusing at once while the database is down.
        "PERSISTENCE_MODULE": "infra.availability:GuardedPostgresFactory",
        "ORIGINATOR_ID_TYPE": "text",
        "CREATE_TABLE": "yes" if create_tables else "no",
        "POSTGRES_POOL_SIZE": "2",
        "POSTGRES_MAX_OVERFLOW": "10",
        # How long a caller waits for a pooled connection; also how long one that was waiting when the
        # database stopped takes to hear of it (later callers are refused at once: infra.availability).
        "POSTGRES_CONNECT_TIMEOUT": "2",
        # No round trip to test each pooled connection before use (it cost a fifth of the append rate):
        # a connection that died with a restarted server fails its statement, the pool drops it, and
        # eventsourcing retries the operation on another (see infra.availability).
        "POSTGRES_PRE_PING": "no",
        # A writer that cannot take the table lock in time gives up instead of queueing forever.
        "POSTGRES_LOCK_TIMEOUT": "10",
        **aggregate_cache(),
        **db.eventsourcing_env(),
    }


def aggregate_cache() -> dict[str, str]:
    """Keep recently used aggregates in memory, brought up to date from the store on every load.

    A register with a thousand parties is otherwise rebuilt from all its events on every command. Each
    load still reads the events recorded since (by any process), so the cache never answers with a
    stale state while events are only ever appended. `COMPACTS_AGGREGATE_CACHE=0` turns it off: the
    tests do, because they empty the event store between tests, which nothing else ever does.
    """
    size = os.environ.get("COMPACTS_AGGREGATE_CACHE", "1000")
    if int(size) <= 0:
        return {}
    return {
        "AGGREGATE_CACHE_MAXSIZE": size,
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
    }


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


class Registry(GroupCommitting):
    """All tenants' events in one store, ordered by notification id."""

    name = APPLICATION_NAME

    def __init__(self, env: dict[str, str] | None = None) -> None:
        super().__init__(env)
        self._load_locks = [threading.Lock() for _ in range(LOAD_LOCK_STRIPES)]

    @classmethod
    def connect(cls, db: Database, *, create_tables: bool = False) -> Registry:
        return cls(registry_env(db, create_tables=create_tables))

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

    def exists(self, aggregate_id: str) -> bool:
        if unstorable(aggregate_id):
            return False
        return self.recorder.select_events(aggregate_id, desc=True, limit=1) != []

    def record(self, *aggregates: RegistryAggregate, conflict: str | None = None) -> Recorded:
        """Save the aggregates' new events in one transaction.

        A clash on (aggregate, version) means another command won the race for the same aggregate. An
        event holding text PostgreSQL cannot store is refused: stored, it would stop every read model.
        """
        if any(holds_unstorable(e) for aggregate in aggregates for e in aggregate.pending_events):
            raise InvalidInput(UNSTORABLE_TEXT)
        try:
            recordings = self.save(*aggregates)
        except IntegrityError as error:
            raise Conflict(
                conflict or "Someone changed this at the same moment; reload it and try again."
            ) from error
        if not recordings:
            raise ValueError("a command recorded no event")
        positions = {get_topic(type(r.domain_event)): r.notification.id for r in recordings}
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
