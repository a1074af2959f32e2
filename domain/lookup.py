"""The tiered walk as pure functions: which compact covers a matter, and which commitment governs, and why."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from domain.commitments import Commitment, CommitmentKind, GovernedBy
from domain.matters import Matter
from domain.tenancy import Tier

# Higher tiers cover wider areas; "uniformAt: REGIONAL" starts at the nearest level this high or higher.
TIER_RANK = {Tier.DISTRICT: 0, Tier.COUNTY: 1, Tier.REGIONAL: 2, Tier.NATIONAL: 3}


@dataclass(frozen=True)
class CodeFact:
    """A code of practice that covers the matter from `covers_from`, with the dates of its life."""

    key: str
    covers_from: date
    adopted_on: date | None = None
    withdrawn_on: date | None = None
    superseded_on: date | None = None

    def in_force(self, on: date) -> bool:
        """Adopted by then, covering the matter by then, and neither withdrawn nor superseded by then."""
        return (
            self.adopted_on is not None
            and self.adopted_on <= on
            and self.covers_from <= on
            and not (self.withdrawn_on is not None and self.withdrawn_on <= on)
            and not (self.superseded_on is not None and self.superseded_on <= on)
        )


@dataclass(frozen=True)
class Placed:
    """A commitment with the section of its compact that holds it."""

    section: str
    commitment: Commitment


@dataclass(frozen=True)
class Level:
    """One tenant of the chain: its compact version in force, and what in it bears on the question.

    For a lookup, the sections tagged with the matter, those that only plan it, and the codes; for
    `governing`, the commitments of the kind asked about (IN_FORCE and PLANNED alike).
    """

    slug: str
    name: str
    tier: Tier
    compact_version: int | None
    sections: tuple[str, ...] = ()
    code_facts: tuple[CodeFact, ...] = ()
    commitments: tuple[Placed, ...] = ()
    planned_in: tuple[str, ...] = ()
    # The tenant above it in the tiers (None for the national level), as the directory records it.
    parent: str | None = None

    def governs(self) -> Placed | None:
        """The first commitment in force; a PLANNED one only promises and governs nothing."""
        if self.compact_version is None:
            return None
        return next((p for p in self.commitments if p.commitment.in_force), None)

    def codes(self, on: date) -> tuple[str, ...]:
        return tuple(c.key for c in self.code_facts if c.in_force(on))

    def covers(self, on: date) -> bool:
        """A tenant with no compact in force covers nothing, whatever its codes."""
        return self.compact_version is not None and bool(self.sections or self.codes(on))


@dataclass(frozen=True)
class Step:
    slug: str
    covered: bool
    reason: str


@dataclass(frozen=True)
class Answer:
    answered_by: str | None
    trail: tuple[Step, ...]
    explanation: str


@dataclass(frozen=True)
class Governing:
    """The commitment that governs a kind for a locality on a date, and the walk that found it."""

    tenant: str | None
    placed: Placed | None
    trail: tuple[Step, ...]
    explanation: str
    version: int | None = None  # the version of the governing tenant's compact that holds it

    def reference(self) -> GovernedBy | None:
        """What a record keeps of the commitment it was made under."""
        if self.tenant is None or self.placed is None:
            return None
        c = self.placed.commitment
        return GovernedBy(
            tenant=self.tenant,
            section=self.placed.section,
            key=c.key,
            kind=c.kind,
            summary=c.summary,
            period=c.period,
            explanation=self.explanation,
            version=self.version or 0,
        )


def _reason(level: Level, matter: Matter, on: date) -> str:
    day = on.isoformat()
    if level.compact_version is None:
        return f"{level.name} had no compact in force on {day}."
    if not level.covers(on):
        planned = ""
        if level.planned_in:
            where = ", ".join(level.planned_in)
            planned = (
                f" (only promised, in section {where})"
                if len(level.planned_in) == 1
                else (f" (only promised, in sections {where})")
            )
        return (
            f"{level.name}'s compact in force on {day} has no section on {matter.key} "
            f"and no adopted code covering it{planned}."
        )
    parts = []
    if level.sections:
        parts.append(("section " if len(level.sections) == 1 else "sections ") + ", ".join(level.sections))
    codes = level.codes(on)
    if codes:
        parts.append(("the adopted code " if len(codes) == 1 else "the adopted codes ") + ", ".join(codes))
    return f"{level.name}'s compact in force on {day} covers {matter.key} in {' and '.join(parts)}."


def walk_order(chain: Sequence[Level], uniform_at: Tier | None) -> tuple[list[int], int | None]:
    """The order the levels are consulted in, and where a uniform rule's walk starts (None: at the locality).

    Most local first. With `uniform_at`, a rule applied uniformly at that tier is at stake: start at the
    nearest level of that tier or higher and walk up; then fall back to the most-local-first walk over the
    levels not yet consulted (Essex, section 2).
    """
    if not chain:
        raise ValueError("a walk needs at least the locality itself")
    order = list(range(len(chain)))
    if uniform_at is None:
        return order, None
    start = next((i for i, level in enumerate(chain) if TIER_RANK[level.tier] >= TIER_RANK[uniform_at]), None)
    if start is None:
        return order, None
    return list(range(start, len(chain))) + list(range(start)), start


def _first(
    chain: Sequence[Level],
    uniform_at: Tier | None,
    answers: Callable[[Level], bool],
    reason: Callable[[Level], str],
) -> tuple[int | None, tuple[Step, ...], int | None]:
    """The one walk both questions share: the index that answers (or None), the trail, and the start."""
    order, start = walk_order(chain, uniform_at)
    steps: list[Step] = []
    for i in order:
        level = chain[i]
        answered = answers(level)
        steps.append(Step(level.slug, answered, reason(level)))
        if answered:
            return i, tuple(steps), start
    return None, tuple(steps), start


def walk(chain: list[Level], matter: Matter, on: date, uniform_at: Tier | None = None) -> Answer:
    """Which compact covers `matter` for the locality (`chain[0]`, then its ancestors) on `on`."""
    found, trail, start = _first(
        chain, uniform_at, lambda lv: lv.covers(on), lambda lv: _reason(lv, matter, on)
    )
    if found is None:
        return Answer(
            None,
            trail,
            f"No compact from {chain[0].name} up to {chain[-1].name} covered {matter.key} "
            f"on {on.isoformat()}.",
        )
    explanation = _explain(chain, found, matter.key, COVERS, on, uniform_at, start)
    return Answer(chain[found].slug, trail, explanation)


KIND_WORDS = {
    CommitmentKind.CONSULTATION_PERIOD: "consultation periods",
    CommitmentKind.FUNDING_NOTICE: "notice of funding changes",
    CommitmentKind.CHAMPIONS: "Compact Champions",
    CommitmentKind.ANNUAL_REVIEW: "an annual review",
    CommitmentKind.DISPUTE_PROCESS: "a dispute process",
    CommitmentKind.CODE_REVIEW: "reviews of codes of practice",
    CommitmentKind.OTHER: "other undertakings",
}


def _governing_reason(level: Level, kind: CommitmentKind, on: date) -> str:
    day, what = on.isoformat(), KIND_WORDS[kind]
    if level.compact_version is None:
        return f"{level.name} had no compact in force on {day}."
    placed = level.governs()
    if placed is not None:
        return (
            f"{level.name}'s compact in force on {day} commits to {what} in section {placed.section} "
            f"('{placed.commitment.key}')."
        )
    planned = [p for p in level.commitments if not p.commitment.in_force]
    if planned:
        where = ", ".join(sorted({p.section for p in planned}))
        return (
            f"{level.name}'s compact in force on {day} only plans {what} (section {where}); "
            "a plan governs nothing."
        )
    return f"{level.name}'s compact in force on {day} sets no commitment on {what}."


def govern(chain: list[Level], kind: CommitmentKind, on: date, uniform_at: Tier | None = None) -> Governing:
    """The commitment of `kind` governing the locality on `on`: the most local IN_FORCE one, by the walk."""
    found, trail, start = _first(
        chain, uniform_at, lambda lv: lv.governs() is not None, lambda lv: _governing_reason(lv, kind, on)
    )
    what = KIND_WORDS[kind]
    if found is None:
        return Governing(
            None,
            None,
            trail,
            f"No compact from {chain[0].name} up to {chain[-1].name} committed to {what} on "
            f"{on.isoformat()}, so nothing governs it and no rule on it is checked.",
        )
    level = chain[found]
    explanation = _explain(chain, found, what, COMMITS, on, uniform_at, start)
    return Governing(level.slug, level.governs(), trail, explanation, level.compact_version)


# How an explanation says "covers": now, in the past, and after "does not".
COVERS = ("covers", "covered", "cover")
COMMITS = ("commits to", "committed to", "commit to")


def _explain(
    chain: Sequence[Level],
    i: int,
    subject: str,
    verb: tuple[str, str, str],
    on: date,
    uniform_at: Tier | None,
    start: int | None,
) -> str:
    day, level = on.isoformat(), chain[i]
    if uniform_at is not None and start is not None:
        if i >= start:
            return (
                f"A rule applied uniformly at {uniform_at.value} level is at stake, so the walk started at "
                f"{chain[start].name}; {level.name}'s compact {verb[0]} {subject} on {day}."
            )
        return (
            f"Nothing at {uniform_at.value} level or above {verb[1]} {subject} on {day}, so the most local "
            f"compact answers: {level.name}'s."
        )
    if i == 0:
        return f"{level.name}'s own compact {verb[0]} {subject} on {day}."
    return (
        f"{chain[0].name}'s compact does not {verb[2]} "
        f"{subject} on {day}, so the next level up that does answers: {level.name}."
    )
