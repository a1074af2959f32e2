"""Disputes in GraphQL (private to the tenant): their steps and deadlines, referrals, and their mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.context import Context, Loaders
from api.graphql.run import Reader, execute
from api.graphql.text import Commitment, DisputeStep, referenced
from domain import commands
from domain.clock import today
from domain.commitments import DisputeStage, GovernedBy
from domain.disputes import DisputeStatus
from projections.disputes import DisputeRow, ReferralRow


@strawberry.type(description="One step a dispute went through, with its deadline where the compact sets one.")
class DisputeStageRecord:
    stage: DisputeStage
    started_on: date
    deadline_on: date | None = strawberry.field(
        description="Null where the dispute process that governs sets no time limit for this step."
    )
    ended_on: date | None
    handled_by: str | None
    reason: str | None
    overdue: bool = strawberry.field(
        description="Past its deadline: still running after it, or ended after it."
    )


@strawberry.type(description="A party referred to the compact board for working outside the commitments.")
class BoardReferral:
    party: str
    referred_on: date
    finding: str
    dispute: str | None = strawberry.field(description="The dispute it came out of, if any.")

    @classmethod
    def from_row(cls, row: ReferralRow) -> BoardReferral:
        return cls(party=row.party, referred_on=row.referred_on, finding=row.finding, dispute=row.dispute)


@strawberry.type(
    description="A dispute between two signed parties about a commitment (private to the tenant)."
)
class Dispute:
    key: str
    raised_by: str
    against: str
    commitment: str
    summary: str
    raised_on: date
    status: DisputeStatus
    stage: DisputeStage
    closed_on: date | None
    outcome: str | None
    stages: list[DisputeStageRecord]
    referrals: list[BoardReferral]
    steps: list[DisputeStep] = strawberry.field(
        description="The steps of the process it follows: the governing commitment's, or the registry's "
        "three, with no time limits, where nothing governs."
    )
    governed_by_ref: strawberry.Private[GovernedBy | None]

    @strawberry.field(
        description="The dispute process it follows; null where no compact up the chain sets one."
    )
    async def governed_by(self, info: Info[Context, None]) -> Commitment | None:
        return await referenced(info, self.governed_by_ref)

    @classmethod
    def from_row(cls, row: DisputeRow, on: date) -> Dispute:
        return cls(
            key=row.key,
            raised_by=row.raised_by,
            against=row.against,
            commitment=row.commitment,
            summary=row.summary,
            raised_on=row.raised_on,
            status=DisputeStatus(row.status),
            stage=DisputeStage(row.stage),
            closed_on=row.closed_on,
            outcome=row.outcome,
            stages=[
                DisputeStageRecord(
                    stage=DisputeStage(s.stage),
                    started_on=s.started_on,
                    deadline_on=s.deadline_on,
                    ended_on=s.ended_on,
                    handled_by=s.handled_by,
                    reason=s.reason,
                    overdue=s.overdue_on(on),
                )
                for s in row.stages
            ],
            referrals=[BoardReferral.from_row(r) for r in row.referrals],
            steps=[DisputeStep.of(s) for s in row.steps],
            governed_by_ref=row.governed_by,
        )


def dispute(tenant: str, key: str) -> Reader[Dispute]:
    async def read(loaders: Loaders) -> Dispute | None:
        rows = await loaders.disputes.load(tenant)
        return next((Dispute.from_row(r, today()) for r in rows if r.key == key), None)

    return read


def latest_referral(tenant: str) -> Reader[BoardReferral]:
    async def read(loaders: Loaders) -> BoardReferral | None:
        rows = await loaders.referrals.load(tenant)
        return BoardReferral.from_row(rows[-1]) if rows else None

    return read


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Record a dispute raised by one signed party against another; it follows the dispute "
        "process that governs on the day, with any time limits that process sets."
    )
    async def raise_dispute(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        raised_by: str,
        against: str,
        commitment: str,
        summary: str,
        raised_on: date,
    ) -> Dispute:
        ctx = info.context
        command = commands.RaiseDispute(
            tenant=tenant,
            key=key,
            raised_by=raised_by,
            against=against,
            commitment=commitment,
            summary=summary,
            raised_on=raised_on,
        )
        what = f"The dispute '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.disputes.raise_dispute, command, dispute(tenant, key), what)

    @strawberry.mutation(
        description="Take a dispute to the next step of its process, with who handles it and why."
    )
    async def escalate_dispute(
        self,
        info: Info[Context, None],
        tenant: str,
        key: str,
        to: DisputeStage,
        on: date,
        handled_by: str,
        reason: str,
    ) -> Dispute:
        ctx = info.context
        command = commands.EscalateDispute(
            tenant=tenant, key=key, to=to, on=on, handled_by=handled_by, reason=reason
        )
        what = f"The dispute '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.disputes.escalate, command, dispute(tenant, key), what)

    @strawberry.mutation(description="Record a dispute resolved at its current stage, with the outcome.")
    async def resolve_dispute(
        self, info: Info[Context, None], tenant: str, key: str, on: date, outcome: str
    ) -> Dispute:
        ctx = info.context
        command = commands.ResolveDispute(tenant=tenant, key=key, on=on, outcome=outcome)
        what = f"The dispute '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.disputes.resolve, command, dispute(tenant, key), what)

    @strawberry.mutation(description="Record a dispute withdrawn, with the outcome.")
    async def withdraw_dispute(
        self, info: Info[Context, None], tenant: str, key: str, on: date, outcome: str
    ) -> Dispute:
        ctx = info.context
        command = commands.WithdrawDispute(tenant=tenant, key=key, on=on, outcome=outcome)
        what = f"The dispute '{key}' of '{tenant}'"
        return await execute(ctx, ctx.services.disputes.withdraw, command, dispute(tenant, key), what)

    @strawberry.mutation(
        description="Refer a signed party found working outside the commitments to the compact's board, "
        "with or without a dispute (Harrow, 'Keeping the Compact Live')."
    )
    async def refer_party_to_board(
        self,
        info: Info[Context, None],
        tenant: str,
        party: str,
        on: date,
        finding: str,
        dispute: str | None = None,
    ) -> BoardReferral:
        ctx = info.context
        command = commands.ReferPartyToBoard(
            tenant=tenant, party=party, on=on, finding=finding, dispute=dispute
        )
        what = f"The referral of '{party}' in '{tenant}'"
        return await execute(
            ctx, ctx.services.compacts.refer_to_board, command, latest_referral(tenant), what
        )
