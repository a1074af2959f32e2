"""A tenant's year from its events, as data and as a Markdown or HTML document a council can publish."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class AmendmentLine:
    version: int
    effective_on: date
    rationale: str
    changes: tuple[str, ...] = ()  # each section added, removed or changed, with its word diff


@dataclass(frozen=True)
class PartyLine:
    name: str
    on: date
    detail: str  # the sector of a party that joined, the reason of one that left


@dataclass(frozen=True)
class ChampionLine:
    name: str
    party: str
    on: date


@dataclass(frozen=True)
class CodeLine:
    key: str
    title: str
    change: str  # DRAFTED, ADOPTED, REVIEWED, SUPERSEDED or WITHDRAWN
    on: date
    detail: str


@dataclass(frozen=True)
class ConsultationLine:
    key: str
    title: str
    opens_on: date
    closes_on: date
    weeks: float
    minimum: str | None  # the period its governing commitment set ("12 weeks"); None where none did
    short: bool
    short_reason: str | None
    responses: int | None  # None where the reader may not see responses
    feedback_on: date | None


@dataclass(frozen=True)
class DisputeSummary:
    raised: int
    resolved_by_stage: dict[str, int]
    withdrawn: int
    open_at_year_end: int
    referred_to_board: int


@dataclass(frozen=True)
class NoticeLine:
    public_body: str
    voluntary_body: str
    change: str
    given_on: date
    effective_on: date
    minimum: str | None  # the notice its governing commitment set ("3 months"); None where none did
    short: bool
    exceptional_circumstances: str | None


@dataclass(frozen=True)
class ReviewLine:
    held_on: date
    achievements: list[str]
    aspirations: list[str]
    issues: list[str]
    amendments: list[str]
    projects: list[str]


@dataclass(frozen=True)
class AnnualReport:
    tenant: str
    name: str
    year: int
    compact_title: str | None
    amendments: list[AmendmentLine] = field(default_factory=list)
    parties_joined: list[PartyLine] = field(default_factory=list)
    parties_left: list[PartyLine] = field(default_factory=list)
    champions_appointed: list[ChampionLine] = field(default_factory=list)
    champions_gone: list[ChampionLine] = field(default_factory=list)
    codes: list[CodeLine] = field(default_factory=list)
    consultations: list[ConsultationLine] = field(default_factory=list)
    # None where the reader is not one of the tenant's members: disputes are private.
    disputes: DisputeSummary | None = None
    funding_notices: list[NoticeLine] = field(default_factory=list)
    reviews: list[ReviewLine] = field(default_factory=list)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, 12, 31)

    def chapters(self) -> list[tuple[str, list[str]]]:
        """The report as headed lists of plain sentences: what both renderings are made of."""
        none = ["Nothing recorded."]
        d = self.disputes
        disputes = (
            ["Not shown: disputes are private to the compact's members."]
            if d is None
            else [
                f"Raised: {d.raised}.",
                *(f"Resolved at stage {stage}: {n}." for stage, n in d.resolved_by_stage.items()),
                f"Withdrawn: {d.withdrawn}.",
                f"Open at the end of the year: {d.open_at_year_end}.",
                f"Parties referred to the board: {d.referred_to_board}.",
            ]
        )
        return [
            (
                "The compact",
                [
                    line
                    for a in self.amendments
                    for line in (
                        f"{a.effective_on.isoformat()}: version {a.version}: {a.rationale}",
                        *(f"version {a.version}: {change}" for change in a.changes),
                    )
                ]
                or ["No amendments took effect."],
            ),
            (
                "Parties who signed",
                [f"{p.on.isoformat()}: {p.name} ({p.detail})" for p in self.parties_joined] or none,
            ),
            (
                "Parties who left",
                [f"{p.on.isoformat()}: {p.name}: {p.detail}" for p in self.parties_left] or none,
            ),
            (
                "Compact Champions appointed",
                [f"{c.on.isoformat()}: {c.name} for {c.party}" for c in self.champions_appointed] or none,
            ),
            (
                "Compact Champions who stood down",
                [f"{c.on.isoformat()}: {c.name} for {c.party}" for c in self.champions_gone] or none,
            ),
            (
                "Codes of Good Practice",
                [_code(c) for c in self.codes] or none,
            ),
            ("Consultations", [_consultation(c) for c in self.consultations] or none),
            ("Disputes", disputes),
            ("Funding-change notices", [_notice(n) for n in self.funding_notices] or none),
            (
                "Annual reviews",
                [line for r in self.reviews for line in _review(r)] or ["No annual review was held."],
            ),
        ]

    def title(self) -> str:
        return f"{self.name}: annual report {self.year}"

    def to_markdown(self) -> str:
        lines = [f"# {self.title()}", ""]
        if self.compact_title:
            lines += [
                f"{self.compact_title}, from {self.first_day.isoformat()} to {self.last_day.isoformat()}.",
                "",
            ]
        for heading, items in self.chapters():
            lines += [f"## {heading}", "", *(f"- {item}" for item in items), ""]
        return "\n".join(lines)

    def to_html(self) -> str:
        e = html.escape
        body = [f"<h1>{e(self.title())}</h1>"]
        if self.compact_title:
            span = f"from {self.first_day.isoformat()} to {self.last_day.isoformat()}"
            body.append(f"<p>{e(self.compact_title)}, {span}.</p>")
        for heading, items in self.chapters():
            body.append(f"<h2>{e(heading)}</h2>")
            body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>")
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
            f"<title>{e(self.title())}</title></head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
        )


def _code(c: CodeLine) -> str:
    detail = f": {c.detail}" if c.detail else ""
    return f"{c.on.isoformat()}: {c.title} ({c.key}) {c.change.lower()}{detail}"


def _consultation(c: ConsultationLine) -> str:
    period = f"{c.opens_on.isoformat()} to {c.closes_on.isoformat()}, {c.weeks:.1f} weeks"
    if c.short and c.minimum:
        period += f", shorter than {c.minimum} ({c.short_reason or 'no reason recorded'})"
    responses = "" if c.responses is None else f"; responses: {c.responses}"
    feedback = f"; feedback published {c.feedback_on.isoformat()}" if c.feedback_on else ""
    return f"{c.title} ({period}){responses}{feedback}"


def _notice(n: NoticeLine) -> str:
    text = (
        f"{n.given_on.isoformat()}: {n.public_body} to {n.voluntary_body}, funding {n.change.lower()} "
        f"from {n.effective_on.isoformat()}"
    )
    if n.short and n.minimum:
        why = n.exceptional_circumstances or "no reason recorded"
        text += f", less than {n.minimum}' notice ({why})"
    return text


def _review(r: ReviewLine) -> list[str]:
    day = r.held_on.isoformat()
    return [
        *(f"{day}: achieved: {a}" for a in r.achievements),
        *(f"{day}: aspiration: {a}" for a in r.aspirations),
        *(f"{day}: issue: {i}" for i in r.issues),
        *(f"{day}: amendment proposed: {a}" for a in r.amendments),
        *(f"{day}: lessons recorded from {p}" for p in r.projects),
    ] or [f"{day}: review held"]
