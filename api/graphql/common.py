"""What every GraphQL feature shares: the domain's enums as GraphQL enums, dates asked about, pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import strawberry

from api.graphql.context import Moment
from domain import (
    codes,
    commitments,
    consultations,
    disputes,
    funding_notices,
    register,
    steering_group,
    tenancy,
)
from domain.clock import today
from domain.errors import InvalidInput
from projections.base import LATEST

# The domain's own enums, served as they are: GraphQL names them, and no copy can drift from them.
strawberry.enum(
    tenancy.Tier, description="The level of a compact; a London borough is DISTRICT under REGIONAL."
)
strawberry.enum(register.Sector, description="Which side of the compact a party signs for.")
strawberry.enum(register.BodyKind, description="What kind of body a party is.")
strawberry.enum(codes.CodeStatus, description="Where a Code of Good Practice stands on a date.")
strawberry.enum(steering_group.SteeringRole, description="A steering group role.")
strawberry.enum(disputes.DisputeStatus, description="Where a dispute stands.")
strawberry.enum(
    consultations.ShortPeriodReason,
    description="Why a consultation may be shorter than the compact's minimum period.",
)
strawberry.enum(funding_notices.FundingChange, description="What a funding-change notice announces.")
strawberry.enum(commitments.CommitmentKind, description="The kinds of undertaking a compact makes.")
strawberry.enum(
    commitments.Firmness, description="IN_FORCE: undertaken now. PLANNED: only promised; it governs nothing."
)
strawberry.enum(commitments.PeriodUnit, description="The unit of a period a compact sets.")
strawberry.enum(
    commitments.DisputeStage,
    description="The kinds of step a dispute process takes, in the order they follow.",
)

MAX_PAGE = 100

RecordedAt = Annotated[
    datetime | None,
    strawberry.argument(
        description="Answer from the events recorded up to this moment (for auditors); default: all of them."
    ),
]


def moment(tenant: str, as_of: date | None, recorded_at: datetime | None) -> Moment:
    """The loader key of a read: in force on `as_of` (default today), as recorded at `recorded_at`."""
    if recorded_at is not None and recorded_at.tzinfo is None:
        raise InvalidInput("Give `recordedAt` with its offset, for example 2010-05-01T12:00:00+01:00.")
    return (tenant, as_of or today(), recorded_at or LATEST)


@strawberry.type(description="Where a page starts and ends, and whether others come before or after it.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = strawberry.field(
        default=False, description="Whether the page was asked for after a cursor: others come before it."
    )
    start_cursor: str | None = None
