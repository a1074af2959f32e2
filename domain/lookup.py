"""The tiered lookup as a pure function: which compact governs a matter for a locality on a date, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
class Level:
    """One tenant of the chain: its compact version in force, sections tagged with the matter, codes."""

    slug: str
    name: str
    tier: Tier
    compact_version: int | None
    sections: tuple[str, ...] = ()
    code_facts: tuple[CodeFact, ...] = ()

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


def _reason(level: Level, matter: Matter, on: date) -> str:
    day = on.isoformat()
    if level.compact_version is None:
        return f"{level.name} had no compact in force on {day}."
    if not level.covers(on):
        return (
            f"{level.name}'s compact in force on {day} has no section on {matter.key} "
            "and no adopted code covering it."
        )
    parts = []
    if level.sections:
        parts.append(("section " if len(level.sections) == 1 else "sections ") + ", ".join(level.sections))
    codes = level.codes(on)
    if codes:
        parts.append(("the adopted code " if len(codes) == 1 else "the adopted codes ") + ", ".join(codes))
    return f"{level.name}'s compact in force on {day} covers {matter.key} in {' and '.join(parts)}."


def walk(chain: list[Level], matter: Matter, on: date, uniform_at: Tier | None = None) -> Answer:
    """Walk the chain (the locality first, then each ancestor up to the national level).

    Most local first: the first level that covers the matter answers. With `uniform_at`, a rule applied
    uniformly at that tier is at stake: start at the nearest level of that tier or higher and walk up;
    if nothing there covers it, fall back to the most-local-first walk over the levels not yet consulted.
    """
    if not chain:
        raise ValueError("a lookup needs at least the locality itself")
    order = list(range(len(chain)))
    start = None
    if uniform_at is not None:
        start = next(
            (i for i, level in enumerate(chain) if TIER_RANK[level.tier] >= TIER_RANK[uniform_at]), None
        )
        if start is not None:
            order = list(range(start, len(chain))) + list(range(start))
    steps: list[Step] = []
    for i in order:
        level = chain[i]
        covered = level.covers(on)
        steps.append(Step(level.slug, covered, _reason(level, matter, on)))
        if covered:
            return Answer(level.slug, tuple(steps), _explain(chain, level, matter, on, uniform_at, start, i))
    locality = chain[0].name
    top = chain[-1].name
    return Answer(
        None,
        tuple(steps),
        f"No compact from {locality} up to {top} covered {matter.key} on {on.isoformat()}.",
    )


def _explain(
    chain: list[Level],
    level: Level,
    matter: Matter,
    on: date,
    uniform_at: Tier | None,
    start: int | None,
    i: int,
) -> str:
    day = on.isoformat()
    if uniform_at is not None and start is not None:
        if i >= start:
            return (
                f"A rule applied uniformly at {uniform_at.value} level is at stake, so the walk started at "
                f"{chain[start].name}; {level.name}'s compact covers {matter.key} on {day}."
            )
        return (
            f"Nothing at {uniform_at.value} level or above covered {matter.key} on {day}, so the most local "
            f"compact answers: {level.name}'s."
        )
    if level is chain[0]:
        return f"{level.name}'s own compact covers {matter.key} on {day}."
    return (
        f"{chain[0].name}'s compact does not cover {matter.key} on {day}, so the next level up that does "
        f"answers: {level.name}."
    )
