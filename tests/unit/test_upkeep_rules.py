"""The rules of disputes, consultations, funding notices and compliance, without a database."""

from __future__ import annotations

from datetime import date

import pytest

from domain.commitments import (
    CommitmentKind,
    DisputeStage,
    DisputeStep,
    GovernedBy,
    Period,
    PeriodUnit,
    add_months,
)
from domain.compliance import (
    CodeFact,
    ConsultationFact,
    Facts,
    Governed,
    NoticeFact,
    OpenStage,
    PartyFact,
    check,
)
from domain.consultations import Consultation, ShortPeriodReason, open_consultation
from domain.disputes import Dispute, DisputeStatus, raise_dispute
from domain.errors import Conflict, InvalidInput, NotFound
from domain.funding_notices import FundingChange, FundingNotice, give_notice
from domain.register import Register, Sector


def ref(kind: CommitmentKind, period: Period | None = None, *, summary: str = "It says so.") -> GovernedBy:
    """A governing commitment as a record keeps it: Hertsmere's section 4, found by its own compact."""
    return GovernedBy(
        tenant="hertsmere",
        section="4",
        key=kind.value.lower().replace("_", "-"),
        kind=kind,
        summary=summary,
        period=period,
        explanation="Hertsmere's own compact commits to it.",
        version=1,
    )


DAYS = PeriodUnit.DAYS
MONTHS3 = Period(3, PeriodUnit.MONTHS)
WEEKS12 = Period(12, PeriodUnit.WEEKS)
LIMITED = (
    DisputeStep(DisputeStage.BETWEEN_PARTIES, Period(10, DAYS)),
    DisputeStep(DisputeStage.INVESTIGATION, Period(20, DAYS)),
    DisputeStep(DisputeStage.MEDIATION, Period(30, DAYS)),
)


def dispute(steps: tuple[DisputeStep, ...] = LIMITED, governed: bool = True) -> Dispute:
    return raise_dispute(
        tenant="harrow",
        key="grant-terms",
        raised_by="Harrow CVS",
        against="Harrow Council",
        commitment="Timely payment",
        summary="Payments late",
        raised_on=date(2021, 1, 1),
        process=ref(CommitmentKind.DISPUTE_PROCESS) if governed else None,
        steps=steps,
        actor="editor",
    )


def test_a_dispute_starts_at_its_process_first_step_with_that_steps_time_limit() -> None:
    d = dispute()
    assert d.stage is DisputeStage.BETWEEN_PARTIES
    assert d.deadline_on == date(2021, 1, 11)


def test_a_dispute_under_a_process_without_time_limits_has_no_deadline() -> None:
    d = dispute((DisputeStep(DisputeStage.INVESTIGATION), DisputeStep(DisputeStage.MEDIATION)))
    assert (d.stage, d.deadline_on) == (DisputeStage.INVESTIGATION, None)
    d.escalate(
        to=DisputeStage.MEDIATION, on=date(2021, 2, 1), handled_by="West London", reason="r", actor="e"
    )
    assert (d.stage, d.deadline_on) == (DisputeStage.MEDIATION, None)


def test_a_dispute_nothing_governs_takes_the_registrys_three_steps_with_no_deadlines() -> None:
    d = dispute((), governed=False)
    assert [s.stage for s in d.steps] == list(DisputeStage)
    assert d.deadline_on is None


def test_a_dispute_goes_through_its_process_steps_in_order_only() -> None:
    d = dispute()
    with pytest.raises(InvalidInput, match="the next step is INVESTIGATION"):
        d.escalate(to=DisputeStage.MEDIATION, on=date(2021, 2, 1), handled_by="x", reason="y", actor="e")
    d.escalate(
        to=DisputeStage.INVESTIGATION, on=date(2021, 2, 1), handled_by="Manager", reason="No deal", actor="e"
    )
    assert d.deadline_on == date(2021, 2, 21)
    with pytest.raises(InvalidInput, match="earlier date"):
        d.escalate(to=DisputeStage.MEDIATION, on=date(2021, 1, 31), handled_by="P", reason="r", actor="e")
    d.escalate(
        to=DisputeStage.MEDIATION, on=date(2021, 3, 1), handled_by="West London", reason="r", actor="e"
    )
    with pytest.raises(InvalidInput, match="at the last step"):
        d.escalate(to=DisputeStage.MEDIATION, on=date(2021, 3, 2), handled_by="P", reason="r", actor="e")


