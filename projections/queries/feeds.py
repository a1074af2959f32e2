"""Reads the feeds' entries and the calendar's deadlines out of the read models that already hold them."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from domain.commitments import CommitmentKind
from domain.compliance import CodeFact, Facts, annual_review_due, code_review_due
from domain.feeds import (
    CLOSING_SOON_DAYS,
    Deadline,
    FeedEntry,
    closing_soon_from,
    long_date,
    newest_first,
    start_of,
)
from projections.queries.compliance import IN_FORCE_SINCE, governed, governing

# Each kind of fact is read newest first and at most this many times the feed's length, then merged.
VERSIONS = """
SELECT v.tenant_id, t.name, v.version, v.title, v.effective_on, v.rationale, v.recorded_at, v.draft,
       v.consultation_closes_on, v.adopted_on, v.adopted_recorded_at
FROM compact_versions v JOIN tenants t ON t.tenant_id = v.tenant_id
WHERE ($1::text IS NULL OR v.tenant_id = $1)
ORDER BY greatest(v.recorded_at, v.adopted_recorded_at) DESC LIMIT $2
"""
PROPOSALS = """
SELECT p.tenant_id, t.name, p.key, p.rationale, p.effective_on, p.proposed_on, p.consultation_closes_on
FROM amendment_proposals p JOIN tenants t ON t.tenant_id = p.tenant_id
WHERE ($1::text IS NULL OR p.tenant_id = $1) AND p.proposed_on <= $3
ORDER BY p.proposed_on DESC LIMIT $2
"""
# Only consultations open to the public by `$3`; row-level security hides the others from the public anyway.
CONSULTATIONS = """
SELECT c.tenant_id, t.name, c.key, c.title, c.opens_on, c.closes_on, c.closed_on
FROM consultations c JOIN tenants t ON t.tenant_id = c.tenant_id
WHERE ($1::text IS NULL OR c.tenant_id = $1) AND c.opens_on <= $3
ORDER BY greatest(c.opens_on, c.closes_on - $4::int) DESC LIMIT $2
"""
CODES = """
SELECT c.tenant_id, t.name, c.key, c.title, c.adopted_on, c.adopted_recorded_at, c.reviewed_on,
       c.next_review_due
FROM codes c JOIN tenants t ON t.tenant_id = c.tenant_id
WHERE ($1::text IS NULL OR c.tenant_id = $1) AND c.adopted_recorded_at IS NOT NULL
ORDER BY greatest(c.adopted_recorded_at, c.reviewed_on) DESC LIMIT $2
"""


async def tenant_name(conn: asyncpg.Connection, tenant: str) -> str | None:
    """The tenant's name, or None when there is no such tenant."""
    name: str | None = await conn.fetchval("SELECT name FROM tenants WHERE tenant_id = $1", tenant)
    return name


async def tenant_created(conn: asyncpg.Connection, tenant: str | None) -> datetime | None:
    """When the tenant (or, for None, the first tenant) was created: a feed with no entries dates from it."""
    created: datetime | None = await conn.fetchval(
        "SELECT min(created_at) FROM tenants WHERE $1::text IS NULL OR tenant_id = $1", tenant
    )
    return created


async def feed_entries(
    conn: asyncpg.Connection, tenant: str | None, today: date, limit: int
) -> list[FeedEntry]:
    """The newest `limit` entries of one tenant's feed, or of every tenant's (`tenant` None)."""
    entries: list[FeedEntry] = []
    for r in await conn.fetch(VERSIONS, tenant, limit):
        entries += _version_entries(r)
    for r in await conn.fetch(PROPOSALS, tenant, limit, today):
        entries.append(_proposal_entry(r))
    for r in await conn.fetch(CONSULTATIONS, tenant, limit, today, CLOSING_SOON_DAYS):
        entries += _consultation_entries(r, today)
    for r in await conn.fetch(CODES, tenant, limit):
        entries += _code_entries(r)
    return newest_first(entries, limit)


def _proposal_entry(r: asyncpg.Record) -> FeedEntry:
    """The entry for a proposed amendment."""
    closes = r["consultation_closes_on"]
    return FeedEntry(
        r["tenant_id"],
        r["name"],
        "amendment-proposed",
        r["key"],
        f"{r['name']}: amendment proposed",
        f"{r['rationale']} Proposed on {long_date(r['proposed_on'])} to take effect on "
        f"{long_date(r['effective_on'])}"
        + (f"; the consultation on it closes on {long_date(closes)}." if closes else "."),
        start_of(r["proposed_on"]),
    )


