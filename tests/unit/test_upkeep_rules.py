"""The rules of disputes, consultations, funding notices and compliance, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from domain.compact_rules import DEFAULT_RULES, DisputeStage, check_rules
from domain.compliance import CodeFact, ConsultationFact, Facts, NoticeFact, OpenStage, check
from domain.consultations import Consultation, ShortPeriodReason, open_consultation
from domain.disputes import Dispute, DisputeStatus, raise_dispute
from domain.errors import Conflict, InvalidInput
from domain.funding_notices import FundingChange, FundingNotice, add_months, give_notice

RULES = check_rules(
    stage_days={DisputeStage.BETWEEN_PARTIES: 10, DisputeStage.INVESTIGATION: 20, DisputeStage.MEDIATION: 30}
)


def dispute() -> Dispute:
    return raise_dispute(
        tenant="harrow",
        key="grant-terms",
        raised_by="Harrow CVS",
        against="Harrow Council",
        commitment="Timely payment",
        summary="Payments late",
        raised_on=date(2021, 1, 1),
        rules=RULES,
        actor="editor",
    )


def test_a_dispute_starts_between_the_parties_with_the_tenants_deadline() -> None:
    d = dispute()
    assert d.stage is DisputeStage.BETWEEN_PARTIES
    assert d.deadline_on == date(2021, 1, 11)


def test_a_dispute_goes_through_the_stages_in_order_only() -> None:
    d = dispute()
    with pytest.raises(InvalidInput, match="the next stage is INVESTIGATION"):
        d.escalate(
            to=DisputeStage.MEDIATION, on=date(2021, 2, 1), handled_by="x", reason="y", rules=RULES, actor="e"
        )
    d.escalate(
        to=DisputeStage.INVESTIGATION,
        on=date(2021, 2, 1),
        handled_by="Manager",
        reason="No deal",
        rules=RULES,
        actor="e",
    )
    assert d.deadline_on == date(2021, 2, 21)
    with pytest.raises(InvalidInput, match="earlier date"):
        d.escalate(
            to=DisputeStage.MEDIATION,
            on=date(2021, 1, 31),
            handled_by="P",
            reason="r",
            rules=RULES,
            actor="e",
        )
    d.escalate(
        to=DisputeStage.MEDIATION,
        on=date(2021, 3, 1),
        handled_by="West London",
        reason="r",
        rules=RULES,
        actor="e",
    )
    with pytest.raises(InvalidInput, match="at the last stage"):
        d.escalate(
            to=DisputeStage.MEDIATION, on=date(2021, 3, 2), handled_by="P", reason="r", rules=RULES, actor="e"
        )


def test_a_resolved_dispute_cannot_be_escalated_resolved_again_or_withdrawn() -> None:
    d = dispute()
    d.resolve(on=date(2021, 1, 5), outcome="Paid", actor="e")
    assert d.status is DisputeStatus.RESOLVED
    with pytest.raises(InvalidInput, match="a resolved dispute cannot be escalated"):
        d.escalate(
            to=DisputeStage.INVESTIGATION,
            on=date(2021, 2, 1),
            handled_by="M",
            reason="r",
            rules=RULES,
            actor="e",
        )
    with pytest.raises(InvalidInput, match="cannot be resolved"):
        d.resolve(on=date(2021, 2, 1), outcome="Again", actor="e")
    with pytest.raises(InvalidInput, match="cannot be withdrawn"):
        d.withdraw(on=date(2021, 2, 1), outcome="x", actor="e")


def test_a_referral_to_the_board_follows_an_investigation_and_names_a_party_to_the_dispute() -> None:
    d = dispute()
    with pytest.raises(InvalidInput, match="escalate the dispute to INVESTIGATION first"):
        d.refer_to_board(party="Harrow Council", on=date(2021, 1, 5), finding="f", actor="e")
    d.escalate(
        to=DisputeStage.INVESTIGATION, on=date(2021, 1, 6), handled_by="M", reason="r", rules=RULES, actor="e"
    )
    with pytest.raises(InvalidInput, match="not a party to the dispute"):
        d.refer_to_board(party="Someone Else", on=date(2021, 1, 7), finding="f", actor="e")
    d.refer_to_board(
        party="harrow council", on=date(2021, 1, 7), finding="Outside the commitments", actor="e"
    )
    with pytest.raises(Conflict, match="already been referred"):
        d.refer_to_board(party="Harrow Council", on=date(2021, 1, 8), finding="f", actor="e")


def test_a_party_cannot_dispute_with_itself_and_a_dispute_needs_its_commitment() -> None:
    with pytest.raises(InvalidInput, match="against itself"):
        raise_dispute(
            tenant="t", key="k1", raised_by="CVS", against="cvs", commitment="c", summary="s",
            raised_on=date(2021, 1, 1), rules=RULES, actor="e",
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="The commitment in question is empty"):
        raise_dispute(
            tenant="t", key="k1", raised_by="A", against="B", commitment="  ", summary="s",
            raised_on=date(2021, 1, 1), rules=RULES, actor="e",
        )  # fmt: skip


def consultation(
    opens: date, closes: date, reason: ShortPeriodReason | None = None, explanation: str | None = None
) -> Consultation:
    return open_consultation(
        tenant="essex",
        key="refresh",
        title="Refresh",
        consulted=["Voluntary sector", "voluntary sector  "],
        opens_on=opens,
        closes_on=closes,
        minimum_weeks=12,
        short_reason=reason,
        short_explanation=explanation,
        actor="e",
    )


def test_a_consultation_closes_after_it_opens_and_takes_responses_only_while_open() -> None:
    with pytest.raises(InvalidInput, match="close after the day it opens"):
        consultation(date(2021, 3, 1), date(2021, 3, 1))
    c = open_consultation(
        tenant="essex", key="refresh", title="Refresh", consulted=["Voluntary sector"],
        opens_on=date(2021, 1, 4), closes_on=date(2021, 3, 29), minimum_weeks=12,
        short_reason=None, short_explanation=None, actor="e",
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="cannot be received before"):
        c.record_response(respondent="CVS", received_on=date(2021, 1, 3), summary="Early", actor="e")
    c.record_response(respondent="CVS", received_on=date(2021, 2, 1), summary="Agree", actor="e")
    with pytest.raises(Conflict, match="already recorded"):
        c.record_response(respondent="cvs", received_on=date(2021, 2, 2), summary="Again", actor="e")
    with pytest.raises(InvalidInput, match="cannot close before it opened"):
        c.close(on=date(2021, 1, 1), actor="e")
    with pytest.raises(InvalidInput, match="cannot close earlier"):
        c.close(on=date(2021, 3, 1), actor="e")
    with pytest.raises(InvalidInput, match="before publishing its feedback"):
        c.publish_feedback(on=date(2021, 4, 1), feedback="Thanks", actor="e")
    c.close(on=date(2021, 3, 29), actor="e")
    with pytest.raises(InvalidInput, match="responses received after it closed"):
        c.record_response(respondent="Trust", received_on=date(2021, 3, 29), summary="Late", actor="e")
    with pytest.raises(Conflict, match="already closed"):
        c.close(on=date(2021, 3, 30), actor="e")
    c.publish_feedback(on=date(2021, 4, 1), feedback="What we heard", actor="e")
    with pytest.raises(Conflict, match="already published"):
        c.publish_feedback(on=date(2021, 4, 2), feedback="Again", actor="e")


def test_a_short_consultation_is_recorded_and_its_reason_may_follow_once() -> None:
    c = open_consultation(
        tenant="essex", key="budget", title="Budget", consulted=["Everyone"],
        opens_on=date(2021, 1, 4), closes_on=date(2021, 2, 1), minimum_weeks=12,
        short_reason=None, short_explanation=None, actor="e",
    )  # fmt: skip
    assert c.short
    assert c.short_reason is None
    with pytest.raises(InvalidInput, match="both the reason"):
        consultation(date(2021, 1, 4), date(2021, 2, 1), reason=ShortPeriodReason.URGENCY)
    c.explain_short_period(reason=ShortPeriodReason.URGENCY, explanation="Statutory deadline", actor="e")
    with pytest.raises(Conflict, match="already explained"):
        c.explain_short_period(reason=ShortPeriodReason.SENSITIVITY, explanation="x", actor="e")
    full = open_consultation(
        tenant="essex", key="full", title="Full", consulted=["Everyone"],
        opens_on=date(2021, 1, 4), closes_on=date(2021, 3, 29), minimum_weeks=12,
        short_reason=None, short_explanation=None, actor="e",
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="nothing to explain"):
        full.explain_short_period(reason=ShortPeriodReason.URGENCY, explanation="x", actor="e")


def test_months_of_notice_are_calendar_months() -> None:
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2020, 11, 30), 3) == date(2021, 2, 28)
    assert add_months(date(2021, 10, 15), 3) == date(2022, 1, 15)


def test_a_funding_notice_takes_effect_later_and_a_short_one_awaits_its_circumstances() -> None:
    def notice(effective: date) -> FundingNotice:
        return give_notice(
            tenant="hertsmere", key="advice", public_body="Council", voluntary_body="Advice Centre",
            change=FundingChange.ENDED, given_on=date(2021, 1, 15), effective_on=effective,
            rationale="Recommissioned", minimum_months=3, exceptional_circumstances=None, actor="e",
        )  # fmt: skip

    with pytest.raises(InvalidInput, match="takes effect after the day it is given"):
        notice(date(2021, 1, 15))
    full = notice(date(2021, 4, 15))
    with pytest.raises(InvalidInput, match="nothing to explain"):
        full.record_circumstances(circumstances="x", actor="e")
    short = notice(date(2021, 4, 14))
    assert short.short
    short.record_circumstances(circumstances="Funder withdrew", actor="e")
    with pytest.raises(Conflict):
        short.record_circumstances(circumstances="again", actor="e")


def test_rules_outside_their_bounds_are_refused() -> None:
    with pytest.raises(InvalidInput, match="between 1 and 365 days"):
        check_rules(stage_days={DisputeStage.MEDIATION: 0})
    with pytest.raises(InvalidInput, match="consultation weeks must be between 1 and 52"):
        check_rules(consultation_weeks=60)
    assert check_rules(notice_months=6, base=RULES).stage_days[DisputeStage.BETWEEN_PARTIES] == 10


def test_compliance_names_each_broken_rule_on_the_day() -> None:
    facts = Facts(
        as_of=date(2022, 6, 1),
        rules=DEFAULT_RULES,
        published_on=date(2020, 1, 1),
        parties_without_champion=[("Harrow CVS", date(2021, 1, 1))],
        codes=[
            CodeFact("funding", "Funding", date(2022, 5, 31)),
            CodeFact("volunteering", "Volunteering", date(2022, 6, 1)),
            CodeFact("equality", "Equality", None),
        ],
        consultations=[
            ConsultationFact("short", "Short", date(2022, 1, 3), date(2022, 2, 1), 12, explained=False),
            ConsultationFact(
                "explained", "Explained", date(2022, 1, 3), date(2022, 2, 1), 12, explained=True
            ),
            ConsultationFact(
                "later", "Not yet open", date(2022, 7, 1), date(2022, 7, 8), 12, explained=False
            ),
        ],
        notices=[
            NoticeFact("cut", "Council", "Advice", date(2022, 1, 15), date(2022, 3, 1), 3, explained=False),
            NoticeFact("fine", "Council", "Advice", date(2022, 1, 15), date(2022, 4, 15), 3, explained=False),
        ],
        open_stages=[
            OpenStage("late", "INVESTIGATION", date(2022, 4, 1), date(2022, 5, 12)),
            OpenStage("on-time", "MEDIATION", date(2022, 5, 1), date(2022, 6, 1)),
        ],
        last_review_on=date(2021, 5, 31),
    )
    found = [(f.rule, f.subject, f.due_on) for f in check(facts)]
    assert found == [
        ("champion-for-every-party", "Harrow CVS", None),
        ("codes-reviewed-when-due", "funding", date(2022, 5, 31)),
        ("consultation-minimum-period", "short", date(2022, 1, 3)),
        ("funding-notice-period", "cut", date(2022, 1, 15)),
        ("dispute-stage-deadline", "late", date(2022, 5, 12)),
        ("annual-review", "compact", date(2022, 5, 31)),
    ]
    late = next(f for f in check(facts) if f.subject == "late")
    assert late.detail == (
        "stage INVESTIGATION began on 2022-04-01 and was due to end by 2022-05-12 (20 days late)"
    )


def test_a_review_within_the_months_allowed_keeps_the_annual_review_rule() -> None:
    facts = Facts(as_of=date(2022, 6, 1), rules=DEFAULT_RULES, published_on=date(2020, 1, 1),
                  last_review_on=date(2021, 6, 1))  # fmt: skip
    assert check(facts) == []
    never = Facts(as_of=date(2022, 6, 1), rules=DEFAULT_RULES, published_on=date(2021, 1, 1))
    assert [f.detail for f in check(never)] == [
        "no review in the 12 months to 2022-06-01 (last: none since publication)"
    ]
