"""What the read models say of a tenant on a date, and the commitments that govern it, for compliance."""

from __future__ import annotations

from datetime import date, datetime

import asyncpg

from domain.commitments import CommitmentKind
from domain.compliance import (
    CHECKED,
    CodeFact,
    ConsultationFact,
    Facts,
    Governed,
    NoticeFact,
    OpenStage,
    PartyFact,
    Report,
    check,
)
from domain.lookup import Governing, govern
from domain.register import party_key
from domain.tenancy import Tier
from projections.base import LATEST
from projections.consultations import consultations_of
from projections.disputes import disputes_of
from projections.funding_notices import notices_of
from projections.queries.tiered_lookup import governing_chain_of
from projections.register_of_parties import champions_on, parties_on

# The day a tenant's compact first came into force: its first version, or a draft's adoption.
IN_FORCE_SINCE = """
SELECT min(CASE WHEN draft THEN adopted_on ELSE effective_on END) FROM compact_versions
WHERE tenant_id = $1 AND (NOT draft OR adopted_on IS NOT NULL)
"""


async def governing(
    conn: asyncpg.Connection,
    locality: str,
    kind: CommitmentKind,
    on: date,
    recorded: datetime = LATEST,
    uniform_at: Tier | None = None,
) -> Governing | None:
    """The commitment of `kind` governing `locality` on `on`; None for a locality the registry lacks."""
    chain = await governing_chain_of(conn, locality, kind, on, recorded)
    return govern(chain, kind, on, uniform_at) if chain else None


def governed(found: Governing | None) -> Governed | None:
    """What compliance keeps of a governing commitment: the reference, whom it binds, its exceptions."""
    reference = found.reference() if found else None
    if found is None or found.placed is None or reference is None:
        return None
    return Governed(reference, found.placed.commitment.bound, found.placed.commitment.exceptions)


async def compliance_facts(conn: asyncpg.Connection, tenant: str, on: date, *, members: bool) -> Facts:
    rules = {kind: governed(await governing(conn, tenant, kind, on)) for kind in CHECKED}
    champions: dict[str, int] = {}
    for c in (await champions_on(conn, [tenant], on))[tenant]:
        champions[party_key(c.party)] = champions.get(party_key(c.party), 0) + 1
    parties = [
        PartyFact(p.name, p.sector, p.signed_on, champions.get(party_key(p.name), 0))
        for p in (await parties_on(conn, [tenant], on))[tenant]
    ]
    codes = [
        CodeFact(r["key"], r["title"], r["adopted_on"], r["reviewed_on"])
        for r in await conn.fetch(
            # Adopted and still in force on the day; a superseded or withdrawn code needs no review.
            "SELECT key, title, adopted_on, CASE WHEN reviewed_on <= $2 THEN reviewed_on END AS reviewed_on "
            "FROM codes WHERE tenant_id = $1 AND adopted_on <= $2 "
            "AND (superseded_on IS NULL OR superseded_on > $2) "
            "AND (withdrawn_on IS NULL OR withdrawn_on > $2) ORDER BY key",
            tenant,
            on,
        )
    ]
    consultations = [
        ConsultationFact(c.key, c.title, c.opens_on, c.closes_on, c.short_reason is not None, c.governed_by)
        for c in (await consultations_of(conn, [tenant]))[tenant]
    ]
    notices = [
        NoticeFact(
            n.key,
            n.public_body,
            n.voluntary_body,
            n.given_on,
            n.effective_on,
            n.exceptional_circumstances is not None,
            n.governed_by,
        )
        for n in (await notices_of(conn, [tenant]))[tenant]
    ]
    stages = []
    if members:
        for d in (await disputes_of(conn, [tenant]))[tenant]:
            for s in d.stages:
                if s.started_on <= on and (s.ended_on is None or s.ended_on > on):
                    stages.append(OpenStage(d.key, s.stage, s.started_on, s.deadline_on, d.governed_by))
    last_review = await conn.fetchval(
        "SELECT max(held_on) FROM annual_reviews WHERE tenant_id = $1 AND held_on <= $2", tenant, on
    )
    return Facts(
        as_of=on,
        governing=rules,
        in_force_since=await conn.fetchval(IN_FORCE_SINCE, tenant),
        parties=parties,
        codes=codes,
        consultations=consultations,
        notices=notices,
        open_stages=stages,
        last_review_on=last_review,
    )


async def compliance_of(conn: asyncpg.Connection, tenant: str, on: date, *, members: bool) -> Report:
    return check(await compliance_facts(conn, tenant, on, members=members))
