"""What "today" means to the registry: the date in Europe/London, as the contract says; one clock for all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def today() -> date:
    """The date in Europe/London now: every default `asOf` and every command line's "today"."""
    return datetime.now(LONDON).date()


def now() -> datetime:
    """The moment now, in UTC, for what the registry stamps itself (a checkpoint's signing time)."""
    return datetime.now(UTC)
