"""Each tenant's funding-change notices: who gave whom how much notice, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.events import key_of, tenant_of
from domain.funding_notices import FundingNotice, add_months
from projections.base import ReadModelView

NAME = "funding_notices"

GIVEN = """
INSERT INTO funding_notices (tenant_id, key, public_body, voluntary_body, change, given_on, effective_on,
                             rationale, minimum_months, exceptional_circumstances)
VALUES (%(tenant)s, %(key)s, %(public_body)s, %(voluntary_body)s, %(change)s, %(given_on)s, %(effective_on)s,
        %(rationale)s, %(minimum_months)s, %(exceptional)s)
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
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
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
            "minimum_months": e.minimum_months,
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


@dataclass(frozen=True)
class NoticeRow:
    key: str
    public_body: str
    voluntary_body: str
    change: str
    given_on: date
    effective_on: date
    rationale: str
    minimum_months: int
    exceptional_circumstances: str | None

    @property
    def short(self) -> bool:
        return self.effective_on < add_months(self.given_on, self.minimum_months)


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
                minimum_months=r["minimum_months"],
                exceptional_circumstances=r["exceptional_circumstances"],
            )
        )
    return found