def _consultation_entries(r: asyncpg.Record, today: date) -> list[FeedEntry]:
    """The entry for a consultation's opening, and one more while it is open and closing soon."""
    found = [
        FeedEntry(
            r["tenant_id"],
            r["name"],
            "consultation-opened",
            r["key"],
            f"{r['name']}: consultation opened: {r['title']}",
            f"The consultation '{r['title']}' opened on {long_date(r['opens_on'])} and closes on "
            f"{long_date(r['closes_on'])}.",
            start_of(r["opens_on"]),
        )
    ]
    soon = closing_soon_from(r["closes_on"])
    if r["closed_on"] is None and soon <= today <= r["closes_on"]:
        found.append(
            FeedEntry(
                r["tenant_id"],
                r["name"],
                "consultation-closing",
                r["key"],
                f"{r['name']}: consultation closing on {long_date(r['closes_on'])}: {r['title']}",
                f"The consultation '{r['title']}' closes on {long_date(r['closes_on'])}.",
                max(start_of(soon), start_of(r["opens_on"])),
            )
        )
    return found


def _code_entries(r: asyncpg.Record) -> list[FeedEntry]:
    """The entry for a code of practice's adoption, and one for its latest review if it has had one."""
    found = [
        FeedEntry(
            r["tenant_id"],
            r["name"],
            "code-adopted",
            r["key"],
            f"{r['name']}: code of practice adopted: {r['title']}",
            f"The code of good practice '{r['title']}' was adopted on {long_date(r['adopted_on'])}.",
            r["adopted_recorded_at"],
        )
    ]
    if r["reviewed_on"] is not None:
        due = r["next_review_due"]
        found.append(
            FeedEntry(
                r["tenant_id"],
                r["name"],
                "code-reviewed",
                f"{r['key']}/{r['reviewed_on'].isoformat()}",
                f"{r['name']}: code of practice reviewed: {r['title']}",
                f"The code of good practice '{r['title']}' was reviewed on {long_date(r['reviewed_on'])}"
                + (f"; its next review is due by {long_date(due)}." if due else "."),
                start_of(r["reviewed_on"]),
            )
        )
    return found


def _version_entries(r: asyncpg.Record) -> list[FeedEntry]:
    tenant, name, version, title = r["tenant_id"], r["name"], r["version"], r["title"]
    key = str(version)
    found: list[FeedEntry] = []
    if r["draft"]:
        closes = r["consultation_closes_on"]
        found.append(
            FeedEntry(
                tenant,
                name,
                "published",
                key,
                f"{name}: draft compact published for consultation",
                f"'{title}' was published as a draft for consultation"
                + (f", which closes on {long_date(closes)}." if closes else "."),
                r["recorded_at"],
            )
        )
        if r["adopted_recorded_at"] is not None:
            found.append(
                FeedEntry(
                    tenant,
                    name,
                    "adopted",
                    key,
                    f"{name}: compact adopted",
                    f"'{title}' was adopted and is in force from {long_date(r['adopted_on'])}.",
                    r["adopted_recorded_at"],
                )
            )
    elif version == 1:
        found.append(
            FeedEntry(
                tenant,
                name,
                "published",
                key,
                f"{name}: compact published",
                f"'{title}' is in force from {long_date(r['effective_on'])}.",
                r["recorded_at"],
            )
        )
    else:
        because = f" {r['rationale']}" if r["rationale"] else ""
        found.append(
            FeedEntry(
                tenant,
                name,
                "amended",
                key,
                f"{name}: compact amended (version {version})",
                f"Version {version} of '{title}' is in force from {long_date(r['effective_on'])}.{because}",
                r["recorded_at"],
            )
        )
    return found


async def deadlines(conn: asyncpg.Connection, tenant: str, today: date) -> list[Deadline]:
    """Every date the tenant's read models hold, or its governing commitments set, in date order."""
    found = await _consultation_deadlines(conn, tenant, today)
    found += await _draft_deadlines(conn, tenant)
    found += await _amendment_deadlines(conn, tenant, today)
    facts = await _review_facts(conn, tenant, today)
    found += await _code_review_deadlines(conn, tenant, facts)
    found += await _funding_deadlines(conn, tenant)
    found += _annual_review_deadline(tenant, facts)
    return sorted(found, key=lambda d: (d.on, d.kind, d.key))


async def _consultation_deadlines(conn: asyncpg.Connection, tenant: str, today: date) -> list[Deadline]:
    """The closing day of each consultation opened by `today`."""
    return [
        Deadline(
            tenant,
            "consultation-closes",
            r["key"],
            r["closes_on"],
            f"Consultation closes: {r['title']}",
            f"The consultation '{r['title']}', open since {long_date(r['opens_on'])}, closes on this day.",
        )
        for r in await conn.fetch(
            "SELECT key, title, opens_on, closes_on FROM consultations"
            " WHERE tenant_id = $1 AND opens_on <= $2",
            tenant,
            today,
        )
    ]


