"""Each tenant's consultations with their periods, responses (private) and feedback."""

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
from domain.consultations import Consultation
from domain.events import RegistryEvent, key_of, tenant_of
from projections.base import MEMBERS, ProjectionSpec, ReadModelView, Table, json_object

NAME = "consultations"

OPENED = """
INSERT INTO consultations (tenant_id, key, title, consulted, opens_on, closes_on, minimum_amount,
                           minimum_unit, governed_by, uniform_at, short_reason, short_explanation)
VALUES (%(tenant)s, %(key)s, %(title)s, %(consulted)s, %(opens_on)s, %(closes_on)s, %(minimum_amount)s,
        %(minimum_unit)s, %(governed_by)s, %(uniform_at)s, %(short_reason)s, %(short_explanation)s)
"""
RESPONDED = """
INSERT INTO consultation_responses (tenant_id, key, respondent, received_on, summary)
VALUES (%(tenant)s, %(key)s, %(respondent)s, %(on)s, %(summary)s)
"""
CLOSED = "UPDATE consultations SET closed_on = %(on)s WHERE tenant_id = %(tenant)s AND key = %(key)s"
EXPLAINED = """
UPDATE consultations SET short_reason = %(reason)s, short_explanation = %(explanation)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""
FED_BACK = """
UPDATE consultations SET feedback_on = %(on)s, feedback = %(feedback)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""


class ConsultationsView(ReadModelView):
    projection_name = NAME

    def changed(self, tracking: Tracking, event: RegistryEvent, sql: str, **params: object) -> None:
        self.apply(
            tracking,
            (sql, {"tenant": tenant_of(event.originator_id), "key": key_of(event.originator_id), **params}),
        )


class Consultations(Projection[ConsultationsView]):
    name = NAME
    topics = tuple(
        get_topic(cls)
        for cls in (
            Consultation.ConsultationOpened,
            Consultation.ConsultationResponseRecorded,
            Consultation.ConsultationClosed,
            Consultation.ShortPeriodExplained,
            Consultation.ConsultationFeedbackPublished,
        )
    )

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: Consultation.ConsultationOpened, tracking: Tracking) -> None:
        self.view.changed(
            tracking,
            e,
            OPENED,
            title=e.title,
            consulted=e.consulted,
            opens_on=e.opens_on,
            closes_on=e.closes_on,
            minimum_amount=e.minimum["amount"] if e.minimum else None,
            minimum_unit=e.minimum["unit"] if e.minimum else None,
            governed_by=Jsonb(e.governed_by) if e.governed_by else None,
            uniform_at=e.uniform_at,
            short_reason=e.short_reason,
            short_explanation=e.short_explanation,
        )

    @process_event.register
    def _(self, e: Consultation.ConsultationResponseRecorded, tracking: Tracking) -> None:
        self.view.changed(
            tracking, e, RESPONDED, respondent=e.respondent, on=e.received_on, summary=e.summary
        )

    @process_event.register
    def _(self, e: Consultation.ConsultationClosed, tracking: Tracking) -> None:
        self.view.changed(tracking, e, CLOSED, on=e.on)

    @process_event.register
    def _(self, e: Consultation.ShortPeriodExplained, tracking: Tracking) -> None:
        self.view.changed(tracking, e, EXPLAINED, reason=e.reason, explanation=e.explanation)

    @process_event.register
    def _(self, e: Consultation.ConsultationFeedbackPublished, tracking: Tracking) -> None:
        self.view.changed(tracking, e, FED_BACK, on=e.on, feedback=e.feedback)


# Its tables (consultations.sql), in the order its view writes them. A consultation announced ahead of its
# opening day is the tenant's own business until then; the responses are always.
READ_MODEL = ProjectionSpec(
    Consultations,
    ConsultationsView,
    tables=(
        Table(
            "consultations",
            order_by="tenant_id, key",
            readers=f"opens_on <= (now() AT TIME ZONE 'Europe/London')::date OR {MEMBERS}",
        ),
        Table("consultation_responses", order_by="tenant_id, key, respondent", readers=MEMBERS),
    ),
)


@dataclass(frozen=True)
class ResponseRow:
    respondent: str
    received_on: date
    summary: str


@dataclass(frozen=True)
class ConsultationRow:
    key: str
    title: str
    consulted: list[str]
    opens_on: date
    closes_on: date
    minimum: Period | None  # from the commitment that governed when it opened; None where none set one
    governed_by: GovernedBy | None
    uniform_at: str | None
    short_reason: str | None
    short_explanation: str | None
    closed_on: date | None
    feedback_on: date | None
    feedback: str | None
    # Responses are private: the count and the list are what row-level security lets the reader see.
    responses: list[ResponseRow]

    @property
    def weeks(self) -> float:
        return (self.closes_on - self.opens_on).days / 7

    @property
    def short(self) -> bool:
        """Shorter than the period its governing commitment sets; never where none sets one."""
        return self.minimum is not None and self.closes_on < self.minimum.after(self.opens_on)


async def consultations_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[ConsultationRow]]:
    responses: dict[tuple[str, str], list[ResponseRow]] = {}
    for r in await conn.fetch(
        "SELECT * FROM consultation_responses WHERE tenant_id = ANY($1::text[]) "
        "ORDER BY received_on, respondent",
        tenants,
    ):
        responses.setdefault((r["tenant_id"], r["key"]), []).append(
            ResponseRow(r["respondent"], r["received_on"], r["summary"])
        )
    found: dict[str, list[ConsultationRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(
        "SELECT * FROM consultations WHERE tenant_id = ANY($1::text[]) ORDER BY opens_on, key", tenants
    ):
        found[r["tenant_id"]].append(
            ConsultationRow(
                key=r["key"],
                title=r["title"],
                consulted=list(r["consulted"]),
                opens_on=r["opens_on"],
                closes_on=r["closes_on"],
                minimum=Period.from_dict({"amount": r["minimum_amount"], "unit": r["minimum_unit"]})
                if r["minimum_amount"] is not None
                else None,
                governed_by=GovernedBy.from_dict(json_object(r["governed_by"])),
                uniform_at=r["uniform_at"],
                short_reason=r["short_reason"],
                short_explanation=r["short_explanation"],
                closed_on=r["closed_on"],
                feedback_on=r["feedback_on"],
                feedback=r["feedback"],
                responses=responses.get((r["tenant_id"], r["key"]), []),
            )
        )
    return found
