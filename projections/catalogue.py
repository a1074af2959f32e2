"""Every read model the worker keeps current, in one list."""

from __future__ import annotations

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
