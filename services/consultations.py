"""Commands on consultations and funding-change notices, checked against the tenant's rules."""

from __future__ import annotations

from domain.actors import Actor
from domain.commands import (
    CloseConsultation,
    ExplainShortConsultation,
    GiveFundingNotice,
    OpenConsultation,
    PublishConsultationFeedback,
    RecordConsultationResponse,
    RecordExceptionalCircumstances,
)
from domain.commitments import CommitmentKind, Reach, binds, reach
from domain.consultations import Consultation, check_consultation_key, consultation_id, open_consultation
from domain.errors import Conflict, InvalidInput
from domain.funding_notices import FundingNotice, check_notice_key, give_notice, notice_id
from services.commitments import governed_by
from services.guards import editing, signed_party
from services.registry import Recorded, Registry


class ConsultationService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def _missing(self, tenant: str, key: str) -> str:
        return f"'{tenant}' has no consultation '{key}'."

    def open(self, actor: Actor, command: OpenConsultation) -> Recorded:
        """Open a consultation, judged by the consultation commitment governing its opening day.

        `uniform_at`: a national (or regional) programme applied locally is at stake, so the walk starts
        at that tier (Essex, section 2).
        """
        tenant, key, uniform_at = command.tenant, command.key, command.uniform_at
        who = editing(self.registry, actor, tenant, "open a consultation")
        check_consultation_key(key)
        taken = f"'{tenant}' already has a consultation '{key}'."
        if self.registry.exists(consultation_id(tenant, key)):
            raise Conflict(taken)
        consultation = open_consultation(
            tenant=tenant,
            key=key,
            title=command.title,
            consulted=list(command.consulted),
            opens_on=command.opens_on,
            closes_on=command.closes_on,
            governed_by=governed_by(
                self.registry, tenant, CommitmentKind.CONSULTATION_PERIOD, command.opens_on, uniform_at
            )[0],
            uniform_at=uniform_at.value if uniform_at else None,
            short_reason=command.short_reason,
            short_explanation=command.short_explanation,
            actor=who,
        )
        return self.registry.record(consultation, conflict=taken)

    def record_response(self, actor: Actor, command: RecordConsultationResponse) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "record a consultation response")
        return self.registry.update(
            consultation_id(command.tenant, command.key),
            Consultation,
            lambda c: c.record_response(
                respondent=command.respondent,
                received_on=command.received_on,
                summary=command.summary,
                actor=who,
            ),
            self._missing(command.tenant, command.key),
        )

    def close(self, actor: Actor, command: CloseConsultation) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "close a consultation")
        return self.registry.update(
            consultation_id(command.tenant, command.key),
            Consultation,
            lambda c: c.close(on=command.on, actor=who),
            self._missing(command.tenant, command.key),
        )

    def explain_short_period(self, actor: Actor, command: ExplainShortConsultation) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "explain a short consultation")
        return self.registry.update(
            consultation_id(command.tenant, command.key),
            Consultation,
            lambda c: c.explain_short_period(
                reason=command.reason, explanation=command.explanation, actor=who
            ),
            self._missing(command.tenant, command.key),
        )

    def publish_feedback(self, actor: Actor, command: PublishConsultationFeedback) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "publish consultation feedback")
        return self.registry.update(
            consultation_id(command.tenant, command.key),
            Consultation,
            lambda c: c.publish_feedback(on=command.on, feedback=command.feedback, actor=who),
            self._missing(command.tenant, command.key),
        )


class FundingNoticeService:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry

    def give(self, actor: Actor, command: GiveFundingNotice) -> Recorded:
        """Record a notice from a party the governing funding-notice commitment binds.

        Hertsmere binds public bodies and the bodies distributing funds on the public sector's behalf;
        the register cannot tell who distributes public funds, so where a commitment names them any
        signed party may give notice. Where nothing governs, any signed party may.
        """
        tenant, key, given_on = command.tenant, command.key, command.given_on
        who = editing(self.registry, actor, tenant, "record a funding-change notice")
        check_notice_key(key)
        taken = f"'{tenant}' already has a funding notice '{key}'."
        if self.registry.exists(notice_id(tenant, key)):
            raise Conflict(taken)
        membership = signed_party(self.registry, tenant, command.public_body, given_on)
        if membership is None:
            raise InvalidInput(
                f"'{command.public_body}' is not a party signed to the compact of '{tenant}' on "
                f"{given_on.isoformat()}; notices under the compact are given by its parties."
            )
        reference, placed = governed_by(
            self.registry, tenant, CommitmentKind.FUNDING_NOTICE, given_on, command.uniform_at
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
            voluntary_body=command.voluntary_body,
            change=command.change,
            given_on=given_on,
            effective_on=command.effective_on,
            rationale=command.rationale,
            governed_by=reference,
            exceptional_circumstances=command.exceptional_circumstances,
            actor=who,
        )
        return self.registry.record(notice, conflict=taken)

    def record_circumstances(self, actor: Actor, command: RecordExceptionalCircumstances) -> Recorded:
        who = editing(self.registry, actor, command.tenant, "record exceptional circumstances")
        return self.registry.update(
            notice_id(command.tenant, command.key),
            FundingNotice,
            lambda n: n.record_circumstances(circumstances=command.circumstances, actor=who),
            f"'{command.tenant}' has no funding notice '{command.key}'.",
        )
