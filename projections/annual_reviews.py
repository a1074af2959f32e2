"""What each annual review of a tenant's compact recorded: achievements, aspirations, issues, amendments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.compact import Compact
from domain.events import tenant_of
from projections.base import ProjectionSpec, ReadModelView, Table

NAME = "annual_reviews"

HELD = """
INSERT INTO annual_reviews (tenant_id, held_on, achievements, aspirations, issues, amendments, recorded_by)
VALUES (%(tenant)s, %(held_on)s, %(achievements)s, %(aspirations)s, %(issues)s, %(amendments)s, %(actor)s)
"""

LESSONS = """
INSERT INTO annual_review_projects
    (tenant_id, held_on, project, went_well, difficult, different_next_time, strategic_issues)
VALUES (%(tenant)s, %(held_on)s, %(project)s, %(went_well)s, %(difficult)s, %(different_next_time)s,
        %(strategic_issues)s)
"""


class AnnualReviewsView(ReadModelView):
    projection_name = NAME


class AnnualReviews(Projection[AnnualReviewsView]):
    name = NAME
    topics = (get_topic(Compact.AnnualReviewHeld), get_topic(Compact.ProjectLessonsRecorded))

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
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

    @process_event.register
    def _(self, e: Compact.ProjectLessonsRecorded, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(e.originator_id),
            "held_on": e.held_on,
            "project": e.project,
            "went_well": e.went_well,
            "difficult": e.difficult,
            "different_next_time": e.different_next_time,
            "strategic_issues": e.strategic_issues,
        }
        self.view.apply(tracking, (LESSONS, params))


# Its tables (annual_reviews.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    AnnualReviews,
    AnnualReviewsView,
    tables=(
        Table("annual_reviews", order_by="tenant_id, held_on"),
        Table("annual_review_projects", order_by="tenant_id, held_on, project"),
    ),
)


@dataclass(frozen=True)
class ProjectRow:
    project: str
    went_well: str
    difficult: str
    different_next_time: str
    strategic_issues: str


@dataclass(frozen=True)
class ReviewRow:
    held_on: date
    achievements: list[str]
    aspirations: list[str]
    issues: list[str]
    amendments: list[str]
    projects: list[ProjectRow] = field(default_factory=list)


async def reviews_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[ReviewRow]]:
    projects: dict[tuple[str, date], list[ProjectRow]] = {}
    for p in await conn.fetch(
        "SELECT * FROM annual_review_projects WHERE tenant_id = ANY($1::text[]) ORDER BY held_on, project",
        tenants,
    ):
        projects.setdefault((p["tenant_id"], p["held_on"]), []).append(
            ProjectRow(
                p["project"], p["went_well"], p["difficult"], p["different_next_time"], p["strategic_issues"]
            )
        )
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
                projects=projects.get((r["tenant_id"], r["held_on"]), []),
            )
        )
    return found
