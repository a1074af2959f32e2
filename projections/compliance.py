"""Gathers what the read models say of a tenant on a date into `Facts` for the compliance rules."""

from __future__ import annotations

from datetime import date

import asyncpg

from domain.compliance import CodeFact, ConsultationFact, Facts, Finding, NoticeFact, OpenStage, check
from domain.register import party_key
from projections.compact_rules import rules_of
from projections.consultations import consultations_of
from projections.disputes import disputes_of
from projections.funding_notices import notices_of
from projections.register_of_parties import champions_on, parties_on


async def compliance_facts(conn: asyncpg.Connection, tenant: str, on: date, *, members: bool) -> Facts:
    published_on = await conn.fetchval(
        "SELECT min(effective_on) FROM compact_versions WHERE tenant_id = $1", tenant
    )
    championed = {party_key(c.party) for c in (await champions_on(conn, [tenant], on))[tenant]}
    parties = [
        (p.name, p.signed_on)
        for p in (await parties_on(conn, [tenant], on))[tenant]
        if party_key(p.name) not in championed
    ]
    codes = [
        CodeFact(r["key"], r["title"], r["next_review_due"])
        for r in await conn.fetch(
            # Adopted and still in force on the day; a superseded or withdrawn code needs no review.
            "SELECT key, title, next_review_due FROM codes WHERE tenant_id = $1 AND adopted_on <= $2 "
            "AND (superseded_on IS NULL OR superseded_on > $2) "
            "AND (withdrawn_on IS NULL OR withdrawn_on > $2) "
            "AND (reviewed_on IS NULL OR reviewed_on <= $2) ORDER BY key",
            tenant,
            on,
        )
    ]
    consultations = [
        ConsultationFact(c.key, c.title, c.opens_on, c.closes_on, c.minimum_weeks, c.short_reason is not None)
        for c in (await consultations_of(conn, [tenant]))[tenant]
    ]
    notices = [
        NoticeFact(
            n.key,
            n.public_body,
            n.voluntary_body,
            n.given_on,
            n.effective_on,
            n.minimum_months,
            n.exceptional_circumstances is not None,
        )
        for n in (await notices_of(conn, [tenant]))[tenant]
    ]
    stages = []
    if members:
        for d in (await disputes_of(conn, [tenant]))[tenant]:
            for s in d.stages:
                if s.started_on <= on and (s.ended_on is None or s.ended_on > on):
                    stages.append(OpenStage(d.key, s.stage, s.started_on, s.deadline_on))
    last_review = await conn.fetchval(
        "SELECT max(held_on) FROM annual_reviews WHERE tenant_id = $1 AND held_on <= $2", tenant, on
    )
    return Facts(
        as_of=on,
        rules=(await rules_of(conn, [tenant]))[tenant],
        published_on=published_on,
        parties_without_champion=parties,
        codes=codes,
        consultations=consultations,
        notices=notices,
        open_stages=stages,
        last_review_on=last_review,
    )


async def compliance_of(conn: asyncpg.Connection, tenant: str, on: date, *, members: bool) -> list[Finding]:
    return check(await compliance_facts(conn, tenant, on, members=members))
