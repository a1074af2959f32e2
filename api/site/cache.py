"""Pages kept until a read model they show moves on: each is stamped with those read models' positions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import asyncpg
from cachetools import LRUCache

from api.reading import reading
from domain.actors import ANONYMOUS
from projections.base import ProjectionSpec
from projections.catalogue import PROJECTIONS

# Pages kept per process; a page is a few tens of kilobytes, so this bounds the cache to tens of megabytes.
PAGES = 1024

# Every read model's position in one round trip: the tracking tables are readable by the public reader.
POSITIONS = " UNION ALL ".join(
    f"SELECT '{spec.name}' AS name, max(notification_id) AS position FROM {spec.tracking_table}"
    for spec in PROJECTIONS
)


@dataclass(frozen=True)
class Page:
    """A rendered page and what it was rendered from."""

    stamp: tuple[int, ...]
    status: int
    body: str


async def positions(pool: asyncpg.Pool) -> dict[str, int]:
    """How far each read model has projected, by name."""
    async with reading(pool, ANONYMOUS) as conn:
        rows = await conn.fetch(POSITIONS)
    return {row["name"]: int(row["position"] or 0) for row in rows}


class PageCache:
    """One per process: a page is rendered again only when the stamp of the read models it shows changed.

    A page's key holds the date in Europe/London when it shows "today", so midnight moves it on too.
    """

    def __init__(self, size: int = PAGES) -> None:
        self._pages: LRUCache[tuple[str, ...], Page] = LRUCache(maxsize=size)
        self.rendered = 0  # pages built rather than served from the cache, for the tests

    async def page(
        self,
        pool: asyncpg.Pool,
        key: tuple[str, ...],
        shows: Iterable[ProjectionSpec],
        render: Callable[[], Awaitable[tuple[int, str]]],
    ) -> Page:
        now = await positions(pool)
        stamp = tuple(now.get(spec.name, 0) for spec in shows)
        kept = self._pages.get(key)
        if kept is not None and kept.stamp == stamp:
            return kept
        status, body = await render()
        self.rendered += 1
        page = Page(stamp, status, body)
        self._pages[key] = page
        return page
