"""The public site's pages: each reads as the public reader, renders a template, and is kept until its data
moves on."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Annotated

from litestar import MediaType, Request, Response, get
from litestar.concurrency import sync_to_thread
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import QueryParameter
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_404_NOT_FOUND,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from api.graphql.schema import schema
from api.reading import reading
from api.routes import CHECKPOINTS
from api.runtime import Runtime
from api.site import queries
from api.site.cache import PageCache
from api.site.data import Data, PageError, ask, items, mapping
from api.site.labels import long_date
from domain.actors import ANONYMOUS
from domain.clock import LONDON, today
from domain.tenancy import SLUG_PATTERN, Tier
from infra.availability import UNAVAILABLE_MESSAGE
from projections import (
    amendment_proposals,
    annual_reviews,
    codes_of_practice,
    compact_text,
    consultations,
    funding_notices,
    register_of_parties,
    steering_group,
    tenant_directory,
    tenant_history,
)
from projections.base import ProjectionSpec

log = logging.getLogger(__name__)

# Strict: only this platform's own files, no script at all (no page needs one), no inline style, no framing.
SITE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
HTML_HEADERS = {"Content-Security-Policy": SITE_CSP}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
YEAR = re.compile(r"\d{4}")
VERSION = re.compile(r"[1-9]\d{0,5}")
TIER_ORDER = [Tier.NATIONAL, Tier.REGIONAL, Tier.COUNTY, Tier.DISTRICT]

# Which read models each page shows: a page is rendered again only when one of these has moved on.
DIRECTORY_SHOWS = (tenant_directory.READ_MODEL, compact_text.READ_MODEL)
COMPACT_SHOWS = (
    tenant_directory.READ_MODEL,
    compact_text.READ_MODEL,
    register_of_parties.READ_MODEL,
    codes_of_practice.READ_MODEL,
    consultations.READ_MODEL,
)
VERSIONS_SHOWS = (tenant_directory.READ_MODEL, compact_text.READ_MODEL)
# Verification recomputes the chain from the event store, whose every event the tenant history follows.
HISTORY_SHOWS = (
    tenant_directory.READ_MODEL,
    compact_text.READ_MODEL,
    amendment_proposals.READ_MODEL,
    tenant_history.READ_MODEL,
)
REPORT_SHOWS = (
    tenant_directory.READ_MODEL,
    compact_text.READ_MODEL,
    register_of_parties.READ_MODEL,
    codes_of_practice.READ_MODEL,
    consultations.READ_MODEL,
    funding_notices.READ_MODEL,
    annual_reviews.READ_MODEL,
    steering_group.READ_MODEL,
    tenant_history.READ_MODEL,
)
LOOKUP_SHOWS = (tenant_directory.READ_MODEL, compact_text.READ_MODEL, codes_of_practice.READ_MODEL)


class NotHere(Exception):
    """A page that does not exist (an unknown compact, a date or year that is not one): what to do instead."""

    def __init__(self, title: str, advice: str, status: int = HTTP_404_NOT_FOUND) -> None:
        super().__init__(title)
        self.title = title
        self.advice = advice
        self.status = status


def render(request: Request[object, object, State], template: str, context: Mapping[str, object]) -> str:
    engine = request.app.template_engine
    assert engine is not None, "the app is built with its template configuration"
    return str(engine.get_template(template).render(**context))


def html(body: str, status: int = HTTP_200_OK) -> Response[str]:
    return Response(body, status_code=status, media_type=MediaType.HTML, headers=HTML_HEADERS)


async def cached(
    request: Request[object, object, State],
    shows: Iterable[ProjectionSpec],
    build: Callable[[], Awaitable[tuple[str, Mapping[str, object]]]],
    *,
    asked: tuple[str | None, ...] = (),
    dated: bool = True,
) -> Response[str]:
    """The page for this path and the parameters it reads (`asked`), from the cache or built afresh.

    Parameters the page does not read are no part of the key, so they cannot crowd the cache out. A page that
    shows "today" keys on today's date in Europe/London, so it moves on at midnight too.
    """
    runtime: Runtime = request.app.state.runtime
    pages: PageCache = request.app.state.pages
    key = (request.url.path, *(a or "" for a in asked), today().isoformat() if dated else "")

    async def rendered() -> tuple[int, str]:
        try:
            template, context = await build()
        except NotHere as missing:
            return missing.status, render(
                request, "not_found.html", {"title": missing.title, "advice": missing.advice}
            )
        return HTTP_200_OK, render(request, template, context)

    page = await pages.page(runtime.services.pool, key, shows, rendered)
    return html(page.body, page.status)


async def read(request: Request[object, object, State], document: str, **variables: object) -> Data:
    runtime: Runtime = request.app.state.runtime
    return await ask(schema, runtime.services, document, variables)


def checked_slug(slug: str) -> str:
    if not SLUG_PATTERN.fullmatch(slug):
        raise NotHere(
            "There is no compact at this address",
            "Check the address, or find the compact in the directory of compacts.",
        )
    return slug


def as_of_date(value: str | None, slug: str | None = None) -> date:
    """The date asked for, or today; anything that is not a real date in YYYY-MM-DD is a page not found."""
    if value is None or value == "":
        return today()
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        where = f"/compacts/{slug}" if slug else "the page"
        raise NotHere(
            "That is not a date we can show",
            f"Give the date as year, month and day, for example {where}?asOf=2010-03-07, "
            "or leave it out to see today's compact.",
        ) from None


def tenant_of(data: Data, slug: str) -> Data:
    tenant = mapping(data.get("tenant"))
    if not tenant:
        raise NotHere(
            f"There is no compact for '{slug}'",
            "Check the spelling of the address, or find the compact in the directory of compacts.",
        )
    return tenant


def by_tier(tenants: list[Data]) -> list[tuple[str, list[Data]]]:
    return [
        (
            tier.value,
            sorted((t for t in tenants if t.get("tier") == tier.value), key=lambda t: str(t["name"])),
        )
        for tier in TIER_ORDER
        if any(t.get("tier") == tier.value for t in tenants)
    ]


@get("/", operation_id="siteDirectory", media_type=MediaType.HTML, include_in_schema=False)
async def directory(request: Request[object, object, State], q: str | None = None) -> Response[str]:
    """Every tenant by tier, with a search box."""
    wanted = (q or "").strip()[:100]

    async def build() -> tuple[str, Mapping[str, object]]:
        tenants = items((await read(request, queries.DIRECTORY)).get("tenants"))
        needle = wanted.casefold()
        found = [t for t in tenants if needle in str(t["name"]).casefold() or needle in str(t["slug"])]
        return "directory.html", {"tiers": by_tier(found), "q": wanted, "count": len(found)}

    return await cached(request, DIRECTORY_SHOWS, build, asked=(wanted,))


@get("/compacts/{slug:str}", operation_id="siteCompact", media_type=MediaType.HTML, include_in_schema=False)
async def compact(
    request: Request[object, object, State],
    slug: str,
    as_of: Annotated[str | None, QueryParameter(name="asOf")] = None,
) -> Response[str]:
    """The compact in force on a date, with everything that goes with it."""

    async def build() -> tuple[str, Mapping[str, object]]:
        day = as_of_date(as_of, slug)
        try:
            data = await read(request, queries.COMPACT, slug=checked_slug(slug), asOf=day.isoformat())
        except PageError as error:
            # The walk up the tiers refuses a tenant there is none of before the tenant's own field says so.
            if error.code != "NOT_FOUND":
                raise
            data = {}
        tenant = tenant_of(data, slug)
        governs = [
            (kind, mapping(data.get(kind.value.lower())).get("commitment")) for kind in queries.GOVERNED_KINDS
        ]
        from_above = [
            (kind.value, mapping(c))
            for kind, c in governs
            if c and mapping(mapping(c).get("tenant")).get("slug") != slug
        ]
        open_now = [
            c
            for c in items(tenant.get("consultations"))
            if str(c["opensOn"]) <= day.isoformat() <= str(c["closesOn"])
            and (c.get("closedOn") is None or str(c["closedOn"]) > day.isoformat())
        ]
        versions = items(tenant.get("compactVersions"))
        first = min((str(v["effectiveOn"]) for v in versions), default=None)
        years = list(range(today().year, int(first[:4]) - 1, -1)) if first else []
        return "compact.html", {
            "tenant": tenant,
            "compact": mapping(tenant.get("compact")),
            "draft": mapping(tenant.get("draftCompact")),
            "as_of": day,
            "as_of_given": bool(as_of),
            "is_today": day == today(),
            "from_above": from_above,
            "open_consultations": open_now,
            "first_effective": first,
            "years": years,
            "version_count": len(versions),
            "matter_titles": {str(m["key"]): str(m["title"]) for m in items(data.get("matters"))},
        }

    return await cached(request, COMPACT_SHOWS, build, asked=(as_of,))


@get(
    "/compacts/{slug:str}/versions",
    operation_id="siteVersions",
    media_type=MediaType.HTML,
    include_in_schema=False,
)
async def versions(
    request: Request[object, object, State],
    slug: str,
    from_: Annotated[str | None, QueryParameter(name="from")] = None,
    to: Annotated[str | None, QueryParameter(name="to")] = None,
) -> Response[str] | Redirect:
    """Every version; the form's choice of two goes to their diff."""
    if from_ and to and VERSION.fullmatch(from_) and VERSION.fullmatch(to):
        return Redirect(f"/compacts/{slug}/versions/{from_}/{to}", status_code=303)

    async def build() -> tuple[str, Mapping[str, object]]:
        tenant = tenant_of(await read(request, queries.VERSIONS, slug=checked_slug(slug)), slug)
        return "versions.html", {"tenant": tenant, "versions": items(tenant.get("compactVersions"))}

    return await cached(request, VERSIONS_SHOWS, build, dated=False)


