"""Commands on consultations and funding-change notices, checked against the tenant's rules."""

from __future__ import annotations

from datetime import date

from domain.actors import Actor
from domain.commitments import CommitmentKind, Reach, binds, reach
from domain.consultations import (
    Consultation,
    ShortPeriodReason,
    check_consultation_key,
    consultation_id,
    open_consultation,
)
from domain.errors import Conflict, InvalidInput
from domain.funding_notices import FundingChange, FundingNotice, check_notice_key, give_notice, notice_id
from domain.tenancy import Tier
from services.commitments import governed_by
from services.guards import editing, signed_party
from services.registry import Recorded, Registry


class ConsultationService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _missing(self, tenant: str, key: str) -> str:
        return f"'{tenant}' has no consultation '{key}'."

    def open(
        self,
        actor: Actor,
        *,
        tenant: str,
        key: str,
        title: str,
        consulted: list[str],
        opens_on: date,
        closes_on: date,
        short_reason: ShortPeriodReason | None = None,
        short_explanation: str | None = None,
        uniform_at: Tier | None = None,
    ) -> Recorded:
        """Open a consultation, judged by the consultation commitment governing its opening day.

        `uniform_at`: a national (or regional) programme applied locally is at stake, so the walk starts
        at that tier (Essex, section 2).
        """
        who = editing(self.registry, actor, tenant, "open a consultation")
        check_consultation_key(key)
        taken = f"'{tenant}' already has a consultation '{key}'."
        if self.registry.exists(consultation_id(tenant, key)):
            raise Conflict(taken)
        consultation = open_consultation(
            tenant=tenant,
            key=key,
            title=title,
            consulted=consulted,
            opens_on=opens_on,
            closes_on=closes_on,
            governed_by=governed_by(
                self.registry, tenant, CommitmentKind.CONSULTATION_PERIOD, opens_on, uniform_at
            )[0],
            uniform_at=uniform_at.value if uniform_at else None,
            short_reason=short_reason,
            short_explanation=short_explanation,
            actor=who,
        )
        return self.registry.record(consultation, conflict=taken)

    def record_response(
        self, actor: Actor, *, tenant: str, key: str, respondent: str, received_on: date, summary: str
    ) -> Recorded:
        who = editing(self.registry, actor, tenant, "record a consultation response")
        return self.registry.update(
            consultation_id(tenant, key),
            Consultation,
            lambda c: c.record_response(
                respondent=respondent, received_on=received_on, summary=summary, actor=who
            ),
            self._missing(tenant, key),
        )

    def close(self, actor: Actor, *, tenant: str, key: str, on: date) -> Recorded:
        who = editing(self.registry, actor, tenant, "close a consultation")
        return self.registry.update(
            consultation_id(tenant, key),
            Consultation,
            lambda c: c.close(on=on, actor=who),
            self._missing(tenant, key),
        )

    def explain_short_period(
        self, actor: Actor, *, tenant: str, key: str, reason: ShortPeriodReason, explanation: str
    ) -> Recorded:
        who = editing(self.registry, actor, tenant, "explain a short consultation")
        return self.registry.update(
            consultation_id(tenant, key),
            Consultation,
            lambda c: c.explain_short_period(reason=reason, explanation=explanation, actor=who),
            self._missing(tenant, key),
        )

    def publish_feedback(self, actor: Actor, *, tenant: str, key: str, on: date, feedback: str) -> Recorded:
        who = editing(self.registry, actor, tenant, "publish consultation feedback")
        return self.registry.update(
            consultation_id(tenant, key),
            Consultation,
            lambda c: c.publish_feedback(on=on, feedback=feedback, actor=who),
            self._missing(tenant, key),
        )


class FundingNoticeService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def give(
        self,
        actor: Actor,
        *,
        tenant: str,
        key: str,
        public_body: str,
        voluntary_body: str,
        change: FundingChange,
        given_on: date,
        effective_on: date,
        rationale: str,
        exceptional_circumstances: str | None = None,
        uniform_at: Tier | None = None,
    ) -> Recorded:
        """Record a notice from a party the governing funding-notice commitment binds.

        Hertsmere binds public bodies and the bodies distributing funds on the public sector's behalf;
        the register cannot tell who distributes public funds, so where a commitment names them any
        signed party may give notice. Where nothing governs, any signed party may.
        """
        who = editing(self.registry, actor, tenant, "record a funding-change notice")
        check_notice_key(key)
        taken = f"'{tenant}' already has a funding notice '{key}'."
        if self.registry.exists(notice_id(tenant, key)):
            raise Conflict(taken)
        membership = signed_party(self.registry, tenant, public_body, given_on)
        if membership is None:
            raise InvalidInput(
                f"'{public_body}' is not a party signed to the compact of '{tenant}' on "
                f"{given_on.isoformat()}; notices under the compact are given by its parties."
            )
        reference, placed = governed_by(
            self.registry, tenant, CommitmentKind.FUNDING_NOTICE, given_on, uniform_at
        )
        if placed is not None and reference is not None:
            bound = placed.commitment.bound
            distributors = any(reach(t) is Reach.FUND_DISTRIBUTORS for t in bound)
            if not distributors and not binds(bound, membership.sector.value):
                raise InvalidInput(
                    f"{membership.name} is not among those the funding-notice commitment binds "
                    f"({reference.tenant} section {reference.section}: {', '.join(bound)})."
                )
        notice = give_notice(
            tenant=tenant,
            key=key,
            public_body=membership.name,
            voluntary_body=voluntary_body,
            change=change,
            given_on=given_on,
            effective_on=effective_on,
            rationale=rationale,
            governed_by=reference,
            exceptional_circumstances=exceptional_circumstances,
            actor=who,
        )
        return self.registry.record(notice, conflict=taken)

    def record_circumstances(self, actor: Actor, *, tenant: str, key: str, circumstances: str) -> Recorded:
        who = editing(self.registry, actor, tenant, "record exceptional circumstances")
        return self.registry.update(
            notice_id(tenant, key),
            FundingNotice,
            lambda n: n.record_circumstances(circumstances=circumstances, actor=who),
            f"'{tenant}' has no funding notice '{key}'.",
        )
