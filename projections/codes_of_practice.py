"""Which Codes of Good Practice a tenant had on a date, in which state, covering which matters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.codes import Code
from domain.events import RegistryEvent, key_of, tenant_of
from projections.base import LATEST, MEMBERS, ProjectionSpec, ReadModelView, Table

NAME = "codes_of_practice"

DRAFTED = """
INSERT INTO codes (tenant_id, key, title, lead, drafted_on, drafted_recorded_at, position)
VALUES (%(tenant)s, %(key)s, %(title)s, %(lead)s, %(on)s, %(at)s, %(position)s)
"""
SET_MATTERS = """
INSERT INTO code_matters (tenant_id, key, matter, from_on, recorded_at)
SELECT %(tenant)s, %(key)s, m, %(on)s, %(at)s FROM unnest(%(matters)s::text[]) AS m
ON CONFLICT (tenant_id, key, matter) DO NOTHING
"""
CLEAR_MATTERS = "DELETE FROM code_matters WHERE tenant_id = %(tenant)s AND key = %(key)s"
ADOPTED = """
UPDATE codes SET adopted_on = %(on)s, adopted_recorded_at = %(at)s, title = %(title)s, position = %(position)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""
REVIEWED = """
UPDATE codes SET reviewed_on = %(on)s, next_review_due = %(due)s, position = %(position)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""
MERGED = """
UPDATE codes
SET superseded_on = %(on)s, superseded_recorded_at = %(at)s, superseded_by = %(into)s, position = %(position)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""
WITHDRAWN = """
UPDATE codes
SET withdrawn_on = %(on)s, withdrawn_recorded_at = %(at)s, withdrawal_reason = %(reason)s,
    position = %(position)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""
ENDORSED = """
INSERT INTO code_endorsements (tenant_id, key, party, endorsed_on, recorded_at)
VALUES (%(tenant)s, %(key)s, %(party)s, %(on)s, %(at)s)
"""


class CodesView(ReadModelView):
    projection_name = NAME

    def changed(self, tracking: Tracking, event: RegistryEvent, *statements: str, **params: object) -> None:
        base = {
            "tenant": tenant_of(event.originator_id),
            "key": key_of(event.originator_id),
            "position": tracking.notification_id,
            "at": event.timestamp,
        }
        self.apply(tracking, *((sql, {**base, **params}) for sql in statements))


class CodesOfPractice(Projection[CodesView]):
    name = NAME
    topics = tuple(
        get_topic(cls)
        for cls in (
            Code.CodeDrafted,
            Code.CodeAdopted,
            Code.CodeReviewed,
            Code.CodeMergedInto,
            Code.CodeAbsorbed,
            Code.CodeWithdrawn,
            Code.CodeEndorsed,
        )
    )

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: Code.CodeDrafted, tracking: Tracking) -> None:
        self.view.changed(
            tracking, e, DRAFTED, SET_MATTERS, title=e.title, lead=e.lead, on=e.drafted_on, matters=e.matters
        )

    @process_event.register
    def _(self, e: Code.CodeAdopted, tracking: Tracking) -> None:
        # Adoption fixes the matters the code covers from that day.
        self.view.changed(
            tracking,
            e,
            ADOPTED,
            CLEAR_MATTERS,
            SET_MATTERS,
            on=e.adopted_on,
            title=e.title,
            matters=e.matters,
        )

    @process_event.register
    def _(self, e: Code.CodeReviewed, tracking: Tracking) -> None:
        self.view.changed(tracking, e, REVIEWED, on=e.reviewed_on, due=e.next_review_due)

    @process_event.register
    def _(self, e: Code.CodeMergedInto, tracking: Tracking) -> None:
        self.view.changed(tracking, e, MERGED, on=e.on, into=e.into)

    @process_event.register
    def _(self, e: Code.CodeAbsorbed, tracking: Tracking) -> None:
        self.view.changed(tracking, e, SET_MATTERS, on=e.on, matters=e.matters_added)

    @process_event.register
    def _(self, e: Code.CodeWithdrawn, tracking: Tracking) -> None:
        self.view.changed(tracking, e, WITHDRAWN, on=e.on, reason=e.reason)

    @process_event.register
    def _(self, e: Code.CodeEndorsed, tracking: Tracking) -> None:
        self.view.changed(tracking, e, ENDORSED, party=e.party, on=e.on)


def _of_a_code_shown(table: str) -> str:
    """A code's matters and endorsements show where the code does (its own policy applies in the query)."""
    return f"EXISTS (SELECT 1 FROM codes c WHERE c.tenant_id = {table}.tenant_id AND c.key = {table}.key)"


