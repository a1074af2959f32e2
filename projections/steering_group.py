"""Who sat on a tenant's steering group on a date, in which role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.events import tenant_of
from domain.steering_group import SteeringGroup
from projections.base import ProjectionSpec, ReadModelView, Table

NAME = "steering_group"

ASSIGNED = """
INSERT INTO steering_terms (tenant_id, term, role, holder, party, code, since)
SELECT %(tenant)s, coalesce(max(term), 0) + 1, %(role)s, %(holder)s, %(party)s, %(code)s, %(on)s
FROM steering_terms WHERE tenant_id = %(tenant)s
"""
ENDED = """
UPDATE steering_terms SET until = %(on)s
WHERE tenant_id = %(tenant)s AND role = %(role)s AND holder = %(holder)s
  AND coalesce(code, '') = coalesce(%(code)s, '') AND until IS NULL
"""


class SteeringGroupView(ReadModelView):
    projection_name = NAME


class SteeringGroupProjection(Projection[SteeringGroupView]):
    name = NAME
    topics = (get_topic(SteeringGroup.SteeringRoleAssigned), get_topic(SteeringGroup.SteeringRoleEnded))

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: SteeringGroup.SteeringRoleAssigned, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "role": e.role,
            "holder": e.holder,
            "party": e.party,
            "code": e.code,
            "on": e.since,
        }
        self.view.apply(tracking, (ASSIGNED, params))

    @process_event.register
    def _(self, e: SteeringGroup.SteeringRoleEnded, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "role": e.role,
            "holder": e.holder,
            "code": e.code,
            "on": e.on,
        }
        self.view.apply(tracking, (ENDED, params))


# Its tables (steering_group.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    SteeringGroupProjection,
    SteeringGroupView,
    tables=(Table("steering_terms", order_by="tenant_id, term"),),
)


@dataclass(frozen=True)
class TermRow:
    role: str
    holder: str
    party: str | None
    code: str | None
    since: date


TERMS_ON = """
SELECT tenant_id, role, holder, party, code, since FROM steering_terms
WHERE tenant_id = ANY($1::text[]) AND since <= $2 AND (until IS NULL OR until > $2)
ORDER BY tenant_id, role, holder
"""


async def terms_on(conn: asyncpg.Connection, tenants: list[str], on: date) -> dict[str, list[TermRow]]:
    found: dict[str, list[TermRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(TERMS_ON, tenants, on):
        found[r["tenant_id"]].append(TermRow(r["role"], r["holder"], r["party"], r["code"], r["since"]))
    return found