@get(
    "/compacts/{slug:str}/versions/{a:str}/{b:str}",
    operation_id="siteDiff",
    media_type=MediaType.HTML,
    include_in_schema=False,
)
async def diff(request: Request[object, object, State], slug: str, a: str, b: str) -> Response[str]:
    """What changed from version a to version b, word by word."""

    async def build() -> tuple[str, Mapping[str, object]]:
        checked_slug(slug)
        if not (VERSION.fullmatch(a) and VERSION.fullmatch(b)):
            raise NotHere(
                "Those are not versions of a compact",
                f"Versions are numbered 1, 2, 3 and so on: choose two on /compacts/{slug}/versions.",
            )
        try:
            data = await read(request, queries.DIFF, slug=slug, **{"from": int(a), "to": int(b)})
        except PageError as error:
            if error.code != "NOT_FOUND":
                raise
            raise NotHere(
                "There is no such version",
                f"{error.message} Choose two versions that exist on /compacts/{slug}/versions.",
            ) from None
        tenant = tenant_of(data, slug)
        effective = {v["version"]: v["effectiveOn"] for v in items(tenant.get("compactVersions"))}
        return "diff.html", {
            "tenant": tenant,
            "diff": mapping(tenant.get("compactDiff")),
            "from_on": effective.get(int(a)),
            "to_on": effective.get(int(b)),
        }

    return await cached(request, VERSIONS_SHOWS, build, dated=False)


