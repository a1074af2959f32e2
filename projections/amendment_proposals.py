"""Which amendments of a tenant's compact were proposed, consulted on, adopted or rejected."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.compact import Compact
from domain.events import tenant_of
from projections.base import ProjectionSpec, ReadModelView, Table

NAME = "amendment_proposals"

PROPOSED = """
INSERT INTO amendment_proposals
    (tenant_id, key, rationale, effective_on, proposed_on, consultation_closes_on, upserted, removed, status)
VALUES (%(tenant)s, %(key)s, %(rationale)s, %(effective_on)s, %(proposed_on)s, %(closes_on)s,
        %(upserted)s, %(removed)s, 'PROPOSED')
"""
DECIDED = """
UPDATE amendment_proposals SET status = %(status)s, decided_on = %(on)s, rejection_reason = %(reason)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""


class ProposalsView(ReadModelView):
    projection_name = NAME


class AmendmentProposals(Projection[ProposalsView]):
    name = NAME
    topics = (
        get_topic(Compact.AmendmentProposed),
        get_topic(Compact.AmendmentAdopted),
        get_topic(Compact.AmendmentRejected),
    )

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: Compact.AmendmentProposed, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "key": e.proposal,
            "rationale": e.rationale,
            "effective_on": e.effective_on,
            "proposed_on": e.proposed_on,
            "closes_on": e.consultation_closes_on,
            "upserted": json.dumps(e.upserted),
            "removed": e.removed,
        }
        self.view.apply(tracking, (PROPOSED, params))

    @process_event.register
    def _(self, e: Compact.AmendmentAdopted, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "key": e.proposal,
            "status": "ADOPTED",
            "on": e.on,
            "reason": None,
        }
        self.view.apply(tracking, (DECIDED, params))

    @process_event.register
    def _(self, e: Compact.AmendmentRejected, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "key": e.proposal,
            "status": "REJECTED",
            "on": e.on,
            "reason": e.reason,
        }
        self.view.apply(tracking, (DECIDED, params))


# Its tables (amendment_proposals.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    AmendmentProposals,
    ProposalsView,
    tables=(Table("amendment_proposals", order_by="tenant_id, key"),),
)


@dataclass(frozen=True)
class ProposalRow:
    key: str
    rationale: str
    effective_on: date
    proposed_on: date
    consultation_closes_on: date | None
    upserted: list[dict[str, Any]]
    removed: list[str]
    status: str
    decided_on: date | None
    rejection_reason: str | None


async def proposals_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[ProposalRow]]:
    rows = await conn.fetch(
        "SELECT * FROM amendment_proposals WHERE tenant_id = ANY($1::text[]) ORDER BY proposed_on, key",
        tenants,
    )
    found: dict[str, list[ProposalRow]] = {t: [] for t in tenants}
    for r in rows:
        found[r["tenant_id"]].append(
            ProposalRow(
                key=r["key"],
                rationale=r["rationale"],
                effective_on=r["effective_on"],
                proposed_on=r["proposed_on"],
                consultation_closes_on=r["consultation_closes_on"],
                upserted=json.loads(r["upserted"]),
                removed=list(r["removed"]),
                status=r["status"],
                decided_on=r["decided_on"],
                rejection_reason=r["rejection_reason"],
            )
        )
    return found