def test_a_two_step_process_goes_from_investigation_straight_to_mediation() -> None:
    d = dispute((DisputeStep(DisputeStage.INVESTIGATION), DisputeStep(DisputeStage.MEDIATION)))
    with pytest.raises(InvalidInput, match=r"its steps: INVESTIGATION, MEDIATION"):
        d.escalate(
            to=DisputeStage.BETWEEN_PARTIES, on=date(2021, 2, 1), handled_by="x", reason="y", actor="e"
        )


def test_a_resolved_dispute_cannot_be_escalated_resolved_again_or_withdrawn() -> None:
    d = dispute()
    d.resolve(on=date(2021, 1, 5), outcome="Paid", actor="e")
    assert d.status is DisputeStatus.RESOLVED
    with pytest.raises(InvalidInput, match="a resolved dispute cannot be escalated"):
        d.escalate(to=DisputeStage.INVESTIGATION, on=date(2021, 2, 1), handled_by="M", reason="r", actor="e")
    with pytest.raises(InvalidInput, match="cannot be resolved"):
        d.resolve(on=date(2021, 2, 1), outcome="Again", actor="e")
    with pytest.raises(InvalidInput, match="cannot be withdrawn"):
        d.withdraw(on=date(2021, 2, 1), outcome="x", actor="e")


def test_a_party_cannot_dispute_with_itself_and_a_dispute_needs_its_commitment() -> None:
    with pytest.raises(InvalidInput, match="against itself"):
        raise_dispute(
            tenant="t", key="k1", raised_by="CVS", against="cvs", commitment="c", summary="s",
            raised_on=date(2021, 1, 1), process=None, steps=(), actor="e",
        )  # fmt: skip
    with pytest.raises(InvalidInput, match="The commitment in question is empty"):
        raise_dispute(
            tenant="t", key="k1", raised_by="A", against="B", commitment="  ", summary="s",
            raised_on=date(2021, 1, 1), process=None, steps=(), actor="e",
        )  # fmt: skip


def register() -> Register:
    r = Register(tenant_slug="harrow", actor="e")
    r.sign(party="Harrow Council", sector=Sector.STATUTORY, signed_on=date(2009, 4, 1), actor="e")
    r.sign(party="Harrow CVS", sector=Sector.VOLUNTARY_COMMUNITY, signed_on=date(2009, 4, 1), actor="e")
    return r


def test_a_signed_party_is_referred_to_the_board_with_or_without_a_dispute() -> None:
    r = register()
    r.refer_to_board(
        party="harrow council", on=date(2010, 1, 5), finding="Outside the commitments", actor="e"
    )
    r.refer_to_board(
        party="Harrow CVS", on=date(2010, 2, 1), finding="Again", dispute="grant-terms", actor="e"
    )
    referred = [
        (e.party, e.dispute) for e in r.collect_events() if isinstance(e, Register.PartyReferredToBoard)
    ]
    assert referred == [("Harrow Council", None), ("Harrow CVS", "grant-terms")]
    with pytest.raises(InvalidInput, match="only a signed party is referred"):
        r.refer_to_board(party="Someone Else", on=date(2010, 1, 7), finding="f", actor="e")
    with pytest.raises(InvalidInput, match="only a signed party is referred"):
        r.refer_to_board(party="Harrow CVS", on=date(2009, 1, 7), finding="f", actor="e")


def seal(subject: str, text: str) -> str:
    return f"sealed({text})"


