"""Reads a tenant's year out of the read models into an `AnnualReport` (rendering is the domain's)."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Year:
    """1 January to 31 December of one year."""

    first: date
    last: date

    @classmethod
    def of(cls, year: int) -> Year:
        return cls(date(year, 1, 1), date(year, 12, 31))

    def holds(self, day: date | None) -> bool:
        return day is not None and self.first <= day <= self.last


async def annual_report(
    conn: asyncpg.Connection, tenant: str, name: str, year: int, *, members: bool
) -> AnnualReport:
    """Everything of `year` (1 January to 31 December) that the reader may see.

    `members` is whether the reader may see the tenant's private rows: the responses counted and the
    disputes.
    """
    span = Year.of(year)
    title = await conn.fetchval(
        "SELECT title FROM compact_versions WHERE tenant_id = $1 AND effective_on <= $2 "
        "ORDER BY effective_on DESC, version DESC LIMIT 1",
        tenant,
        span.last,
    )
    joined, left = await _parties(conn, tenant, span)
    appointed, gone = await _champions(conn, tenant, span)
    codes = [
        CodeLine(r["key"], r["title"], r["change"], r["on"], r["detail"] or "")
        for r in await conn.fetch(CODE_CHANGES, tenant, span.first, span.last)
    ]
    return AnnualReport(
        tenant=tenant,
        name=name,
        year=year,
        compact_title=title,
        amendments=await _amendments(conn, tenant, span),
        parties_joined=joined,
        parties_left=left,
        champions_appointed=appointed,
        champions_gone=gone,
        codes=codes,
        consultations=await _consultations(conn, tenant, span, members=members),
        disputes=await _disputes(conn, tenant, span) if members else None,
        funding_notices=await _notices(conn, tenant, span),
        reviews=await _reviews(conn, tenant, span),
    )


async def _amendments(conn: asyncpg.Connection, tenant: str, span: Year) -> list[AmendmentLine]:
    """Each version that took effect in the year, with the changes from the version before it."""
    versions = await conn.fetch(
        "SELECT version, effective_on, rationale FROM compact_versions "
        "WHERE tenant_id = $1 AND effective_on BETWEEN $2 AND $3 ORDER BY effective_on, version",
        tenant,
        span.first,
        span.last,
    )
    numbers = [r["version"] for r in versions]
    texts = await sections_of(conn, tenant, sorted({*numbers, *(n - 1 for n in numbers)}))

    def text(version: int) -> list[Section]:
        return [Section(s.key, s.heading, s.text, tuple(s.matters)) for s in texts.get(version, [])]

    return [
        AmendmentLine(
            r["version"],
            r["effective_on"],
            r["rationale"] or "first published",
            tuple(change_lines(text(r["version"] - 1), text(r["version"]))) if r["version"] > 1 else (),
        )
        for r in versions
    ]


async def _parties(
    conn: asyncpg.Connection, tenant: str, span: Year
) -> tuple[list[PartyLine], list[PartyLine]]:
    """The parties that signed in the year, and those that left it (with their reasons)."""
    memberships = await conn.fetch(
        "SELECT name, sector, signed_on, withdrawn_on, withdrawal_reason FROM party_memberships "
        "WHERE tenant_id = $1 ORDER BY name",
        tenant,
    )
    joined = [
        PartyLine(r["name"], r["signed_on"], r["sector"]) for r in memberships if span.holds(r["signed_on"])
    ]
    left = [
        PartyLine(r["name"], r["withdrawn_on"], r["withdrawal_reason"] or "")
        for r in memberships
        if span.holds(r["withdrawn_on"])
    ]
    return sorted(joined, key=lambda p: (p.on, p.name)), sorted(left, key=lambda p: (p.on, p.name))


async def _champions(
    conn: asyncpg.Connection, tenant: str, span: Year
) -> tuple[list[ChampionLine], list[ChampionLine]]:
    """The champions appointed in the year, and those whose appointment ended in it."""
    appointments = await conn.fetch(
        "SELECT name, party, appointed_on, ended_on FROM champion_appointments WHERE tenant_id = $1",
        tenant,
    )
    appointed = [
        ChampionLine(r["name"], r["party"], r["appointed_on"])
        for r in appointments
        if span.holds(r["appointed_on"])
    ]
    gone = [
        ChampionLine(r["name"], r["party"], r["ended_on"]) for r in appointments if span.holds(r["ended_on"])
    ]
    return sorted(appointed, key=lambda c: (c.on, c.party)), sorted(gone, key=lambda c: (c.on, c.party))


async def _consultations(
    conn: asyncpg.Connection, tenant: str, span: Year, *, members: bool
) -> list[ConsultationLine]:
    """Consultations open at any time in the year; how many responded only for those who may see it."""
    return [
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
        if span.holds(c.opens_on)
        or span.holds(c.closes_on)
        or (c.opens_on < span.first and c.closes_on > span.last)
    ]


async def _disputes(conn: asyncpg.Connection, tenant: str, span: Year) -> DisputeSummary:
    """The year's disputes counted, never named: raised, resolved at each stage, withdrawn, still open."""
    rows = (await disputes_of(conn, [tenant]))[tenant]
    resolved = {s.value: 0 for s in DisputeStage}
    for d in rows:
        if d.status == "RESOLVED" and span.holds(d.closed_on):
            resolved[d.stage] += 1
    return DisputeSummary(
        raised=sum(1 for d in rows if span.holds(d.raised_on)),
        resolved_by_stage=resolved,
        withdrawn=sum(1 for d in rows if d.status == "WITHDRAWN" and span.holds(d.closed_on)),
        open_at_year_end=sum(
            1 for d in rows if d.raised_on <= span.last and (d.closed_on is None or d.closed_on > span.last)
        ),
        referred_to_board=sum(
            1 for r in (await referrals_of(conn, [tenant]))[tenant] if span.holds(r.referred_on)
        ),
    )


async def _notices(conn: asyncpg.Connection, tenant: str, span: Year) -> list[NoticeLine]:
    """Funding-change notices given in the year."""
    return [
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
        if span.holds(n.given_on)
    ]


async def _reviews(conn: asyncpg.Connection, tenant: str, span: Year) -> list[ReviewLine]:
    """Annual reviews held in the year."""
    return [
        ReviewLine(
            held_on=r.held_on,
            achievements=r.achievements,
            aspirations=r.aspirations,
            issues=r.issues,
            amendments=r.amendments,
            projects=[p.project for p in r.projects],
        )
        for r in (await reviews_of(conn, [tenant]))[tenant]
        if span.holds(r.held_on)
    ]
