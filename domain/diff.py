"""What changed between two versions of a compact: sections added, removed, changed, word by word."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from itertools import pairwise

from domain.compact import Section

# Words and the spaces after them stay together, so a marked text reads like the original.
_TOKEN = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class WordChange:
    op: str  # "same", "added" or "removed"
    text: str


@dataclass(frozen=True)
class SectionChange:
    key: str
    before: Section
    after: Section
    words: tuple[WordChange, ...]

    @property
    def marked(self) -> str:
        """The text with removals as [-old-] and additions as {+new+}, as a word diff shows them."""
        out = []
        for w in self.words:
            if w.op == "same":
                out.append(w.text)
            elif w.op == "removed":
                out.append(f"[-{w.text.rstrip()}-]" + w.text[len(w.text.rstrip()) :])
            else:
                out.append("{+" + w.text.rstrip() + "+}" + w.text[len(w.text.rstrip()) :])
        return "".join(out)


@dataclass(frozen=True)
class CompactDiff:
    added: tuple[Section, ...]
    removed: tuple[Section, ...]
    changed: tuple[SectionChange, ...]


def word_changes(before: str, after: str) -> tuple[WordChange, ...]:
    old, new = _TOKEN.findall(before), _TOKEN.findall(after)
    changes: list[WordChange] = []
    matcher = difflib.SequenceMatcher(a=[t.strip() for t in old], b=[t.strip() for t in new], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes.append(WordChange("same", "".join(new[j1:j2])))
            continue
        if i2 > i1:
            changes.append(WordChange("removed", "".join(old[i1:i2])))
        if j2 > j1:
            changes.append(WordChange("added", "".join(new[j1:j2])))
    return tuple(changes)


def diff_sections(before: list[Section], after: list[Section]) -> CompactDiff:
    """Sections by key: new keys are added, missing keys removed, others changed if anything differs."""
    old = {s.key: s for s in before}
    new = {s.key: s for s in after}
    changed = tuple(
        SectionChange(key, old[key], section, word_changes(old[key].text, section.text))
        for key, section in new.items()
        if key in old and old[key] != section
    )
    return CompactDiff(
        added=tuple(s for k, s in new.items() if k not in old),
        removed=tuple(s for k, s in old.items() if k not in new),
        changed=changed,
    )


def change_lines(before: list[Section], after: list[Section]) -> list[str]:
    """One line per section added, removed or changed, the changed ones with their word diff."""
    d = diff_sections(before, after)
    return [
        *(f"added {s.key} {s.heading}: {s.text}" for s in d.added),
        *(f"removed {s.key} {s.heading}" for s in d.removed),
        *(f"changed {c.key} {c.after.heading}: {c.marked}" for c in d.changed),
    ]


@dataclass(frozen=True)
class Version:
    number: int
    effective_on: str
    rationale: str | None
    sections: tuple[Section, ...]


def amendment_history(title: str, versions: list[Version]) -> str:
    """Every version of a compact after the first, with what changed from the one before, as Markdown."""
    lines = [f"# {title}: amendments", ""]
    if not versions:
        return "\n".join([*lines, "No compact has been published.", ""])
    first = versions[0]
    lines += [
        f"Version {first.number} took effect on {first.effective_on} with {len(first.sections)} sections.",
        "",
    ]
    for before, after in pairwise(versions):
        lines += [f"## Version {after.number}, in effect from {after.effective_on}", ""]
        if after.rationale:
            lines += [f"Why: {after.rationale}", ""]
        lines += [f"- {line}" for line in change_lines(list(before.sections), list(after.sections))] or [
            "- no section changed"
        ]
        lines.append("")
    return "\n".join(lines)