def test_a_party_names_several_champions_one_per_role() -> None:
    r = register()
    for role in ("Cabinet member", "Officer"):
        r.appoint_champion(
            party="Harrow Council", name=role, appointed_on=date(2010, 1, 1), seal=seal, actor="e", role=role
        )
    assert sorted(a.role or "" for a in r.champions["harrow council"].values()) == [
        "Cabinet member",
        "Officer",
    ]
    r.appoint_champion(
        party="Harrow Council",
        name="New",
        appointed_on=date(2011, 1, 1),
        seal=seal,
        actor="e",
        role="officer ",
    )
    r.appoint_champion(
        party="Harrow Council",
        name="Newer",
        appointed_on=date(2011, 2, 1),
        seal=seal,
        actor="e",
        role="Officer",
    )
    assert r.champions["harrow council"]["officer"].name == "sealed(Newer)"
    with pytest.raises(NotFound, match="its champions' roles: Cabinet member, Officer"):
        r.stand_down_champion(party="Harrow Council", on=date(2012, 1, 1), actor="e")
    r.stand_down_champion(party="Harrow Council", on=date(2012, 1, 1), actor="e", role="Cabinet member")
    assert list(r.champions["harrow council"]) == ["officer"]
    r.stand_down_champion(party="Harrow Council", on=date(2012, 1, 1), actor="e")  # the one left
    assert r.champions["harrow council"] == {}


def consultation(
    opens: date,
    closes: date,
    minimum: Period | None = WEEKS12,
    reason: ShortPeriodReason | None = None,
    explanation: str | None = None,
) -> Consultation:
    return open_consultation(
        tenant="essex",
        key="refresh",
        title="Refresh",
        consulted=["Voluntary sector", "voluntary sector  "],
        opens_on=opens,
        closes_on=closes,
        governed_by=ref(CommitmentKind.CONSULTATION_PERIOD, minimum),
        uniform_at=None,
        short_reason=reason,
        short_explanation=explanation,
        actor="e",
    )


def test_a_consultation_closes_after_it_opens_and_takes_responses_only_while_open() -> None:
    with pytest.raises(InvalidInput, match="close after the day it opens"):
        consultation(date(2021, 3, 1), date(2021, 3, 1))
    c = consultation(date(2021, 1, 4), date(2021, 3, 29))
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


def test_a_consultation_shorter_than_its_governing_period_awaits_its_reason_once() -> None:
    c = consultation(date(2021, 1, 4), date(2021, 2, 1))
    assert c.short
    assert c.short_reason is None
    with pytest.raises(InvalidInput, match="both the reason"):
        consultation(date(2021, 1, 4), date(2021, 2, 1), reason=ShortPeriodReason.URGENCY)
    c.explain_short_period(reason=ShortPeriodReason.URGENCY, explanation="Statutory deadline", actor="e")
    with pytest.raises(Conflict, match="already explained"):
        c.explain_short_period(reason=ShortPeriodReason.SENSITIVITY, explanation="x", actor="e")
    full = consultation(date(2021, 1, 4), date(2021, 3, 29))
    with pytest.raises(InvalidInput, match="nothing to explain"):
        full.explain_short_period(reason=ShortPeriodReason.URGENCY, explanation="x", actor="e")


def test_a_consultation_is_never_short_where_its_commitment_sets_no_figure() -> None:
    assert not consultation(date(2021, 1, 4), date(2021, 1, 5), minimum=None).short
    ungoverned = open_consultation(
        tenant="essex", key="quick", title="Quick", consulted=["All"], opens_on=date(2021, 1, 4),
        closes_on=date(2021, 1, 5), governed_by=None, uniform_at=None, short_reason=None,
        short_explanation=None, actor="e",
    )  # fmt: skip
    assert not ungoverned.short


def test_months_of_notice_are_calendar_months() -> None:
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2020, 11, 30), 3) == date(2021, 2, 28)
    assert add_months(date(2021, 10, 15), 3) == date(2022, 1, 15)
    assert Period(3, PeriodUnit.MONTHS).after(date(2021, 1, 31)) == date(2021, 4, 30)
    assert Period(12, PeriodUnit.WEEKS).after(date(2021, 1, 4)) == date(2021, 3, 29)