async def _draft_deadlines(conn: asyncpg.Connection, tenant: str) -> list[Deadline]:
    """The closing day of the consultation on each draft compact that has one."""
    return [
        Deadline(
            tenant,
            "draft-consultation-closes",
            str(r["version"]),
            r["consultation_closes_on"],
            f"Consultation on the draft compact closes: {r['title']}",
            f"The consultation on the draft of '{r['title']}' closes on this day.",
        )
        for r in await conn.fetch(
            "SELECT version, title, consultation_closes_on FROM compact_versions"
            " WHERE tenant_id = $1 AND draft AND consultation_closes_on IS NOT NULL",
            tenant,
        )
    ]


async def _amendment_deadlines(conn: asyncpg.Connection, tenant: str, today: date) -> list[Deadline]:
    """The closing day of the consultation on each amendment proposed by `today` that has one."""
    return [
        Deadline(
            tenant,
            "amendment-consultation-closes",
            r["key"],
            r["consultation_closes_on"],
            "Consultation on a proposed amendment closes",
            f"The consultation on the proposed amendment '{r['key']}' closes on this day. {r['rationale']}",
        )
        for r in await conn.fetch(
            "SELECT key, rationale, consultation_closes_on FROM amendment_proposals"
            " WHERE tenant_id = $1 AND consultation_closes_on IS NOT NULL AND proposed_on <= $2",
            tenant,
            today,
        )
    ]


async def _review_facts(conn: asyncpg.Connection, tenant: str, today: date) -> Facts:
    """Only what the two review dates need: the commitments that govern them, and the compact's own dates."""
    return Facts(
        as_of=today,
        governing={
            kind: governed(await governing(conn, tenant, kind, today))
            for kind in (CommitmentKind.CODE_REVIEW, CommitmentKind.ANNUAL_REVIEW)
        },
        in_force_since=await conn.fetchval(IN_FORCE_SINCE, tenant),
        last_review_on=await conn.fetchval(
            "SELECT max(held_on) FROM annual_reviews WHERE tenant_id = $1 AND held_on <= $2", tenant, today
        ),
    )


async def _code_review_deadlines(conn: asyncpg.Connection, tenant: str, facts: Facts) -> list[Deadline]:
    """When each code of practice in use is next due for review, as recorded or as its commitment sets."""
    code_review = facts.governing.get(CommitmentKind.CODE_REVIEW)
    period = code_review.by.period if code_review is not None else None
    found: list[Deadline] = []
    for r in await conn.fetch(
        "SELECT key, title, adopted_on, reviewed_on, next_review_due FROM codes WHERE tenant_id = $1"
        " AND adopted_on IS NOT NULL AND superseded_on IS NULL AND withdrawn_on IS NULL",
        tenant,
    ):
        due = r["next_review_due"]
        if due is None and period is not None:
            due = code_review_due(CodeFact(r["key"], r["title"], r["adopted_on"], r["reviewed_on"]), period)
        if due is not None:
            found.append(
                Deadline(
                    tenant,
                    "code-review-due",
                    r["key"],
                    due,
                    f"Code of practice review due: {r['title']}",
                    f"The code of good practice '{r['title']}' is due for review by this day.",
                )
            )
    return found


async def _funding_deadlines(conn: asyncpg.Connection, tenant: str) -> list[Deadline]:
    """The day each funding notice's change takes effect."""
    found: list[Deadline] = []
    for r in await conn.fetch(
        "SELECT key, public_body, voluntary_body, change, effective_on FROM funding_notices"
        " WHERE tenant_id = $1",
        tenant,
    ):
        change = {"REDUCED": "is reduced", "ENDED": "ends", "CHANGED": "changes"}.get(r["change"], "changes")
        found.append(
            Deadline(
                tenant,
                "funding-notice-effective",
                r["key"],
                r["effective_on"],
                f"Funding change takes effect: {r['public_body']} to {r['voluntary_body']}",
                f"Under the notice '{r['key']}', funding from {r['public_body']} to {r['voluntary_body']} "
                f"{change} on this day.",
            )
        )
    return found


def _annual_review_deadline(tenant: str, facts: Facts) -> list[Deadline]:
    """The day the compact's next annual review falls due, if the facts set one."""
    review_due = annual_review_due(facts)
    if review_due is None:
        return []
    return [
        Deadline(
            tenant,
            "annual-review-due",
            review_due.isoformat(),
            review_due,
            "Annual review of the compact due",
            "The compact's annual review falls due by this day, a year after the last one (or after the "
            "compact came into force), as the commitment that governs annual reviews sets.",
        )
    ]