# Its tables (codes_of_practice.sql), in the order its view writes them. A code that was never adopted is
# a draft: its own tenant's business until adopted.
READ_MODEL = ProjectionSpec(
    CodesOfPractice,
    CodesView,
    tables=(
        Table("codes", order_by="tenant_id, key", readers=f"adopted_on IS NOT NULL OR {MEMBERS}"),
        Table("code_matters", order_by="tenant_id, key, matter", readers=_of_a_code_shown("code_matters")),
        Table(
            "code_endorsements",
            order_by="tenant_id, key, party",
            readers=_of_a_code_shown("code_endorsements"),
        ),
    ),
)


# The read side.


@dataclass(frozen=True)
class CodeRow:
    key: str
    title: str
    status: str
    matters: list[str]
    adopted_on: date | None
    lead: str | None
    next_review_due: date | None
    superseded_by: str | None
    endorsed_by: list[str]


# The state on a date follows from the dates: superseded, withdrawn, adopted, else in development.
# $3 is "as recorded at": a change recorded later than that is not yet known.
CODES_ON = """
SELECT c.tenant_id, c.key, c.title, c.lead,
       CASE WHEN c.superseded_on <= $2 AND c.superseded_recorded_at <= $3 THEN 'SUPERSEDED'
            WHEN c.withdrawn_on <= $2 AND c.withdrawn_recorded_at <= $3 THEN 'WITHDRAWN'
            WHEN c.adopted_on <= $2 AND c.adopted_recorded_at <= $3 THEN 'ADOPTED'
            ELSE 'IN_DEVELOPMENT' END AS status,
       CASE WHEN c.adopted_on <= $2 AND c.adopted_recorded_at <= $3 THEN c.adopted_on END AS adopted_on,
       CASE WHEN c.reviewed_on <= $2 THEN c.next_review_due END AS next_review_due,
       CASE WHEN c.superseded_on <= $2 AND c.superseded_recorded_at <= $3 THEN c.superseded_by END
           AS superseded_by,
       coalesce((SELECT array_agg(m.matter ORDER BY m.matter) FROM code_matters m
                 WHERE m.tenant_id = c.tenant_id AND m.key = c.key AND m.from_on <= $2
                   AND m.recorded_at <= $3), '{}') AS matters,
       coalesce((SELECT array_agg(e.party ORDER BY e.party) FROM code_endorsements e
                 WHERE e.tenant_id = c.tenant_id AND e.key = c.key AND e.endorsed_on <= $2
                   AND e.recorded_at <= $3), '{}') AS endorsed_by
FROM codes c
WHERE c.tenant_id = ANY($1::text[]) AND c.drafted_on <= $2 AND c.drafted_recorded_at <= $3
ORDER BY c.tenant_id, c.key
"""


async def codes_on(
    conn: asyncpg.Connection, tenants: list[str], on: date, recorded: datetime = LATEST
) -> dict[str, list[CodeRow]]:
    found: dict[str, list[CodeRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(CODES_ON, tenants, on, recorded):
        found[r["tenant_id"]].append(
            CodeRow(
                key=r["key"],
                title=r["title"],
                status=r["status"],
                matters=list(r["matters"]),
                adopted_on=r["adopted_on"],
                lead=r["lead"],
                next_review_due=r["next_review_due"],
                superseded_by=r["superseded_by"],
                endorsed_by=list(r["endorsed_by"]),
            )
        )
    return found