def test_a_funding_notice_takes_effect_later_and_a_short_one_awaits_its_circumstances() -> None:
    def notice(effective: date, period: Period | None = MONTHS3) -> FundingNotice:
        return give_notice(
            tenant="hertsmere", key="advice", public_body="Council", voluntary_body="Advice Centre",
            change=FundingChange.ENDED, given_on=date(2021, 1, 15), effective_on=effective,
            rationale="Recommissioned", governed_by=ref(CommitmentKind.FUNDING_NOTICE, period),
            exceptional_circumstances=None, actor="e",
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
    assert not notice(date(2021, 1, 16), period=None).short


def governed(kind: CommitmentKind, *, bound: tuple[str, ...] = (), exceptions: tuple[str, ...] = (),
             period: Period | None = None) -> Governed:  # fmt: skip
    return Governed(ref(kind, period), bound, exceptions)


def test_compliance_names_each_broken_governing_commitment_on_the_day() -> None:
    facts = Facts(
        as_of=date(2022, 6, 1),
        governing={
            CommitmentKind.CHAMPIONS: governed(CommitmentKind.CHAMPIONS, bound=("local public bodies",)),
            CommitmentKind.CODE_REVIEW: governed(CommitmentKind.CODE_REVIEW, period=Period(3, PeriodUnit.YEARS)),
            CommitmentKind.FUNDING_NOTICE: governed(
                CommitmentKind.FUNDING_NOTICE, period=MONTHS3, exceptions=("exceptional circumstances",)
            ),
            CommitmentKind.ANNUAL_REVIEW: governed(CommitmentKind.ANNUAL_REVIEW),
        },
        in_force_since=date(2020, 1, 1),
        parties=[
            PartyFact("Harrow Council", "STATUTORY", date(2021, 1, 1), champions=0),
            PartyFact("Harrow CVS", "VOLUNTARY_COMMUNITY", date(2021, 1, 1), champions=0),
            PartyFact("Police", "STATUTORY", date(2021, 1, 1), champions=2),
        ],
        codes=[
            CodeFact("funding", "Funding", date(2019, 5, 30), None),
            CodeFact("volunteering", "Volunteering", date(2019, 5, 30), date(2020, 1, 1)),
        ],
        consultations=[
            ConsultationFact("short", "Short", date(2022, 1, 3), date(2022, 2, 1), False,
                             ref(CommitmentKind.CONSULTATION_PERIOD, Period(12, PeriodUnit.WEEKS))),
            ConsultationFact("explained", "Explained", date(2022, 1, 3), date(2022, 2, 1), True,
                             ref(CommitmentKind.CONSULTATION_PERIOD, Period(12, PeriodUnit.WEEKS))),
            ConsultationFact("no-figure", "No figure", date(2022, 1, 3), date(2022, 1, 4), False,
                             ref(CommitmentKind.CONSULTATION_PERIOD)),
            ConsultationFact("ungoverned", "Ungoverned", date(2022, 1, 3), date(2022, 1, 4), False, None),
        ],
        notices=[
            NoticeFact("cut", "Council", "Advice", date(2022, 1, 15), date(2022, 3, 1), False,
                       ref(CommitmentKind.FUNDING_NOTICE, MONTHS3, summary="3 months, save in exceptional circumstances")),
            NoticeFact("excused", "Council", "Advice", date(2022, 1, 15), date(2022, 3, 1), True,
                       ref(CommitmentKind.FUNDING_NOTICE, MONTHS3, summary="3 months, save in exceptional circumstances")),
            NoticeFact("fine", "Council", "Advice", date(2022, 1, 15), date(2022, 4, 15), False,
                       ref(CommitmentKind.FUNDING_NOTICE, MONTHS3)),
        ],
        open_stages=[
            OpenStage("late", "INVESTIGATION", date(2022, 4, 1), date(2022, 5, 12), ref(CommitmentKind.DISPUTE_PROCESS)),
            OpenStage("no-limit", "MEDIATION", date(2021, 5, 1), None, ref(CommitmentKind.DISPUTE_PROCESS)),
        ],
        last_review_on=date(2021, 5, 31),
    )  # fmt: skip
    report = check(facts)
    found = [(f.kind, f.subject, f.due_on) for f in report.findings]
    assert found == [
        (CommitmentKind.CHAMPIONS, "Harrow Council", None),
        (CommitmentKind.CODE_REVIEW, "funding", date(2022, 5, 30)),
        (CommitmentKind.CONSULTATION_PERIOD, "short", date(2022, 1, 3)),
        (CommitmentKind.FUNDING_NOTICE, "cut", date(2022, 1, 15)),
        (CommitmentKind.DISPUTE_PROCESS, "late", date(2022, 5, 12)),
        (CommitmentKind.ANNUAL_REVIEW, "compact", date(2022, 5, 31)),
    ]
    assert all(f.governed_by.tenant == "hertsmere" for f in report.findings)
    assert report.ungoverned == [CommitmentKind.CONSULTATION_PERIOD, CommitmentKind.DISPUTE_PROCESS]
    late = next(f for f in report.findings if f.subject == "late")
    assert (
        late.detail
        == "the INVESTIGATION step began on 2022-04-01 and was due to end by 2022-05-12 (20 days late)"
    )
    consulted = next(f for f in report.findings if f.subject == "short")
    assert consulted.detail == (
        "'Short' ran 4.1 weeks (2022-01-03 to 2022-02-01), less than the 12 weeks set by hertsmere section 4, "
        "and no reason is recorded"
    )


def test_nothing_governs_so_nothing_is_found_and_every_kind_is_listed_ungoverned() -> None:
    facts = Facts(
        as_of=date(2022, 6, 1),
        governing={},
        in_force_since=date(2004, 1, 1),
        parties=[PartyFact("Council", "STATUTORY", date(2004, 1, 1), champions=0)],
    )
    report = check(facts)
    assert report.findings == []
    assert CommitmentKind.OTHER not in report.ungoverned
    assert len(report.ungoverned) == len(CommitmentKind) - 1


def test_terms_the_register_cannot_judge_are_named_not_checked() -> None:
    facts = Facts(
        as_of=date(2022, 6, 1),
        governing={
            CommitmentKind.CHAMPIONS: governed(
                CommitmentKind.CHAMPIONS,
                bound=("local public bodies", "partnership board", "larger voluntary organisations"),
            )
        },
        in_force_since=date(2010, 1, 1),
        parties=[PartyFact("Havco", "VOLUNTARY_COMMUNITY", date(2010, 1, 1), champions=0)],
    )
    report = check(facts)
    assert report.findings == []
    assert report.not_checked == [
        "Champions for partnership board, larger voluntary organisations (hertsmere section 4): the Register "
        "of Parties does not say which parties these are, so whether they have a champion is not checked."
    ]


def test_a_short_notice_is_excused_only_where_the_commitment_allows_exceptional_circumstances() -> None:
    strict = ref(CommitmentKind.FUNDING_NOTICE, MONTHS3, summary="Three months, always.")
    facts = Facts(
        as_of=date(2022, 6, 1),
        governing={CommitmentKind.FUNDING_NOTICE: Governed(strict, (), ())},
        in_force_since=None,
        notices=[NoticeFact("cut", "Council", "Advice", date(2022, 1, 15), date(2022, 3, 1), True, strict)],
    )
    (finding,) = check(facts).findings
    assert finding.detail.endswith("and the commitment allows no exception")


def test_a_review_within_the_year_keeps_the_annual_review_commitment() -> None:
    rule = {CommitmentKind.ANNUAL_REVIEW: governed(CommitmentKind.ANNUAL_REVIEW)}
    facts = Facts(as_of=date(2022, 6, 1), governing=rule, in_force_since=date(2020, 1, 1),
                  last_review_on=date(2021, 6, 1))  # fmt: skip
    assert check(facts).findings == []
    never = Facts(as_of=date(2022, 6, 1), governing=rule, in_force_since=date(2021, 1, 1))
    assert [f.detail for f in check(never).findings] == [
        "no review in the year to 2022-06-01 (last: none since the compact came into force)"
    ]
    not_governed = Facts(as_of=date(2022, 6, 1), governing={}, in_force_since=date(2001, 1, 1))
    assert check(not_governed).findings == []
