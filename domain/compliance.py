"""What a compact's own rules say is missing or late on a date, each finding naming its rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from domain.compact_rules import Rules
from domain.funding_notices import add_months


@dataclass(frozen=True)
class Rule:
    key: str
    title: str
    commitment: str  # the commitment the rule comes from, in the seeds' terms


RULES: dict[str, Rule] = {
    r.key: r
    for r in (
        Rule(
            "champion-for-every-party",
            "Every signed party has a Compact Champion",
            "Each organisation that signs the compact names a champion to keep it alive in that "
            "organisation (Havering 5.3, Essex section 4).",
        ),
        Rule(
            "codes-reviewed-when-due",
            "Codes of Good Practice are reviewed by their review date",
            "Codes are developed, adopted and then reviewed by the steering group (Havering 5.1, "
            "Harlow 'Next steps').",
        ),
        Rule(
            "consultation-minimum-period",
            "Consultations run for the minimum period, or say why not",
            "Consultation is timely and gives enough time to respond; a shorter period is justified "
            "(Essex section 5, Harlow, Hertsmere).",
        ),
        Rule(
            "funding-notice-period",
            "Funding changes get the minimum written notice, or record the exceptional circumstances",
            "At least three months' written notice, with a rationale, before funding changes or ends, "
            "save in exceptional circumstances (Hertsmere).",
        ),
        Rule(
            "dispute-stage-deadline",
            "A dispute stage ends by its deadline",
            "Disputes are settled quickly and as close to the dispute as possible, then investigated, "
            "then mediated (Harrow 'Keeping the Compact Live', Havering sections 1 and 6).",
        ),
        Rule(
            "annual-review",
            "The compact is reviewed every year",
            "The partners review the compact each year and report on achievements and amendments "
            "(Harlow 'Making it work', Essex section 6, Havering 5.4).",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    rule: str
    subject: str
    detail: str
    due_on: date | None = None


@dataclass(frozen=True)
class OpenStage:
    dispute: str
    stage: str
    started_on: date
    deadline_on: date


@dataclass(frozen=True)
class ConsultationFact:
    key: str
    title: str
    opens_on: date
    closes_on: date
    minimum_weeks: int
    explained: bool


@dataclass(frozen=True)
class NoticeFact:
    key: str
    public_body: str
    voluntary_body: str
    given_on: date
    effective_on: date
    minimum_months: int
    explained: bool


@dataclass(frozen=True)
class CodeFact:
    key: str
    title: str
    next_review_due: date | None


@dataclass(frozen=True)
class Facts:
    """What the read models say of one tenant on `as_of`; disputes only where the reader may see them."""

    as_of: date
    rules: Rules
    published_on: date | None
    parties_without_champion: list[tuple[str, date]] = field(default_factory=list)
    codes: list[CodeFact] = field(default_factory=list)
    consultations: list[ConsultationFact] = field(default_factory=list)
    notices: list[NoticeFact] = field(default_factory=list)
    open_stages: list[OpenStage] = field(default_factory=list)
    last_review_on: date | None = None


def check(facts: Facts) -> list[Finding]:
    """Every finding on `as_of`, in the order of the rules."""
    on = facts.as_of
    found: list[Finding] = []
    for party, signed_on in facts.parties_without_champion:
        found.append(
            Finding(
                "champion-for-every-party", party, f"signed on {signed_on.isoformat()}; no current champion"
            )
        )
    for code in facts.codes:
        if code.next_review_due is not None and code.next_review_due < on:
            found.append(
                Finding(
                    "codes-reviewed-when-due",
                    code.key,
                    f"'{code.title}' was due for review on {code.next_review_due.isoformat()}",
                    code.next_review_due,
                )
            )
    for c in facts.consultations:
        weeks = (c.closes_on - c.opens_on).days / 7
        if (
            c.opens_on <= on
            and not c.explained
            and c.closes_on < c.opens_on + timedelta(weeks=c.minimum_weeks)
        ):
            found.append(
                Finding(
                    "consultation-minimum-period",
                    c.key,
                    f"'{c.title}' ran {weeks:.1f} weeks ({c.opens_on.isoformat()} to "
                    f"{c.closes_on.isoformat()}), "
                    f"less than the minimum {c.minimum_weeks}, and no reason is recorded",
                    c.opens_on,
                )
            )
    for n in facts.notices:
        if n.given_on <= on and not n.explained and n.effective_on < add_months(n.given_on, n.minimum_months):
            found.append(
                Finding(
                    "funding-notice-period",
                    n.key,
                    f"{n.public_body} gave {n.voluntary_body} notice on {n.given_on.isoformat()} for "
                    f"{n.effective_on.isoformat()}, less than {n.minimum_months} months, and no exceptional "
                    "circumstances are recorded",
                    n.given_on,
                )
            )
    for s in facts.open_stages:
        if s.deadline_on < on:
            found.append(
                Finding(
                    "dispute-stage-deadline",
                    s.dispute,
                    f"stage {s.stage} began on {s.started_on.isoformat()} and was due to end by "
                    f"{s.deadline_on.isoformat()} ({(on - s.deadline_on).days} days late)",
                    s.deadline_on,
                )
            )
    if facts.published_on is not None and facts.published_on <= on:
        due = add_months(facts.last_review_on or facts.published_on, facts.rules.review_months)
        if due < on:
            last = facts.last_review_on.isoformat() if facts.last_review_on else "none since publication"
            found.append(
                Finding(
                    "annual-review",
                    "compact",
                    f"no review in the {facts.rules.review_months} months to {on.isoformat()} (last: {last})",
                    due,
                )
            )
    return found
