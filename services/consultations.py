"""Commands on consultations and funding-change notices, checked against the tenant's rules."""

from __future__ import annotations

from datetime import date

from domain.actors import Actor
from domain.consultations import (
    Consultation,
    ShortPeriodReason,
    check_consultation_key,
    consultation_id,
    open_consultation,
)
from domain.errors import Conflict, InvalidInput
from domain.funding_notices import FundingChange, FundingNotice, check_notice_key, give_notice, notice_id
from domain.register import Sector
from services.compact_rules import editing, rules_of, signed_party
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
    ) -> Recorded:
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
            minimum_weeks=rules_of(self.registry, tenant).consultation_weeks,
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
    ) -> Recorded:
        who = editing(self.registry, actor, tenant, "record a funding-change notice")
        check_notice_key(key)
        taken = f"'{tenant}' already has a funding notice '{key}'."
        if self.registry.exists(notice_id(tenant, key)):
            raise Conflict(taken)
        membership = signed_party(self.registry, tenant, public_body, given_on)
        if membership is None or membership.sector is not Sector.STATUTORY:
            raise InvalidInput(
                f"'{public_body}' is not a statutory party signed to the compact of '{tenant}' on "
                f"{given_on.isoformat()}; notices under the compact are given by its public bodies."
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
            minimum_months=rules_of(self.registry, tenant).notice_months,
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
