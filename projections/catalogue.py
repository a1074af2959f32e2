"""Every read model the worker keeps current, in one list, and the whole database's schema made ready."""

from __future__ import annotations

import psycopg
from psycopg import sql

from infra.database import Database
from infra.migrate import migrate as migrate_schema
from projections.amendment_proposals import AmendmentProposals, ProposalsView
from projections.annual_reviews import AnnualReviews, AnnualReviewsView
from projections.base import ProjectionSpec
from projections.codes_of_practice import CodesOfPractice, CodesView
from projections.compact_text import CompactText, CompactTextView
from projections.consultations import Consultations, ConsultationsView
from projections.disputes import Disputes, DisputesView
from projections.funding_notices import FundingNotices, FundingNoticesView
from projections.register_of_parties import RegisterOfParties, RegisterView
from projections.steering_group import SteeringGroupProjection, SteeringGroupView
from projections.tenant_directory import TenantDirectory, TenantDirectoryView
from projections.tenant_history import TenantHistory, TenantHistoryView
from projections.views import create_view_tables

# Any fixed number will do; it only has to differ from the schema's and the projections' lock keys.
TRACKING_LOCK_KEY = 7_100_003

PROJECTIONS: tuple[ProjectionSpec, ...] = (
    ProjectionSpec(TenantDirectory, TenantDirectoryView),
    ProjectionSpec(CompactText, CompactTextView),
    ProjectionSpec(RegisterOfParties, RegisterView),
    ProjectionSpec(CodesOfPractice, CodesView),
    ProjectionSpec(SteeringGroupProjection, SteeringGroupView),
    ProjectionSpec(AmendmentProposals, ProposalsView),
    ProjectionSpec(AnnualReviews, AnnualReviewsView),
    ProjectionSpec(Disputes, DisputesView),
    ProjectionSpec(Consultations, ConsultationsView),
    ProjectionSpec(FundingNotices, FundingNoticesView),
    ProjectionSpec(TenantHistory, TenantHistoryView),
)


def projections_for(topics: tuple[str, ...]) -> list[ProjectionSpec]:
    """The read models that a command's events change, which its response must wait for."""
    wanted = set(topics)
    # A read model with no topics takes every event (the tenant history).
    return [p for p in PROJECTIONS if not p.topics or wanted & set(p.topics)]


def migrate(db: Database, reader_password: str | None = None) -> None:
    """The database made ready: the schema and event store (infra), then every read model's tracking table.

    Safe to run from many processes at once: each half runs under an advisory lock of its own.
    """
    migrate_schema(db, reader_password)
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (TRACKING_LOCK_KEY,))
        try:
            create_view_tables(db, PROJECTIONS)
            for spec in PROJECTIONS:
                table = sql.Identifier(spec.tracking_table)
                conn.execute(sql.SQL("GRANT SELECT ON {} TO compacts_reader").format(table))
                conn.execute(
                    sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO compacts_worker").format(table)
                )
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (TRACKING_LOCK_KEY,))
