"""Reads a tenant's year out of the read models into an `AnnualReport` (rendering is the domain's)."""

from __future__ import annotations

from datetime import date

import asyncpg

from domain.annual_report import (
    AmendmentLine,
    AnnualReport,
    ChampionLine,
    CodeLine,
    ConsultationLine,
    DisputeSummary,
    NoticeLine,
    PartyLine,
    ReviewLine,
)
from domain.commitments import DisputeStage
from domain.compact import Section
from domain.diff import change_lines
from projections.annual_reviews import reviews_of
from projections.compact_text import sections_of
from projections.consultations import consultations_of
from projections.disputes import disputes_of, referrals_of
from projections.funding_notices import notices_of

CODE_CHANGES = """
SELECT key, title, 'DRAFTED' AS change, drafted_on AS on, '' AS detail, 1 AS step FROM codes
    WHERE tenant_id = $1 AND drafted_on BETWEEN $2 AND $3
UNION ALL
SELECT key, title, 'ADOPTED', adopted_on, '', 2 FROM codes
    WHERE tenant_id = $1 AND adopted_on BETWEEN $2 AND $3
UNION ALL
SELECT key, title, 'REVIEWED', reviewed_on, 'next review due ' || next_review_due::text, 3 FROM codes
    WHERE tenant_id = $1 AND reviewed_on BETWEEN $2 AND $3
UNION ALL
SELECT key, title, 'SUPERSEDED', superseded_on, 'merged into ' || superseded_by, 4 FROM codes
    WHERE tenant_id = $1 AND superseded_on BETWEEN $2 AND $3
UNION ALL
SELECT key, title, 'WITHDRAWN', withdrawn_on, withdrawal_reason, 4 FROM codes
    WHERE tenant_id = $1 AND withdrawn_on BETWEEN $2 AND $3
ORDER BY 4, 1, 6
"""


async def annual_report(
    conn: asyncpg.Connection, tenant: str, name: str, year: int, *, members: bool
) -> AnnualReport:
    """Everything of `year` (1 January to 31 December) that the reader may see."""
    first, last = date(year, 1, 1), date(year, 12, 31)

    def within(day: date | None) -> bool:
        return day is not None and first <= day <= last

    title = await conn.fetchval(
        "SELECT title FROM compact_versions WHERE tenant_id = $1 AND effective_on <= $2 "
        "ORDER BY effective_on DESC, version DESC LIMIT 1",
        tenant,
        last,
    )
    versions = await conn.fetch(
        "SELECT version, effective_on, rationale FROM compact_versions "
        "WHERE tenant_id = $1 AND effective_on BETWEEN $2 AND $3 ORDER BY effective_on, version",
        tenant,
        first,
        last,
    )
    numbers = [r["version"] for r in versions]
    texts = await sections_of(conn, tenant, sorted({*numbers, *(n - 1 for n in numbers)}))

    def text(version: int) -> list[Section]:
        return [Section(s.key, s.heading, s.text, tuple(s.matters)) for s in texts.get(version, [])]

    amendments = [
        AmendmentLine(
            r["version"],
            r["effective_on"],
            r["rationale"] or "first published",
            tuple(change_lines(text(r["version"] - 1), text(r["version"]))) if r["version"] > 1 else (),
        )
        for r in versions
    ]
    memberships = await conn.fetch(
        "SELECT name, sector, signed_on, withdrawn_on, withdrawal_reason FROM party_memberships "
        "WHERE tenant_id = $1 ORDER BY name",
        tenant,
    )
    joined = sorted(
        (PartyLine(r["name"], r["signed_on"], r["sector"]) for r in memberships if within(r["signed_on"])),
        key=lambda p: (p.on, p.name),
    )
    left = sorted(
        (
            PartyLine(r["name"], r["withdrawn_on"], r["withdrawal_reason"] or "")
            for r in memberships
            if within(r["withdrawn_on"])
        ),
        key=lambda p: (p.on, p.name),
    )
    appointments = await conn.fetch(
        "SELECT name, party, appointed_on, ended_on FROM champion_appointments WHERE tenant_id = $1",
        tenant,
    )
    appointed = sorted(
        (
            ChampionLine(r["name"], r["party"], r["appointed_on"])
            for r in appointments
            if within(r["appointed_on"])
        ),
        key=lambda c: (c.on, c.party),
    )
    gone = sorted(
        (ChampionLine(r["name"], r["party"], r["ended_on"]) for r in appointments if within(r["ended_on"])),
        key=lambda c: (c.on, c.party),
    )
    codes = [
        CodeLine(r["key"], r["title"], r["change"], r["on"], r["detail"] or "")
        for r in await conn.fetch(CODE_CHANGES, tenant, first, last)
    ]
    consultations = [
        ConsultationLine(
            key=c.key,
            title=c.title,
            opens_on=c.opens_on,
            closes_on=c.closes_on,
            weeks=c.weeks,
            minimum=c.minimum.describe() if c.minimum else None,
            short=c.short,
            short_reason=c.short_reason,
            responses=len(c.responses) if members else None,
            feedback_on=c.feedback_on,
        )
        for c in (await consultations_of(conn, [tenant]))[tenant]
        if within(c.opens_on) or within(c.closes_on) or (c.opens_on < first and c.closes_on > last)
    ]
    disputes = None
    if members:
        rows = (await disputes_of(conn, [tenant]))[tenant]
        resolved = {s.value: 0 for s in DisputeStage}
        for d in rows:
            if d.status == "RESOLVED" and within(d.closed_on):
                resolved[d.stage] += 1
        disputes = DisputeSummary(
            raised=sum(1 for d in rows if within(d.raised_on)),
            resolved_by_stage=resolved,
            withdrawn=sum(1 for d in rows if d.status == "WITHDRAWN" and within(d.closed_on)),
            open_at_year_end=sum(
                1 for d in rows if d.raised_on <= last and (d.closed_on is None or d.closed_on > last)
            ),
            referred_to_board=sum(
                1 for r in (await referrals_of(conn, [tenant]))[tenant] if within(r.referred_on)
            ),
        )
    notices = [
        NoticeLine(
            public_body=n.public_body,
            voluntary_body=n.voluntary_body,
            change=n.change,
            given_on=n.given_on,
            effective_on=n.effective_on,
            minimum=n.minimum.describe() if n.minimum else None,
            short=n.short,
            exceptional_circumstances=n.exceptional_circumstances,
        )
        for n in (await notices_of(conn, [tenant]))[tenant]
        if within(n.given_on)
    ]
    reviews = [
        ReviewLine(
            held_on=r.held_on,
            achievements=r.achievements,
            aspirations=r.aspirations,
            issues=r.issues,
            amendments=r.amendments,
            projects=[p.project for p in r.projects],
        )
        for r in (await reviews_of(conn, [tenant]))[tenant]
        if within(r.held_on)
    ]
    return AnnualReport(
        tenant=tenant,
        name=name,
        year=year,
        compact_title=title,
        amendments=amendments,
        parties_joined=joined,
        parties_left=left,
        champions_appointed=appointed,
        champions_gone=gone,
        codes=codes,
        consultations=consultations,
        disputes=disputes,
        funding_notices=notices,
        reviews=reviews,
    )
