"""Bringing a council's existing compact document in: publish it, or amend the current text to match it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.actors import Actor, require_editor
from domain.commands import AmendCompact, PublishCompact
from domain.compact import Compact, Section, check_sections, check_title, compact_id
from domain.diff import CompactDiff, diff_sections
from domain.errors import InvalidInput
from services.compacts import CompactService
from services.registry import Recorded, Registry


@dataclass(frozen=True)
class ImportPlan:
    """What an import would do: publish version 1, or amend the current version by `diff`."""

    tenant: str
    title: str
    sections: list[Section]
    current_version: int | None
    diff: CompactDiff | None

    @property
    def publishes(self) -> bool:
        return self.current_version is None

    @property
    def changes_nothing(self) -> bool:
        d = self.diff
        return d is not None and not (d.added or d.removed or d.changed)


class ImportService:
    def __init__(self, registry: Registry, compacts: CompactService) -> None:
        self.registry = registry
        self.compacts = compacts

    def plan(self, actor: Actor, *, tenant: str, title: str, sections: list[Section]) -> ImportPlan:
        """Check the document as a compact and compare it with the tenant's current text; store nothing."""
        require_editor(actor, tenant, "import a compact")
        self.registry.require_tenant(tenant)
        checked = check_sections(sections)
        cleaned_title = check_title(title)
        current = self.registry.get_or_none(compact_id(tenant))
        if not isinstance(current, Compact):
            return ImportPlan(tenant, cleaned_title, checked, None, None)
        diff = diff_sections(list(current.sections.values()), checked)
        return ImportPlan(tenant, cleaned_title, checked, current.compact_version, diff)

    def apply(self, actor: Actor, plan: ImportPlan, *, effective_on: date, source: str) -> Recorded:
        """Publish the plan's text, or amend the current version to it from `effective_on`."""
        if plan.publishes:
            return self.compacts.publish(
                actor,
                PublishCompact(
                    tenant=plan.tenant,
                    title=plan.title,
                    effective_on=effective_on,
                    sections=tuple(plan.sections),
                ),
            )
        if plan.changes_nothing or plan.diff is None:
            raise InvalidInput(
                f"The current compact of '{plan.tenant}' already reads as {source}; nothing to amend."
            )
        return self.compacts.amend(
            actor,
            AmendCompact(
                tenant=plan.tenant,
                effective_on=effective_on,
                rationale=f"Imported from {source}",
                upsert=(*plan.diff.added, *(c.after for c in plan.diff.changed)),
                remove=tuple(s.key for s in plan.diff.removed),
            ),
        )
