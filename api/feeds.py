"""Atom feeds (a tenant's and the platform's) and a tenant's iCalendar of deadlines, read as the public."""

from __future__ import annotations

from datetime import datetime

import icalendar
from feedgen.feed import FeedGenerator
from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_404_NOT_FOUND

from api.reading import reading
from api.runtime import Runtime
from domain.actors import ANONYMOUS
from domain.clock import now, today
from domain.feeds import Deadline, FeedEntry, long_date
from domain.tenancy import SLUG_PATTERN
from projections.queries.feeds import deadlines, feed_entries, tenant_created, tenant_name

# A feed reader needs the recent past, not the whole history (that is `history` in GraphQL).
TENANT_ENTRIES = 50
PLATFORM_ENTRIES = 100
ATOM = "application/atom+xml; charset=utf-8"
# litestar adds the charset to a text/ media type itself.
ICALENDAR = "text/calendar"
TEXT = "text/plain"
GENERATOR = "Compact Registry"
# Feed readers poll; a few minutes' staleness is what they expect.
CACHE_CONTROL = "public, max-age=300"


def _not_found(slug: str) -> Response[bytes]:
    shown = slug[:80]
    return Response(
        f"There is no compact registry tenant '{shown}'. Check the address: the tenants are listed at / and "
        "by the GraphQL query `tenants`.\n".encode(),
        status_code=HTTP_404_NOT_FOUND,
        media_type=TEXT,
    )


def _base(request: Request[object, object, State]) -> str:
    return str(request.base_url).rstrip("/")


def atom(
    *,
    feed_id: str,
    title: str,
    subtitle: str,
    self_url: str,
    page_url: str,
    entries: list[FeedEntry],
    empty_since: datetime,
    base: str,
) -> bytes:
    """An Atom document of the entries, newest first."""
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.subtitle(subtitle)
    feed.author({"name": GENERATOR})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=page_url, rel="alternate", type="text/html")
    feed.language("en-GB")
    feed.generator(GENERATOR)
    feed.updated(entries[0].updated if entries else empty_since)
    for entry in entries:
        item = feed.add_entry(order="append")
        item.id(entry.id)
        item.title(entry.title)
        item.summary(entry.summary)
        item.updated(entry.updated)
        item.link(href=f"{base}/compacts/{entry.tenant}", rel="alternate", type="text/html")
        item.category(term=entry.kind)
        item.author({"name": entry.tenant_name})
    document: bytes = feed.atom_str(pretty=True)
    return document


@get("/compacts/{slug:str}/feed.atom", operation_id="tenantFeed", include_in_schema=False)
async def tenant_feed(slug: str, request: Request[object, object, State], state: State) -> Response[bytes]:
    """A tenant's Atom feed: publication and amendments, consultations opened and closing, codes."""
    runtime: Runtime = state.runtime
    if not SLUG_PATTERN.fullmatch(slug):
        return _not_found(slug)
    async with reading(runtime.services.pool, ANONYMOUS) as conn:
        name = await tenant_name(conn, slug)
        if name is None:
            return _not_found(slug)
        entries = await feed_entries(conn, slug, today(), TENANT_ENTRIES)
        since = await tenant_created(conn, slug) or now()
    base = _base(request)
    body = atom(
        feed_id=f"{base}/compacts/{slug}/feed.atom",
        title=f"{name}: Local Compact",
        subtitle=f"What happens to {name}'s compact: amendments, consultations and codes of good practice.",
        self_url=f"{base}/compacts/{slug}/feed.atom",
        page_url=f"{base}/compacts/{slug}",
        entries=entries,
        empty_since=since,
        base=base,
    )
    return Response(body, media_type=ATOM, headers={"Cache-Control": CACHE_CONTROL})


@get("/feed.atom", operation_id="platformFeed", include_in_schema=False)
async def platform_feed(request: Request[object, object, State], state: State) -> Response[bytes]:
    """Every tenant's feed in one: the most recent entries across the platform."""
    runtime: Runtime = state.runtime
    async with reading(runtime.services.pool, ANONYMOUS) as conn:
        entries = await feed_entries(conn, None, today(), PLATFORM_ENTRIES)
        since = await tenant_created(conn, None) or now()
    base = _base(request)
    body = atom(
        feed_id=f"{base}/feed.atom",
        title="Compact Registry: every Local Compact",
        subtitle="Amendments, consultations and codes of good practice of every compact in the registry.",
        self_url=f"{base}/feed.atom",
        page_url=f"{base}/",
        entries=entries,
        empty_since=since,
        base=base,
    )
    return Response(body, media_type=ATOM, headers={"Cache-Control": CACHE_CONTROL})


def calendar(name: str, slug: str, base: str, found: list[Deadline], stamp: datetime) -> bytes:
    """An iCalendar of all-day events, one per deadline, each with a UID that never changes."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Compact Registry//Deadlines//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"{name}: compact deadlines")
    for deadline in found:
        event = icalendar.Event()
        event.add("uid", deadline.uid)
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.on)
        event.add("summary", deadline.summary)
        event.add("description", f"{deadline.description} ({long_date(deadline.on)})")
        event.add("categories", [deadline.kind])
        event.add("url", f"{base}/compacts/{slug}")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    document: bytes = cal.to_ical()
    return document


@get("/compacts/{slug:str}/deadlines.ics", operation_id="tenantDeadlines", include_in_schema=False)
async def tenant_deadlines(
    slug: str, request: Request[object, object, State], state: State
) -> Response[bytes]:
    """A tenant's deadlines as iCalendar: consultations closing, reviews due, funding notices in effect."""
    runtime: Runtime = state.runtime
    if not SLUG_PATTERN.fullmatch(slug):
        return _not_found(slug)
    async with reading(runtime.services.pool, ANONYMOUS) as conn:
        name = await tenant_name(conn, slug)
        if name is None:
            return _not_found(slug)
        found = await deadlines(conn, slug, today())
    body = calendar(name, slug, _base(request), found, now().replace(microsecond=0))
    return Response(
        body,
        media_type=ICALENDAR,
        headers={
            "Cache-Control": CACHE_CONTROL,
            "Content-Disposition": f'inline; filename="{slug}-deadlines.ics"',
        },
    )
