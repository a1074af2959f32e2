"""What each annual review of a tenant's compact recorded: achievements, aspirations, issues, amendments."""

from __future__ import annotations

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
from projections.base import ReadModelView

NAME = "annual_reviews"

HELD = """
INSERT INTO annual_reviews (tenant_id, held_on, achievements, aspirations, issues, amendments, recorded_by)
VALUES (%(tenant)s, %(held_on)s, %(achievements)s, %(aspirations)s, %(issues)s, %(amendments)s, %(actor)s)
"""


class AnnualReviewsView(ReadModelView):
    projection_name = NAME


class AnnualReviews(Projection[AnnualReviewsView]):
    name = NAME
    topics = (get_topic(Compact.AnnualReviewHeld),)

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, e: Compact.AnnualReviewHeld, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "held_on": e.held_on,
            "achievements": e.achievements,
            "aspirations": e.aspirations,
            "issues": e.issues,
            "amendments": e.amendments,
            "actor": e.actor,
        }
        self.view.apply(tracking, (HELD, params))


@dataclass(frozen=True)
class ReviewRow:
    held_on: date
    achievements: list[str]
    aspirations: list[str]
    issues: list[str]
    amendments: list[str]


async def reviews_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[ReviewRow]]:
    rows = await conn.fetch(
        "SELECT * FROM annual_reviews WHERE tenant_id = ANY($1::text[]) ORDER BY held_on", tenants
    )
    found: dict[str, list[ReviewRow]] = {t: [] for t in tenants}
    for r in rows:
        found[r["tenant_id"]].append(
            ReviewRow(
                held_on=r["held_on"],
                achievements=list(r["achievements"]),
                aspirations=list(r["aspirations"]),
                issues=list(r["issues"]),
                amendments=list(r["amendments"]),
            )
        )
    return found
