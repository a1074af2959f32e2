"""What every GraphQL feature shares: the domain's enums as GraphQL enums, dates asked about, pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

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
DEFAULT_PAGE = 50

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
    has_next_page: bool = strawberry.field(
        description="Whether more follow: after a page asked for with `first`, or when `before` was given."
    )
    end_cursor: str | None = strawberry.field(description="The last edge's cursor: ask for `after` it.")
    has_previous_page: bool = strawberry.field(
        default=False,
        description="Whether others come before: before a page asked for with `last`, or when `after` was "
        "given.",
    )
    start_cursor: str | None = strawberry.field(
        default=None, description="The first edge's cursor: ask for `last` edges `before` it."
    )


@dataclass(frozen=True)
class Page:
    """What a connection was asked for: `size` edges between the cursors, the last of them when `backward`."""

    size: int
    after: str | None
    before: str | None
    backward: bool

    def info(self, cursors: list[str], more: bool) -> PageInfo:
        """Relay's PageInfo for the cursors of the page's edges and whether more lie past its far end."""
        return PageInfo(
            has_next_page=self.before is not None if self.backward else more,
            end_cursor=cursors[-1] if cursors else None,
            has_previous_page=more if self.backward else self.after is not None,
            start_cursor=cursors[0] if cursors else None,
        )


def page_asked(
    info: Info[Any, Any], first: int | None, last: int | None, after: str | None, before: str | None
) -> Page:
    """Relay's arguments read: `first` edges from the start or after `after`; or the `last` edges, before
    `before` or at the end. `first` has a default, so only a `first` written in the query clashes with
    `last`."""
    if last is not None:
        if any(f.arguments.get("first") is not None for f in info.selected_fields if hasattr(f, "arguments")):
            raise InvalidInput("Give `first` (to page forward) or `last` (to page back), not both.")
        _within("last", last)
        return Page(last, after, before, backward=True)
    size = DEFAULT_PAGE if first is None else first
    _within("first", size)
    return Page(size, after, before, backward=False)


def _within(name: str, size: int) -> None:
    if not 1 <= size <= MAX_PAGE:
        raise InvalidInput(f"`{name}` must be between 1 and {MAX_PAGE}.")