@get(
    "/compacts/{slug:str}/history",
    operation_id="siteHistory",
    media_type=MediaType.HTML,
    include_in_schema=False,
)
async def history(request: Request[object, object, State], slug: str) -> Response[str]:
    """The public history: versions and proposals, the chain's verification and the latest checkpoint."""
    runtime: Runtime = request.app.state.runtime

    async def build() -> tuple[str, Mapping[str, object]]:
        data = await read(request, queries.HISTORY, slug=checked_slug(slug))
        tenant = tenant_of(data, slug)
        verified = await sync_to_thread(runtime.services.audit.verify_public, slug)
        checked = datetime.now(LONDON)
        checkpoints = sorted(items(data.get("checkpoints")), key=lambda c: int(str(c["position"])))
        return "history.html", {
            "tenant": tenant,
            "versions": items(tenant.get("compactVersions")),
            "proposals": items(tenant.get("amendmentProposals")),
            "verified": verified,
            # Checked when the page was last rendered: when the history last moved on.
            "checked_at": f"{checked:%H:%M} on {long_date(checked)}",
            "checkpoint": checkpoints[-1] if checkpoints else None,
        }

    # A checkpoint is signed without an event: the page keys on how many there are, too.
    signed = 0
    if SLUG_PATTERN.fullmatch(slug):
        async with reading(runtime.services.pool, ANONYMOUS) as conn:
            signed = len(await conn.fetch(CHECKPOINTS, slug))
    return await cached(request, HISTORY_SHOWS, build, asked=(str(signed),), dated=False)


@get(
    "/compacts/{slug:str}/reports/{year:str}",
    operation_id="siteReport",
    media_type=MediaType.HTML,
    include_in_schema=False,
)
async def report(request: Request[object, object, State], slug: str, year: str) -> Response[str]:
    """The annual report of a year, with a stylesheet for printing."""

    async def build() -> tuple[str, Mapping[str, object]]:
        checked_slug(slug)
        this_year = today().year
        if not YEAR.fullmatch(year) or int(year) > this_year:
            raise NotHere(
                "There is no annual report for that year",
                f"Give a year up to {this_year} as four digits, for example "
                f"/compacts/{slug}/reports/{this_year - 1}; the compact's page lists its reports.",
            )
        data = await read(request, queries.REPORT, slug=slug, year=int(year))
        tenant = tenant_of(data, slug)
        return "report.html", {
            "tenant": tenant,
            "report": mapping(data.get("annualReport")),
            "year": int(year),
        }

    return await cached(request, REPORT_SHOWS, build)


