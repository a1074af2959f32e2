"""A compact's own commitments: what it undertakes, whom it binds, and any period it sets itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TypedDict

from domain import payloads
from domain.errors import InvalidInput
from domain.text import one_line


class CommitmentKind(StrEnum):
    """The kinds of undertaking the registry can check; OTHER is recorded and shown, never checked."""

    CONSULTATION_PERIOD = "CONSULTATION_PERIOD"  # how long consultations run, and what a shorter one needs
    FUNDING_NOTICE = "FUNDING_NOTICE"  # notice before funding or other support changes or ends
    CHAMPIONS = "CHAMPIONS"  # which bodies name a Compact Champion
    ANNUAL_REVIEW = "ANNUAL_REVIEW"  # the compact is reviewed and reported on every year
    DISPUTE_PROCESS = "DISPUTE_PROCESS"  # the steps, and any time limits, for disagreements
    CODE_REVIEW = "CODE_REVIEW"  # codes of good practice are reviewed on a cycle
    OTHER = "OTHER"


class Firmness(StrEnum):
    """IN_FORCE: undertaken now. PLANNED: only promised ("will develop a mechanism"); governs nothing."""

    IN_FORCE = "IN_FORCE"
    PLANNED = "PLANNED"


class PeriodUnit(StrEnum):
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"
    YEARS = "YEARS"


class DisputeStage(StrEnum):
    """The kinds of step a compact's dispute process can take, in the order they can follow one another."""

    BETWEEN_PARTIES = "BETWEEN_PARTIES"  # resolved between the parties, as close to the dispute as possible
    INVESTIGATION = "INVESTIGATION"  # investigated (by an officer or a board) and reported
    MEDIATION = "MEDIATION"  # mediated, or determined, by someone outside the parties

    @property
    def number(self) -> int:
        return list(DisputeStage).index(self) + 1


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day where it is shorter (31 Jan + 1 = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


class PeriodData(TypedDict):
    """A Period as events and read models store it."""

    amount: int
    unit: str


class DisputeStepData(TypedDict):
    stage: str
    period: PeriodData | None


class CommitmentData(TypedDict):
    """A Commitment as a section of a compact's text stores it."""

    key: str
    kind: str
    firmness: str
    summary: str
    bound: list[str]
    period: PeriodData | None
    exceptions: list[str]
    steps: list[DisputeStepData]
    quote: str


class GovernedByData(TypedDict):
    """A GovernedBy as the record it judged stores it."""

    tenant: str
    version: int
    section: str
    key: str
    kind: str
    summary: str
    period: PeriodData | None
    explanation: str


PERIOD_MAX = {PeriodUnit.DAYS: 3650, PeriodUnit.WEEKS: 520, PeriodUnit.MONTHS: 120, PeriodUnit.YEARS: 10}


@dataclass(frozen=True)
class Period:
    """A length of time that a compact sets in its own words ("three months", "12 weeks")."""

    amount: int
    unit: PeriodUnit

    def after(self, day: date) -> date:
        """The day this period after `day`."""
        if self.unit is PeriodUnit.DAYS:
            return day + timedelta(days=self.amount)
        if self.unit is PeriodUnit.WEEKS:
            return day + timedelta(weeks=self.amount)
        months = self.amount * (12 if self.unit is PeriodUnit.YEARS else 1)
        return add_months(day, months)

    def describe(self) -> str:
        """'3 months', '1 week'."""
        unit = self.unit.value.lower()
        return f"{self.amount} {unit[:-1] if self.amount == 1 else unit}"

    def as_dict(self) -> PeriodData:
        return {"amount": self.amount, "unit": self.unit.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> Period | None:
        return (
            None
            if data is None
            else cls(payloads.whole(data, "amount"), PeriodUnit(payloads.text(data, "unit")))
        )


@dataclass(frozen=True)
class DisputeStep:
    """One step of a dispute process, and its time limit where the compact sets one."""

    stage: DisputeStage
    period: Period | None = None

    def as_dict(self) -> DisputeStepData:
        return {"stage": self.stage.value, "period": self.period.as_dict() if self.period else None}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> DisputeStep:
        return cls(
            DisputeStage(payloads.text(data, "stage")), Period.from_dict(payloads.record(data, "period"))
        )


@dataclass(frozen=True)
class Commitment:
    """One undertaking of a compact, held by one of its sections.

    `bound` names whom it binds in the compact's own words; `period` is None unless the compact sets a
    figure; `steps` only for a DISPUTE_PROCESS; `quote` is the compact's own sentence it was read from.
    """

    key: str
    kind: CommitmentKind
    firmness: Firmness
    summary: str
    bound: tuple[str, ...] = ()
    period: Period | None = None
    exceptions: tuple[str, ...] = ()
    steps: tuple[DisputeStep, ...] = ()
    quote: str = ""

    @property
    def in_force(self) -> bool:
        return self.firmness is Firmness.IN_FORCE

    def as_dict(self) -> CommitmentData:
        return {
            "key": self.key,
            "kind": self.kind.value,
            "firmness": self.firmness.value,
            "summary": self.summary,
            "bound": list(self.bound),
            "period": self.period.as_dict() if self.period else None,
            "exceptions": list(self.exceptions),
            "steps": [s.as_dict() for s in self.steps],
            "quote": self.quote,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Commitment:
        return cls(
            key=payloads.text(data, "key"),
            kind=CommitmentKind(payloads.text(data, "kind")),
            firmness=Firmness(payloads.text(data, "firmness")),
            summary=payloads.text(data, "summary"),
            bound=payloads.texts(data, "bound"),
            period=Period.from_dict(payloads.record(data, "period")),
            exceptions=payloads.texts(data, "exceptions"),
            steps=tuple(DisputeStep.from_dict(s) for s in payloads.records(data, "steps")),
            quote=payloads.text(data, "quote", ""),
        )


COMMITMENT_KEY = re.compile(r"^[a-z][a-z0-9-]{1,62}\Z")
SUMMARY_MAX = 500
QUOTE_MAX = 2000
TERM_MAX = 200
TERMS_MAX = 20


def _terms(values: tuple[str, ...], what: str, key: str) -> tuple[str, ...]:
    if len(values) > TERMS_MAX:
        raise InvalidInput(f"Commitment '{key}' lists more than {TERMS_MAX} {what}.")
    cleaned = tuple(
        one_line(v, empty=f"Commitment '{key}' has an empty entry in {what}.", max_length=TERM_MAX, what=what)
        for v in values
    )
    if len({c.casefold() for c in cleaned}) != len(cleaned):
        raise InvalidInput(f"Commitment '{key}' lists the same entry twice in {what}.")
    return cleaned


def check_commitment(c: Commitment) -> Commitment:
    """The commitment with its text tidied, or why it cannot be recorded."""
    if not COMMITMENT_KEY.match(c.key):
        raise InvalidInput(
            f"'{c.key}' is not a valid commitment key: use 2 to 63 lower-case letters, digits and '-', "
            "starting with a letter (for example 'funding-notice')."
        )
    summary = one_line(
        c.summary,
        empty=f"Commitment '{c.key}' needs a summary: say in one sentence what the compact undertakes.",
        max_length=SUMMARY_MAX,
        what=f"The summary of commitment '{c.key}'",
    )
    if c.period is not None and not 1 <= c.period.amount <= PERIOD_MAX[c.period.unit]:
        raise InvalidInput(
            f"Commitment '{c.key}' has a period of {c.period.amount} {c.period.unit.value.lower()}; "
            f"give between 1 and {PERIOD_MAX[c.period.unit]}."
        )
    if c.steps and c.kind is not CommitmentKind.DISPUTE_PROCESS:
        raise InvalidInput(f"Commitment '{c.key}' has steps, but only a DISPUTE_PROCESS has steps.")
    stages = [s.stage for s in c.steps]
    if len(set(stages)) != len(stages) or stages != sorted(stages, key=lambda s: s.number):
        raise InvalidInput(
            f"The steps of commitment '{c.key}' must be distinct and in the order BETWEEN_PARTIES, "
            "INVESTIGATION, MEDIATION (leave out those the compact does not have)."
        )
    for step in c.steps:
        if step.period is not None and not 1 <= step.period.amount <= PERIOD_MAX[step.period.unit]:
            raise InvalidInput(f"The {step.stage.value} step of '{c.key}' has an impossible time limit.")
    quote = " ".join(c.quote.split())
    if len(quote) > QUOTE_MAX:
        raise InvalidInput(f"The quote of commitment '{c.key}' is longer than {QUOTE_MAX} characters.")
    return Commitment(
        key=c.key,
        kind=c.kind,
        firmness=c.firmness,
        summary=summary,
        bound=_terms(c.bound, "bound", c.key),
        period=c.period,
        exceptions=_terms(c.exceptions, "exceptions", c.key),
        steps=c.steps,
        quote=quote,
    )


@dataclass(frozen=True)
class GovernedBy:
    """The commitment a record was judged against when it was made, and how the tier walk found it."""

    tenant: str
    section: str
    key: str
    kind: CommitmentKind
    summary: str
    period: Period | None
    explanation: str
    version: int = 0  # the version of the tenant's compact that held it (0: not known)

    def as_dict(self) -> GovernedByData:
        return {
            "tenant": self.tenant,
            "version": self.version,
            "section": self.section,
            "key": self.key,
            "kind": self.kind.value,
            "summary": self.summary,
            "period": self.period.as_dict() if self.period else None,
            "explanation": self.explanation,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object] | None) -> GovernedBy | None:
        if data is None:
            return None
        return cls(
            tenant=payloads.text(data, "tenant"),
            section=payloads.text(data, "section"),
            key=payloads.text(data, "key"),
            kind=CommitmentKind(payloads.text(data, "kind")),
            summary=payloads.text(data, "summary"),
            period=Period.from_dict(payloads.record(data, "period")),
            explanation=payloads.text(data, "explanation"),
            version=payloads.whole(data, "version", 0),
        )


class Reach(StrEnum):
    """Which parties of the register a term of `bound` reaches, as far as the register can tell."""

    ALL = "ALL"  # "all partners", "partner organisations", "parties", "signatories"
    PUBLIC = "PUBLIC"  # "public bodies", "statutory sector", "local authorities"
    VOLUNTARY = "VOLUNTARY"  # "voluntary and community organisations", "VCOs"
    FUND_DISTRIBUTORS = "FUND_DISTRIBUTORS"  # "bodies distributing funds on behalf of the public sector"
    UNKNOWN = "UNKNOWN"  # "larger voluntary organisations", "partnership board": the register cannot say


_SIZE = re.compile(r"\b(larger|smaller|large|small|major)\b")
_BOARDS = re.compile(r"\b(board|steering group|committee|forum)\b")
_FUNDS = re.compile(r"\bdistribut\w*\s+(public\s+)?funds?\b|\bon\s+behalf\s+of\s+the\s+public\s+sector\b")
_PUBLIC = re.compile(r"\b(public|statutory|local\s+authorit\w*|councils?|government)\b")
_VOLUNTARY = re.compile(r"\b(voluntary|community\s+sector|vcs|vcos?|charit\w*|third\s+sector)\b")
_ALL = re.compile(
    r"\b(partners?|partner\s+organisations?|parties|party|signator\w*|organisations?|agencies|bodies)\b"
)


def reach(term: str) -> Reach:
    """How far one term of `bound` reaches into the register (its sectors); see Reach."""
    words = " ".join(term.casefold().split())
    if _FUNDS.search(words):
        return Reach.FUND_DISTRIBUTORS
    if _SIZE.search(words) or _BOARDS.search(words):
        return Reach.UNKNOWN
    public, voluntary = bool(_PUBLIC.search(words)), bool(_VOLUNTARY.search(words))
    if public and voluntary:
        return Reach.ALL
    if public:
        return Reach.PUBLIC
    if voluntary:
        return Reach.VOLUNTARY
    return Reach.ALL if _ALL.search(words) else Reach.UNKNOWN


def binds(bound: tuple[str, ...], sector: str) -> bool:
    """Whether a term of `bound` certainly reaches a party of this sector (STATUTORY, VOLUNTARY_COMMUNITY...).

    A commitment that names no one binds every party; a term the register cannot judge binds no one here.
    """
    if not bound:
        return True
    for term in bound:
        found = reach(term)
        if found is Reach.ALL:
            return True
        if found is Reach.PUBLIC and sector == "STATUTORY":
            return True
        if found is Reach.VOLUNTARY and sector == "VOLUNTARY_COMMUNITY":
            return True
    return False


def unjudged(bound: tuple[str, ...]) -> tuple[str, ...]:
    """The terms of `bound` the register cannot judge a party against."""
    return tuple(t for t in bound if reach(t) is Reach.UNKNOWN)
