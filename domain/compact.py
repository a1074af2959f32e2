"""A tenant's compact text: published as version 1, then amended section by section, each on its date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from eventsourcing.domain import event

from domain.errors import InvalidInput, NotFound
from domain.events import RegistryAggregate, aggregate_id
from domain.matters import resolve_matters
from domain.text import one_line

SECTION_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
TITLE_MAX = 300
TEXT_MAX = 50_000


@dataclass(frozen=True)
class Section:
    """One section of a compact, with the matters it covers (canonical keys)."""

    key: str
    heading: str
    text: str
    matters: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "heading": self.heading, "text": self.text, "matters": list(self.matters)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(data["key"], data["heading"], data["text"], tuple(data["matters"]))


def check_title(title: str) -> str:
    return one_line(
        title,
        empty="The title is empty: give the compact the title on its cover.",
        max_length=TITLE_MAX,
        what="The title",
    )


def check_sections(sections: list[Section], *, allow_empty: bool = False) -> list[Section]:
    """Sections with well-formed, unique keys, non-empty headings and text, and known matters."""
    if not sections and not allow_empty:
        raise InvalidInput("A compact needs at least one section.")
    seen: set[str] = set()
    checked: list[Section] = []
    for s in sections:
        if not SECTION_KEY.match(s.key):
            raise InvalidInput(
                f"'{s.key}' is not a valid section key: use up to 40 letters, digits, '.', '_' or '-' "
                "(for example '4.2' or 'next-steps')."
            )
        if s.key in seen:
            raise InvalidInput(f"The section key '{s.key}' appears twice; each section needs its own key.")
        seen.add(s.key)
        heading = " ".join(s.heading.split())
        if not heading:
            raise InvalidInput(f"Section '{s.key}' has no heading.")
        text = s.text.strip()
        if not text:
            raise InvalidInput(f"Section '{s.key}' has no text.")
        if len(text) > TEXT_MAX:
            raise InvalidInput(f"Section '{s.key}' is longer than {TEXT_MAX} characters.")
        checked.append(Section(s.key, heading, text, tuple(resolve_matters(list(s.matters)))))
    return checked


def compact_id(tenant: str) -> str:
    return aggregate_id(tenant, "compact")


class Compact(RegistryAggregate):
    """The text of a tenant's compact and every version it has had."""

    class CompactPublished(RegistryAggregate.Created):
        tenant_slug: str
        title: str
        effective_on: str
        sections: list[dict[str, Any]]

    class CompactAmended(RegistryAggregate.Event):
        compact_version: int
        effective_on: str
        rationale: str
        upserted: list[dict[str, Any]]
        removed: list[str]

    @staticmethod
    def create_id(tenant_slug: str, **_: object) -> str:
        return compact_id(tenant_slug)

    @event(CompactPublished)
    def __init__(
        self,
        tenant_slug: str,
        title: str,
        effective_on: str,
        sections: list[dict[str, Any]],
        actor: str,
    ) -> None:
        self.title = title
        self.compact_version = 1
        self.published_on = date.fromisoformat(effective_on)
        self.effective_on = self.published_on
        self.sections: dict[str, Section] = {s["key"]: Section.from_dict(s) for s in sections}

    def amend(
        self,
        *,
        effective_on: date,
        rationale: str,
        upsert: list[Section],
        remove: list[str],
        actor: str,
    ) -> None:
        """Replace or add sections and remove others, from `effective_on`; version + 1."""
        reason = " ".join(rationale.split())
        if not reason:
            raise InvalidInput("Give a rationale: say why the compact is being amended.")
        if effective_on < self.effective_on:
            raise InvalidInput(
                f"The amendment takes effect on {effective_on.isoformat()}, before version "
                f"{self.compact_version} ({self.effective_on.isoformat()}); amendments follow one another."
            )
        if not upsert and not remove:
            raise InvalidInput("The amendment changes nothing: give sections to add, replace or remove.")
        checked = check_sections(upsert, allow_empty=True)
        upserted_keys = {s.key for s in checked}
        for key in remove:
            if key in upserted_keys:
                raise InvalidInput(f"Section '{key}' is both replaced and removed; choose one.")
            if key not in self.sections:
                raise NotFound(f"The compact has no section '{key}' to remove.")
        if len(set(remove)) != len(remove):
            raise InvalidInput("A section is listed twice for removal.")
        remaining = (set(self.sections) - set(remove)) | upserted_keys
        if not remaining:
            raise InvalidInput("The amendment would leave the compact with no sections.")
        self._amended(
            compact_version=self.compact_version + 1,
            effective_on=effective_on.isoformat(),
            rationale=reason,
            upserted=[s.as_dict() for s in checked],
            removed=list(remove),
            actor=actor,
        )

    @event(CompactAmended)
    def _amended(
        self,
        compact_version: int,
        effective_on: str,
        rationale: str,
        upserted: list[dict[str, Any]],
        removed: list[str],
        actor: str,
    ) -> None:
        self.compact_version = compact_version
        self.effective_on = date.fromisoformat(effective_on)
        for key in removed:
            del self.sections[key]
        for data in upserted:
            self.sections[data["key"]] = Section.from_dict(data)


def publish_compact(
    *, tenant: str, title: str, effective_on: date, sections: list[Section], actor: str
) -> Compact:
    """Version 1 of a tenant's compact, after checking its title and sections."""
    return Compact(
        tenant_slug=tenant,
        title=check_title(title),
        effective_on=effective_on.isoformat(),
        sections=[s.as_dict() for s in check_sections(sections)],
        actor=actor,
    )
