"""Each tenant's funding-change notices: who gave whom how much notice, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from psycopg.types.json import Jsonb

from domain.commitments import GovernedBy, Period
from domain.events import key_of, tenant_of
from domain.funding_notices import FundingNotice
from projections.base import ProjectionSpec, ReadModelView, Table, json_object

NAME = "funding_notices"

GIVEN = """
INSERT INTO funding_notices (tenant_id, key, public_body, voluntary_body, change, given_on, effective_on,
                             rationale, minimum_amount, minimum_unit, governed_by, exceptional_circumstances)
VALUES (%(tenant)s, %(key)s, %(public_body)s, %(voluntary_body)s, %(change)s, %(given_on)s, %(effective_on)s,
        %(rationale)s, %(minimum_amount)s, %(minimum_unit)s, %(governed_by)s, %(exceptional)s)
"""
EXPLAINED = """
UPDATE funding_notices SET exceptional_circumstances = %(exceptional)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""


class FundingNoticesView(ReadModelView):
    projection_name = NAME


class FundingNotices(Projection[FundingNoticesView]):
    name = NAME
    topics = (
        get_topic(FundingNotice.FundingNoticeGiven),
        get_topic(FundingNotice.ExceptionalCircumstancesRecorded),
    )

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: FundingNotice.FundingNoticeGiven, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "key": e.key,
            "public_body": e.public_body,
            "voluntary_body": e.voluntary_body,
            "change": e.change,
            "given_on": e.given_on,
            "effective_on": e.effective_on,
            "rationale": e.rationale,
            "minimum_amount": e.minimum["amount"] if e.minimum else None,
            "minimum_unit": e.minimum["unit"] if e.minimum else None,
            "governed_by": Jsonb(e.governed_by) if e.governed_by else None,
            "exceptional": e.exceptional_circumstances,
        }
        self.view.apply(tracking, (GIVEN, params))

    @process_event.register
    def _(self, e: FundingNotice.ExceptionalCircumstancesRecorded, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "key": key_of(e.originator_id),
            "exceptional": e.circumstances,
        }
        self.view.apply(tracking, (EXPLAINED, params))


# Its tables (funding_notices.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    FundingNotices,
    FundingNoticesView,
    tables=(Table("funding_notices", order_by="tenant_id, key"),),
)


@dataclass(frozen=True)
class NoticeRow:
    key: str
    public_body: str
    voluntary_body: str
    change: str
    given_on: date
    effective_on: date
    rationale: str
    minimum: Period | None  # from the commitment that governed when it was given; None where none set one
    governed_by: GovernedBy | None
    exceptional_circumstances: str | None

    @property
    def short(self) -> bool:
        """Shorter than the period its governing commitment sets; never where none sets one."""
        return self.minimum is not None and self.effective_on < self.minimum.after(self.given_on)


async def notices_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[NoticeRow]]:
    found: dict[str, list[NoticeRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(
        "SELECT * FROM funding_notices WHERE tenant_id = ANY($1::text[]) ORDER BY given_on, key", tenants
    ):
        found[r["tenant_id"]].append(
            NoticeRow(
                key=r["key"],
                public_body=r["public_body"],
                voluntary_body=r["voluntary_body"],
                change=r["change"],
                given_on=r["given_on"],
                effective_on=r["effective_on"],
                rationale=r["rationale"],
                minimum=Period.from_dict({"amount": r["minimum_amount"], "unit": r["minimum_unit"]})
                if r["minimum_amount"] is not None
                else None,
                governed_by=GovernedBy.from_dict(json_object(r["governed_by"])),
                exceptional_circumstances=r["exceptional_circumstances"],
            )
        )
    return found