def _lookup_form(
    asked: bool, locality: str | None, matter: str | None, as_of: str | None
) -> tuple[date, list[tuple[str, str]]]:
    """The day asked about (today when the date is unreadable), and each field the person must put right."""
    errors: list[tuple[str, str]] = []
    if asked and not locality:
        errors.append(("locality", "Choose the area your organisation works in."))
    if asked and not matter:
        errors.append(("matter", "Choose the matter you want to know about."))
    day = today()
    try:
        day = as_of_date(as_of)
    except NotHere:
        errors.append(("asOf", "Enter the date as year, month and day, for example 2010-03-07."))
    return day, errors


def _not_in_list(error: PageError, locality: str | None, matter: str | None) -> tuple[str, str]:
    """The field, and what to do, when the lookup knows no such area or matter."""
    # GraphQL's sentence names its own terms (a tenant, the `matters` query); a person chose from the form's
    # lists, so the page says which list.
    if "tenant" in error.message:
        return ("locality", f"Choose an area from the list: there is none called '{(locality or '')[:60]}'.")
    return ("matter", f"Choose a matter from the list: '{(matter or '')[:60]}' is not one of them.")


@get("/lookup", operation_id="siteLookup", media_type=MediaType.HTML, include_in_schema=False)
async def lookup(
    request: Request[object, object, State],
    locality: str | None = None,
    matter: str | None = None,
    as_of: Annotated[str | None, QueryParameter(name="asOf")] = None,
) -> Response[str]:
    """Which compact governs a matter for a locality on a date, with the walk up the tiers."""

    async def build() -> tuple[str, Mapping[str, object]]:
        asked = locality is not None or matter is not None
        day, errors = _lookup_form(asked, locality, matter, as_of)
        answer: Data = {}
        if asked and not errors:
            try:
                data = await read(
                    request, queries.LOOKUP, locality=locality, matter=matter, asOf=day.isoformat()
                )
                answer = mapping(data.get("lookup"))
            except PageError as error:
                if error.code not in ("NOT_FOUND", "BAD_USER_INPUT"):
                    raise
                errors.append(_not_in_list(error, locality, matter))
        if not answer:
            data = await read(request, queries.LOOKUP_FORM)
        tenants = items(data.get("tenants"))
        return "lookup.html", {
            "tiers": by_tier(tenants),
            "matters": sorted(items(data.get("matters")), key=lambda m: str(m["title"])),
            "locality": locality or "",
            "matter": matter or "",
            "as_of": as_of or "",
            "day": day,
            "errors": errors,
            "answer": answer,
            "names": {str(t["slug"]): t["name"] for t in tenants},
        }

    # None (not asked) and "" (asked, left empty) differ: the second shows what is missing.
    return await cached(
        request,
        LOOKUP_SHOWS,
        build,
        asked=tuple("-" if v is None else f"={v}" for v in (locality, matter, as_of)),
    )


def error_page(request: Request[object, object, State], error: Exception) -> Response[str]:
    """What a person sees when a page fails: an outage to wait out, or a fault that has been logged."""
    if isinstance(error, HTTPException) and error.status_code == HTTP_404_NOT_FOUND:
        return not_found_page(request, error)
    if isinstance(error, PageError) and error.code in ("NOT_FOUND", "BAD_USER_INPUT"):
        body = render(request, "not_found.html", {"title": "We could not find that", "advice": error.message})
        return html(body, HTTP_404_NOT_FOUND)
    unavailable = isinstance(error, PageError) and UNAVAILABLE_MESSAGE in error.message
    if unavailable:
        log.warning("page %s: the database is unavailable", request.url.path)
    else:
        # The page tells the person the fault was recorded: here it is.
        log.error("page %s failed", request.url.path, exc_info=error)
    status = HTTP_503_SERVICE_UNAVAILABLE if unavailable else HTTP_500_INTERNAL_SERVER_ERROR
    body = render(request, "error.html", {"unavailable": unavailable})
    response = html(body, status)
    if unavailable:
        response.headers["Retry-After"] = "2"
    return response


def not_found_page(request: Request[object, object, State], _error: Exception) -> Response[str]:
    body = render(
        request,
        "not_found.html",
        {"title": "Page not found", "advice": "Check the address, or start from the directory of compacts."},
    )
    return html(body, HTTP_404_NOT_FOUND)


PAGES = [directory, compact, versions, diff, history, report, lookup]
