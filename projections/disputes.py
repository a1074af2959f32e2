"""Each tenant's disputes, step by step with any deadlines, and referrals to the board (private)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from psycopg.types.json import Jsonb

from domain.commitments import DisputeStep, GovernedBy
from domain.disputes import Dispute, process_steps
from domain.events import RegistryEvent, key_of, tenant_of
from domain.register import Register
from projections.base import MEMBERS, ProjectionSpec, ReadModelView, Table, json_object, json_objects

NAME = "disputes"

RAISED = """
INSERT INTO disputes
    (tenant_id, key, raised_by, against, commitment, summary, raised_on, status, stage, steps, governed_by)
VALUES (%(tenant)s, %(key)s, %(raised_by)s, %(against)s, %(commitment)s, %(summary)s, %(on)s, 'OPEN',
        %(stage)s, %(steps)s, %(governed_by)s)
"""
STAGE_STARTED = """
INSERT INTO dispute_stages (tenant_id, key, stage, started_on, deadline_on, handled_by, reason)
VALUES (%(tenant)s, %(key)s, %(stage)s, %(on)s, %(deadline_on)s, %(handled_by)s, %(reason)s)
"""
STAGE_ENDED = """
UPDATE dispute_stages SET ended_on = %(on)s
WHERE tenant_id = %(tenant)s AND key = %(key)s AND ended_on IS NULL
"""
MOVED = "UPDATE disputes SET stage = %(stage)s WHERE tenant_id = %(tenant)s AND key = %(key)s"
CLOSED = """
UPDATE disputes SET status = %(status)s, closed_on = %(on)s, outcome = %(outcome)s
WHERE tenant_id = %(tenant)s AND key = %(key)s
"""
REFERRED = """
INSERT INTO board_referrals (tenant_id, position, party, referred_on, finding, dispute)
VALUES (%(tenant)s, %(position)s, %(party)s, %(on)s, %(finding)s, %(dispute)s)
"""


class DisputesView(ReadModelView):
    projection_name = NAME

    def changed(self, tracking: Tracking, event: RegistryEvent, *statements: str, **params: object) -> None:
        base = {"tenant": tenant_of(event.originator_id), "key": key_of(event.originator_id)}
        self.apply(tracking, *((sql, {**base, **params}) for sql in statements))


class Disputes(Projection[DisputesView]):
    name = NAME
    topics = tuple(
        get_topic(cls)
        for cls in (
            Dispute.DisputeRaised,
            Dispute.DisputeEscalated,
            Dispute.DisputeResolved,
            Dispute.DisputeWithdrawn,
            Dispute.PartyReferredToBoard,
            Register.PartyReferredToBoard,
        )
    )

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: Dispute.DisputeRaised, tracking: Tracking) -> None:
        steps = process_steps([DisputeStep.from_dict(s) for s in e.steps])
        self.view.changed(
            tracking,
            e,
            RAISED,
            STAGE_STARTED,
            raised_by=e.raised_by,
            against=e.against,
            commitment=e.commitment,
            summary=e.summary,
            on=e.raised_on,
            stage=steps[0].stage.value,
            steps=Jsonb([s.as_dict() for s in steps]),
            governed_by=Jsonb(e.governed_by) if e.governed_by else None,
            deadline_on=e.deadline_on,
            handled_by=None,
            reason=None,
        )

    @process_event.register
    def _(self, e: Dispute.DisputeEscalated, tracking: Tracking) -> None:
        # The stage before ends on the day the next begins.
        self.view.changed(
            tracking,
            e,
            STAGE_ENDED,
            STAGE_STARTED,
            MOVED,
            stage=e.stage,
            on=e.on,
            deadline_on=e.deadline_on,
            handled_by=e.handled_by,
            reason=e.reason,
        )

    @process_event.register
    def _(self, e: Dispute.DisputeResolved, tracking: Tracking) -> None:
        self.view.changed(tracking, e, STAGE_ENDED, CLOSED, status="RESOLVED", on=e.on, outcome=e.outcome)

    @process_event.register
    def _(self, e: Dispute.DisputeWithdrawn, tracking: Tracking) -> None:
        self.view.changed(tracking, e, STAGE_ENDED, CLOSED, status="WITHDRAWN", on=e.on, outcome=e.outcome)

    @process_event.register
    def _(self, e: Dispute.PartyReferredToBoard, tracking: Tracking) -> None:
        # Recorded on a dispute before referrals were the register's: the dispute is the aggregate's key.
        self.view.changed(
            tracking, e, REFERRED, party=e.party, on=e.on, finding=e.finding,
            dispute=key_of(e.originator_id), position=tracking.notification_id,
        )  # fmt: skip

    @process_event.register
    def _(self, e: Register.PartyReferredToBoard, tracking: Tracking) -> None:
        self.view.changed(
            tracking, e, REFERRED, party=e.party, on=e.on, finding=e.finding, dispute=e.dispute,
            position=tracking.notification_id,
        )  # fmt: skip


# Its tables (disputes.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    Disputes,
    DisputesView,
    tables=(
        Table("disputes", order_by="tenant_id, key", readers=MEMBERS),
        Table("dispute_stages", order_by="tenant_id, key, stage", readers=MEMBERS),
        Table("board_referrals", order_by="tenant_id, position", readers=MEMBERS),
    ),
)


# The read side. Row-level security shows these rows only to the tenant's members.


@dataclass(frozen=True)
class StageRow:
    stage: str
    started_on: date
    deadline_on: date | None  # only where the dispute's process sets a time limit
    ended_on: date | None
    handled_by: str | None
    reason: str | None

    def overdue_on(self, on: date) -> bool:
        """Still running on `on` (or ended after its deadline) and past its deadline; never without one."""
        if self.deadline_on is None:
            return False
        end = self.ended_on if self.ended_on is not None and self.ended_on <= on else on
        return self.started_on <= on and end > self.deadline_on


@dataclass(frozen=True)
class ReferralRow:
    party: str
    referred_on: date
    finding: str
    dispute: str | None = None


@dataclass(frozen=True)
class DisputeRow:
    key: str
    raised_by: str
    against: str
    commitment: str
    summary: str
    raised_on: date
    status: str
    stage: str
    closed_on: date | None
    outcome: str | None
    stages: list[StageRow] = field(default_factory=list)
    referrals: list[ReferralRow] = field(default_factory=list)
    steps: list[DisputeStep] = field(default_factory=list)  # the process it follows
    governed_by: GovernedBy | None = None


async def disputes_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[DisputeRow]]:
    """Every dispute the reader may see, oldest first, with its stages and referrals."""
    stages: dict[tuple[str, str], list[StageRow]] = {}
    for r in await conn.fetch(
        "SELECT * FROM dispute_stages WHERE tenant_id = ANY($1::text[]) ORDER BY started_on, stage", tenants
    ):
        stages.setdefault((r["tenant_id"], r["key"]), []).append(
            StageRow(
                r["stage"], r["started_on"], r["deadline_on"], r["ended_on"], r["handled_by"], r["reason"]
            )
        )
    referrals: dict[tuple[str, str], list[ReferralRow]] = {}
    for r in await conn.fetch(
        "SELECT * FROM board_referrals WHERE tenant_id = ANY($1::text[]) AND dispute IS NOT NULL "
        "ORDER BY referred_on, position",
        tenants,
    ):
        referrals.setdefault((r["tenant_id"], r["dispute"]), []).append(
            ReferralRow(r["party"], r["referred_on"], r["finding"], r["dispute"])
        )
    found: dict[str, list[DisputeRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(
        "SELECT * FROM disputes WHERE tenant_id = ANY($1::text[]) ORDER BY raised_on, key", tenants
    ):
        k = (r["tenant_id"], r["key"])
        found[r["tenant_id"]].append(
            DisputeRow(
                key=r["key"],
                raised_by=r["raised_by"],
                against=r["against"],
                commitment=r["commitment"],
                summary=r["summary"],
                raised_on=r["raised_on"],
                status=r["status"],
                stage=r["stage"],
                closed_on=r["closed_on"],
                outcome=r["outcome"],
                stages=stages.get(k, []),
                referrals=referrals.get(k, []),
                steps=[DisputeStep.from_dict(s) for s in json_objects(r["steps"])],
                governed_by=GovernedBy.from_dict(json_object(r["governed_by"])),
            )
        )
    return found


async def referrals_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[ReferralRow]]:
    """Every referral to the board the reader may see, with or without a dispute, oldest first."""
    found: dict[str, list[ReferralRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(
        "SELECT * FROM board_referrals WHERE tenant_id = ANY($1::text[]) ORDER BY referred_on, position",
        tenants,
    ):
        found[r["tenant_id"]].append(ReferralRow(r["party"], r["referred_on"], r["finding"], r["dispute"]))
    return found
