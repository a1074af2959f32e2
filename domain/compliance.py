"""What a compact's own commitments say is missing or late on a date; each finding names the one that governs.

Nothing here holds a figure of its own: every period comes from the commitment that governs, found by the
tier walk (domain/lookup.py), and a kind of commitment that nothing governs is listed, never checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from domain.commitments import CommitmentKind, GovernedBy, Period, PeriodUnit, binds, unjudged

# "Annual" is itself the figure an ANNUAL_REVIEW commitment sets: a review at least once a year.
YEAR = Period(1, PeriodUnit.YEARS)
# The kinds a tenant's compliance is judged on; OTHER undertakings are recorded and shown, never checked.
CHECKED: tuple[CommitmentKind, ...] = tuple(k for k in CommitmentKind if k is not CommitmentKind.OTHER)


@dataclass(frozen=True)
class Finding:
    """A governing commitment broken: what, by whom or what, and since when."""

    kind: CommitmentKind
    subject: str
    detail: str
    governed_by: GovernedBy
    due_on: date | None = None


@dataclass(frozen=True)
class PartyFact:
    name: str
    sector: str
    signed_on: date
    champions: int


@dataclass(frozen=True)
class CodeFact:
    key: str
    title: str
    adopted_on: date
    reviewed_on: date | None


@dataclass(frozen=True)
class ConsultationFact:
    key: str
    title: str
    opens_on: date
    closes_on: date
    explained: bool
    governed_by: GovernedBy | None  # recorded when it opened


@dataclass(frozen=True)
class NoticeFact:
    key: str
    public_body: str
    voluntary_body: str
    given_on: date
    effective_on: date
    explained: bool
    governed_by: GovernedBy | None  # recorded when it was given


@dataclass(frozen=True)
class OpenStage:
    dispute: str
    stage: str
    started_on: date
    deadline_on: date | None
    governed_by: GovernedBy | None  # recorded when the dispute was raised


@dataclass(frozen=True)
class Facts:
    """What the read models say of one tenant on `as_of`; disputes only where the reader may see them.

    `governing` holds, for each kind judged on the day itself (champions, reviews), the commitment that
    governs the tenant on `as_of` with its exceptions and whom it binds, or None where nothing does.
    """

    as_of: date
    governing: Mapping[CommitmentKind, Governed | None]
    in_force_since: date | None
    parties: list[PartyFact] = field(default_factory=list)
    codes: list[CodeFact] = field(default_factory=list)
    consultations: list[ConsultationFact] = field(default_factory=list)
    notices: list[NoticeFact] = field(default_factory=list)
    open_stages: list[OpenStage] = field(default_factory=list)
    last_review_on: date | None = None


@dataclass(frozen=True)
class Governed:
    """A governing commitment as compliance needs it: the reference, whom it binds, its exceptions."""

    by: GovernedBy
    bound: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    findings: list[Finding]
    ungoverned: list[CommitmentKind]
    not_checked: list[str]


def check(facts: Facts) -> Report:
    """Every finding on `as_of`, kind by kind, with what nothing governs and what could not be judged."""
    findings: list[Finding] = []
    not_checked: list[str] = []
    findings += _champions(facts, not_checked)
    findings += _code_reviews(facts)
    findings += _consultations(facts)
    findings += _notices(facts)
    findings += _stages(facts)
    findings += _annual_review(facts)
    ungoverned: list[CommitmentKind] = [k for k in CHECKED if facts.governing.get(k) is None]
    return Report(findings, ungoverned, not_checked)


def _where(by: GovernedBy) -> str:
    return f"{by.tenant} section {by.section}"


def _champions(facts: Facts, not_checked: list[str]) -> list[Finding]:
    governed = facts.governing.get(CommitmentKind.CHAMPIONS)
    if governed is None:
        return []
    unclear = unjudged(governed.bound)
    if unclear:
        not_checked.append(
            f"Champions for {', '.join(unclear)} ({_where(governed.by)}): the Register of Parties does not "
            "say which parties these are, so whether they have a champion is not checked."
        )
    return [
        Finding(
            CommitmentKind.CHAMPIONS,
            p.name,
            f"signed on {p.signed_on.isoformat()}; no current champion",
            governed.by,
        )
        for p in facts.parties
        if p.champions == 0 and binds(governed.bound, p.sector)
    ]


def code_review_due(code: CodeFact, period: Period) -> date:
    """When a code's next review falls due under the period the governing CODE_REVIEW commitment sets."""
    return period.after(code.reviewed_on or code.adopted_on)


