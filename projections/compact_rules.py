"""Each tenant's current rules for keeping its compact: stage deadlines, consultation and notice periods."""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.compact_rules import DEFAULT_RULES, CompactRules, DisputeStage, Rules
from domain.events import tenant_of
from projections.base import ReadModelView

NAME = "compact_rules"

SET = """
INSERT INTO compact_rules (tenant_id, since, stage_days, consultation_weeks, notice_months, review_months)
VALUES (%(tenant)s, %(since)s, %(stage_days)s, %(consultation_weeks)s, %(notice_months)s, %(review_months)s)
ON CONFLICT (tenant_id) DO UPDATE SET since = EXCLUDED.since, stage_days = EXCLUDED.stage_days,
    consultation_weeks = EXCLUDED.consultation_weeks, notice_months = EXCLUDED.notice_months,
    review_months = EXCLUDED.review_months
"""


class CompactRulesView(ReadModelView):
    projection_name = NAME


class CompactRulesProjection(Projection[CompactRulesView]):
    name = NAME
    topics = (get_topic(CompactRules.RulesSet), get_topic(CompactRules.RulesChanged))

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: CompactRules.RulesSet, tracking: Tracking) -> None:
        self._set(e, tracking)

    @process_event.register
    def _(self, e: CompactRules.RulesChanged, tracking: Tracking) -> None:
        self._set(e, tracking)

    def _set(self, e: CompactRules.RulesSet | CompactRules.RulesChanged, tracking: Tracking) -> None:
        rules = e.rules
        params = {
            "tenant": tenant_of(e.originator_id),
            "since": e.since,
            "stage_days": json.dumps(rules["stage_days"]),
            "consultation_weeks": rules["consultation_weeks"],
            "notice_months": rules["notice_months"],
            "review_months": rules["review_months"],
        }
        self.view.apply(tracking, (SET, params))


async def rules_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, Rules]:
    """Each tenant's rules; the defaults where it has set none."""
    found = dict.fromkeys(tenants, DEFAULT_RULES)
    for r in await conn.fetch("SELECT * FROM compact_rules WHERE tenant_id = ANY($1::text[])", tenants):
        found[r["tenant_id"]] = Rules(
            stage_days={DisputeStage(k): int(v) for k, v in json.loads(r["stage_days"]).items()},
            consultation_weeks=r["consultation_weeks"],
            notice_months=r["notice_months"],
            review_months=r["review_months"],
        )
    return found
