"""What the Atom feeds and the iCalendar of deadlines say: entries and dates, in plain words, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.clock import LONDON

# A consultation appears in the feeds as "closing soon" from this many days before it closes. It is the
# feeds' own choice of when to remind readers, not a period any compact sets, and no rule is judged by it.
CLOSING_SOON_DAYS = 7
# Entry ids and calendar UIDs are names under this namespace: the same fact always gets the same id.
NAMESPACE = uuid.UUID("6f1c1b5e-2f57-5a43-9e4b-6c6f6d706163")


def stable_id(*parts: str) -> str:
    """The same parts always name the same entry or calendar event, across processes and releases."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def start_of(day: date) -> datetime:
    """A fact that carries only a date is taken to have happened at the start of that day in England."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def long_date(day: date) -> str:
    """'7 March 2010', as people write dates in England."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class FeedEntry:
    """One entry of a feed: something that happened to a tenant's compact, or a consultation closing."""

    tenant: str
    tenant_name: str
    kind: str  # what happened, for the entry's id and category: "amended", "consultation-opened"...
    key: str  # which one of its kind: a version, a consultation's or a code's key
    title: str
    summary: str
    updated: datetime

    @property
    def id(self) -> str:
        return f"urn:uuid:{stable_id(self.tenant, self.kind, self.key)}"


@dataclass(frozen=True)
class Deadline:
    """One date a tenant's read models hold: a consultation closing, a review due, a notice taking effect."""

    tenant: str
    kind: str  # "consultation-closes", "code-review-due", "funding-notice-effective", "annual-review-due"...
    key: str
    on: date
    summary: str
    description: str

    @property
    def uid(self) -> str:
        return f"{stable_id(self.tenant, self.kind, self.key)}@compact-registry"


def closing_soon_from(closes_on: date) -> date:
    """The day a consultation starts to be shown as closing soon."""
    return closes_on - timedelta(days=CLOSING_SOON_DAYS)


def newest_first(entries: list[FeedEntry], limit: int) -> list[FeedEntry]:
    """The `limit` most recent entries, newest first; entries of one moment keep a fixed order."""
    return sorted(entries, key=lambda e: (e.updated, e.tenant, e.kind, e.key), reverse=True)[:limit]
