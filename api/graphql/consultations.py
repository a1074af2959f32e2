"""Consultations in GraphQL: who is consulted and for how long, responses, feedback, and their mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context, Loaders
from api.graphql.run import Reader, execute
from api.graphql.text import Commitment, Period, referenced
from domain import commands
from domain.commitments import GovernedBy
from domain.consultations import ShortPeriodReason
from domain.tenancy import Tier
from projections.consultations import ConsultationRow


@strawberry.type(description="A response to a consultation (private to the tenant).")
class ConsultationResponse:
    respondent: str
    received_on: date
    summary: str


@strawberry.type(
    description="A consultation: who is consulted, for how long, the responses and the feedback."
)
class Consultation:
    key: str
    title: str
    consulted: list[str]
    opens_on: date
    closes_on: date
    weeks: float
    minimum: Period | None = strawberry.field(
        description="The period the consultation commitment governing it on its opening day sets; null "
        "where none does."
    )
    short: bool = strawberry.field(description="Shorter than that period.")
    uniform_at: str | None = strawberry.field(
        description="The tier whose uniform rule was at stake (a national programme applied locally), if any."
    )
    short_reason: ShortPeriodReason | None
    short_explanation: str | None
    closed_on: date | None
    feedback_on: date | None
    feedback: str | None
    responses: list[ConsultationResponse] | None = strawberry.field(
        description="For the tenant's members only, else null."
    )
    governed_by_ref: strawberry.Private[GovernedBy | None]

    @strawberry.field(
        description="The consultation commitment it was opened under; null where none governed."
    )
    async def governed_by(self, info: Info[Context, None]) -> Commitment | None:
        return await referenced(info, self.governed_by_ref)

    @classmethod
    def from_row(cls, row: ConsultationRow, members: bool) -> Consultation:
        return cls(
            key=row.key,
            title=row.title,
            consulted=row.consulted,
            opens_on=row.opens_on,
            closes_on=row.closes_on,
            weeks=round(row.weeks, 1),
            minimum=Period.of(row.minimum),
            short=row.short,
            uniform_at=row.uniform_at,
            governed_by_ref=row.governed_by,
            short_reason=ShortPeriodReason(row.short_reason) if row.short_reason else None,
            short_explanation=row.short_explanation,
            closed_on=row.closed_on,
            feedback_on=row.feedback_on,
            feedback=row.feedback,
            responses=[
                ConsultationResponse(respondent=r.respondent, received_on=r.received_on, summary=r.summary)
                for r in row.responses
            ]
            if members
            else None,
        )


def consultation(tenant: str, key: str, members: bool) -> Reader[Consultation]:
    async def read(loaders: Loaders) -> Consultation | None:
        rows = await loaders.consultations.load(tenant)
        return next((Consultation.from_row(r, members) for r in rows if r.key == key), None)

    return read


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Open a consultation, judged by the consultation commitment governing its opening day; "
        "one shorter than the period that commitment sets shows in compliance until its reason is recorded."
    )
    async def open_consultation(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        title: str,
        consulted: list[str],
        opens_on: date,
        closes_on: date,
        short_reason: ShortPeriodReason | None = None,
        short_explanation: str | None = None,
        uniform_at: Tier | None = None,
    ) -> Consultation:
        ctx = info.context
        command = commands.OpenConsultation(
            tenant=tenant,
            key=key,
            title=title,
            consulted=tuple(consulted),
            opens_on=opens_on,
            closes_on=closes_on,
            short_reason=short_reason,
            short_explanation=short_explanation,
            uniform_at=uniform_at,
        )
        read = consultation(tenant, key, ctx.actor.can_audit(tenant))
        what = f"The consultation '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.consultations.open, command, read, what)

    @strawberry.mutation(description="Record a response received while a consultation was open.")
    async def record_consultation_response(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        respondent: str,
        received_on: date,
        summary: str,
    ) -> Consultation:
        ctx = info.context
        command = commands.RecordConsultationResponse(
            tenant=tenant, key=key, respondent=respondent, received_on=received_on, summary=summary
        )
        read = consultation(tenant, key, ctx.actor.can_audit(tenant))
        what = f"The consultation '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.consultations.record_response, command, read, what)

    @strawberry.mutation(description="Close a consultation on or after its announced closing date.")
    async def close_consultation(
        self, info: Info[Context, None], tenant: str, key: str, on: date
    ) -> Consultation:
        ctx = info.context
        command = commands.CloseConsultation(tenant=tenant, key=key, on=on)
        read = consultation(tenant, key, ctx.actor.can_audit(tenant))
        what = f"The consultation '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.consultations.close, command, read, what)

    @strawberry.mutation(
        description="Record why a consultation ran for less than the period its governing commitment sets."
    )
    async def explain_short_consultation(
        self, info: Info[Context, None], tenant: str, key: str, reason: ShortPeriodReason, explanation: str
    ) -> Consultation:
        ctx = info.context
        command = commands.ExplainShortConsultation(
            tenant=tenant, key=key, reason=reason, explanation=explanation
        )
        read = consultation(tenant, key, ctx.actor.can_audit(tenant))
        what = f"The consultation '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.consultations.explain_short_period, command, read, what)

    @strawberry.mutation(
        description="Publish the feedback of a closed consultation: what was heard, what changed."
    )
    async def publish_consultation_feedback(
        self, info: Info[Context, None], tenant: str, key: str, on: date, feedback: str
    ) -> Consultation:
        ctx = info.context
        command = commands.PublishConsultationFeedback(tenant=tenant, key=key, on=on, feedback=feedback)
        read = consultation(tenant, key, ctx.actor.can_audit(tenant))
        what = f"The consultation '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.consultations.publish_feedback, command, read, what)