def annual_review_due(facts: Facts) -> date | None:
    """When the next annual review falls due: a year after the last (or after the compact came into force),
    only where an ANNUAL_REVIEW commitment governs; None where none does."""
    if facts.governing.get(CommitmentKind.ANNUAL_REVIEW) is None or facts.in_force_since is None:
        return None
    return YEAR.after(facts.last_review_on or facts.in_force_since)


def _code_reviews(facts: Facts) -> list[Finding]:
    governed = facts.governing.get(CommitmentKind.CODE_REVIEW)
    period = governed.by.period if governed else None
    if governed is None or period is None:
        return []
    found = []
    for code in facts.codes:
        last = code.reviewed_on or code.adopted_on
        due = code_review_due(code, period)
        if due < facts.as_of:
            found.append(
                Finding(
                    CommitmentKind.CODE_REVIEW,
                    code.key,
                    f"'{code.title}' was last {'reviewed' if code.reviewed_on else 'adopted'} on "
                    f"{last.isoformat()}; a review every {period.describe()} was due by {due.isoformat()}",
                    governed.by,
                    due,
                )
            )
    return found


def _consultations(facts: Facts) -> list[Finding]:
    found = []
    for c in facts.consultations:
        by = c.governed_by
        if by is None or by.period is None or c.opens_on > facts.as_of or c.explained:
            continue
        if c.closes_on < by.period.after(c.opens_on):
            weeks = (c.closes_on - c.opens_on).days / 7
            found.append(
                Finding(
                    CommitmentKind.CONSULTATION_PERIOD,
                    c.key,
                    f"'{c.title}' ran {weeks:.1f} weeks ({c.opens_on.isoformat()} to "
                    f"{c.closes_on.isoformat()}), "
                    f"less than the {by.period.describe()} set by {_where(by)}, and no reason is recorded",
                    by,
                    c.opens_on,
                )
            )
    return found


def _notices(facts: Facts) -> list[Finding]:
    found = []
    for n in facts.notices:
        by = n.governed_by
        if by is None or by.period is None or n.given_on > facts.as_of:
            continue
        if n.effective_on >= by.period.after(n.given_on):
            continue
        excusable = any("exceptional" in e.casefold() for e in _exceptions(facts, by))
        if n.explained and excusable:
            continue
        why = (
            "and no exceptional circumstances are recorded"
            if excusable
            else "and the commitment allows no exception"
        )
        found.append(
            Finding(
                CommitmentKind.FUNDING_NOTICE,
                n.key,
                f"{n.public_body} gave {n.voluntary_body} notice on {n.given_on.isoformat()} for "
                f"{n.effective_on.isoformat()}, less than the {by.period.describe()} set by {_where(by)}, "
                f"{why}",
                by,
                n.given_on,
            )
        )
    return found


def _exceptions(facts: Facts, by: GovernedBy) -> tuple[str, ...]:
    """The exceptions of the commitment a notice was given under: as recorded in its summary's commitment."""
    governed = facts.governing.get(by.kind)
    if governed is not None and governed.by.key == by.key and governed.by.tenant == by.tenant:
        return governed.exceptions
    # The notice was given under a commitment no longer in force; its summary says what it allowed.
    return ("exceptional circumstances",) if "exceptional" in by.summary.casefold() else ()


def _stages(facts: Facts) -> list[Finding]:
    return [
        Finding(
            CommitmentKind.DISPUTE_PROCESS,
            s.dispute,
            f"the {s.stage} step began on {s.started_on.isoformat()} and was due to end by "
            f"{s.deadline_on.isoformat()} ({(facts.as_of - s.deadline_on).days} days late)",
            s.governed_by,
            s.deadline_on,
        )
        for s in facts.open_stages
        if s.deadline_on is not None and s.governed_by is not None and s.deadline_on < facts.as_of
    ]


def _annual_review(facts: Facts) -> list[Finding]:
    governed = facts.governing.get(CommitmentKind.ANNUAL_REVIEW)
    due = annual_review_due(facts)
    if governed is None or due is None or facts.in_force_since is None or facts.in_force_since > facts.as_of:
        return []
    if due >= facts.as_of:
        return []
    last = (
        facts.last_review_on.isoformat() if facts.last_review_on else "none since the compact came into force"
    )
    return [
        Finding(
            CommitmentKind.ANNUAL_REVIEW,
            "compact",
            f"no review in the year to {facts.as_of.isoformat()} (last: {last})",
            governed.by,
            due,
        )
    ]
