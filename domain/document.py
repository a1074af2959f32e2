"""Reads a compact document (plain text or Markdown) into a title and sections with proposed matters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from domain.compact import Section
from domain.errors import InvalidInput
from domain.matters import resolve_matter

# Keywords that suggest a section covers a matter; a tenant's vocabulary adds to them.
KEYWORDS: Mapping[str, tuple[str, ...]] = {
    "funding": ("fund", "funding", "funded", "funder", "grant", "grant aid", "finance", "financial",
                "payment", "commissioning", "three months"),
    "consultation": ("consult", "consultation", "consulted", "consulting", "policy development",
                     "engagement", "views"),
    "volunteering": ("volunteer", "volunteering", "valuing volunteers"),
    "equality": ("equality", "equal", "diversity", "diverse", "discrimination", "bme", "inclusion",
                 "inclusive", "disadvantaged", "under-represented", "underrepresented"),
    "disputes": ("dispute", "disagreement", "complaint", "mediation", "mediate", "conflict",
                 "resolving disagreements"),
    "champions": ("champion",),
    "codes": ("code of practice", "codes of practice", "code of good practice", "codes of good practice"),
    "review": ("review", "reviewed", "monitoring", "monitor", "evaluation", "annual report", "annually",
               "annual"),
    "independence": ("independence", "independent", "campaign", "campaigning", "advocacy", "advocate",
                     "challenge"),
    "confidentiality": ("confidential", "confidentiality", "information sharing", "sharing of information",
                        "data protection"),
    "community-groups": ("community groups", "community group", "faith", "small groups", "smaller",
                         "grass roots"),
    "procurement": ("procurement", "tender", "tendering", "delivering public services", "service delivery"),
    "partnership": ("partnership", "partner", "working together", "work together", "joint"),
}  # fmt: skip

# Where nothing in a section names a matter, it is about the partnership itself: every compact's
# general sections (vision, purpose, principles) are, and an officer can retag them before publishing.
FALLBACK_MATTER = "partnership"

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})[.)]?\s+(\S.*)$")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_BULLET = re.compile(r"^\s*(?:[-•*·▪o])\s+(.*)$")
_TOC = re.compile(r"^[^\t]{1,80}\t\s*\d{0,3}\s*$")
_APPENDIX = re.compile(r"^appendix(?:\s+([a-z0-9]{1,3}))?\b[\s:.)-]*(.*)$", re.IGNORECASE)
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_DATE = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december)\b.*\b\d{4}\b",
    re.IGNORECASE,
)
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(\S(?:.*?\S)?)\1")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
_STOP = _SMALL_WORDS | {"compact", "local", "draft"}


@dataclass(frozen=True)
class ParsedSection:
    key: str
    heading: str
    text: str
    matters: tuple[str, ...]
    kind: str  # "section", "glossary" or "appendix"


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    sections: tuple[ParsedSection, ...]

    def to_sections(self) -> list[Section]:
        return [Section(s.key, s.heading, s.text, s.matters) for s in self.sections]


def decode(data: bytes) -> str:
    """The document's text: UTF-8 only, and refused with a reason when it is not a text file at all."""
    if not data.strip():
        raise InvalidInput("The file is empty: there is no compact in it to import.")
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) // 20:
        raise InvalidInput(
            "The file looks like a binary file (a PDF or Word document?); save it as plain text (UTF-8) "
            "and import that."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            f"The file is not UTF-8 text (byte {error.start} cannot be read); save it again as UTF-8 "
            "and import that."
        ) from error
    if not text.strip():
        raise InvalidInput("The file is empty: there is no compact in it to import.")
    return text


def _clean(line: str) -> str:
    """One line with odd spaces made plain and Markdown emphasis removed; tabs kept for tables."""
    line = unicodedata.normalize("NFC", line)
    line = "".join(" " if unicodedata.category(c) == "Zs" else c for c in line)
    return _EMPHASIS.sub(r"\2", line).rstrip()


def _title_case(title: str) -> str:
    """A title shouted in capitals is written as a title; one in mixed case is left as it is."""
    letters = [c for c in title if c.isalpha()]
    if sum(c.isupper() for c in letters) <= len(letters) // 2:
        return title
    words = title.lower().split()
    return " ".join(w if i and w in _SMALL_WORDS else w.capitalize() for i, w in enumerate(words))


def _slug(heading: str) -> str:
    words = re.findall(r"[a-z0-9]+", heading.lower())
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > 40:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "section"


@dataclass
class _Heading:
    key: str
    heading: str
    kind: str


class _Lines:
    """The document's lines with what the heading rules need to know about their neighbours."""

    def __init__(self, text: str) -> None:
        source = text.splitlines()
        kept: list[str] = []
        for i, original in enumerate(source):
            if _TOC.match(original):
                continue  # a table of contents entry: the headings themselves follow
            line = _clean(original)
            if line.strip().casefold() == "contents":
                following = next((r for r in source[i + 1 :] if r.strip()), "")
                if _TOC.match(following):
                    continue
            kept.append(line)
        self.lines = kept

    def blank(self, i: int) -> bool:
        return i < 0 or i >= len(self.lines) or not self.lines[i].strip()

    def next_filled(self, i: int) -> int | None:
        for j in range(i + 1, len(self.lines)):
            if self.lines[j].strip():
                return j
        return None

    def numbered(self, i: int) -> bool:
        return 0 <= i < len(self.lines) and bool(_NUMBERED.match(self.lines[i].strip()))


def _heading_like(line: str) -> bool:
    """Short, starting with a capital, without the punctuation that ends or leads into a sentence."""
    words = line.split()
    if not words or len(line) > 80 or len(words) > 11 or "\t" in line or not re.search(r"[A-Za-z]{3}", line):
        return False
    if not (line[0].isupper() or line[0].isdigit()) or _DATE.search(line) or _BULLET.match(line):
        return False
    if line[-1] in ".;,!-\"\u201d'\u2019" or "@" in line or "www." in line or "://" in line:
        return False
    if line.endswith(":"):
        # "Purpose Of The Compact:" is a heading; "Our objectives are to:" introduces a list.
        capitals = sum(1 for w in words if w[0].isupper() or w.lower() in _SMALL_WORDS)
        return capitals == len(words) and sum(1 for w in words if w[0].isupper()) >= 2
    return True


def _is_heading(lines: _Lines, i: int) -> _Heading | None:
    line = lines.lines[i].strip()
    md = _MD_HEADING.match(line)
    if md:
        inner = md.group(2).strip()
        numbered = _NUMBERED.match(inner)
        if numbered:
            return _Heading(numbered.group(1), numbered.group(2).strip(), "section")
        return _plain(inner)
    appendix = _APPENDIX.match(line)
    if appendix and len(line) <= 80 and lines.blank(i + 1):
        label = appendix.group(1) or ""
        return _Heading(f"appendix-{label.lower()}" if label else "appendix", line, "appendix")
    numbered = _NUMBERED.match(line)
    if numbered:
        # Numbered lines that follow one another with no blank between are a list, not headings.
        if (not lines.blank(i - 1) and lines.numbered(i - 1)) or (
            not lines.blank(i + 1) and lines.numbered(i + 1)
        ):
            return None
        title = numbered.group(2).strip()
        if not _heading_like(title.rstrip(":")) or len(title) > 100:
            return None
        return _Heading(numbered.group(1), title.rstrip(":").strip(), "section")
    if not (lines.blank(i - 1) and lines.blank(i + 1)) or not _heading_like(line):
        return None
    # A heading leads into its body: a run of short lines (a cover, a motto) is not one.
    after = lines.next_filled(i)
    if after is not None:
        nxt = lines.lines[after].strip()
        if (
            _heading_like(nxt)
            and lines.blank(after + 1)
            and not _NUMBERED.match(nxt)
            and not _APPENDIX.match(nxt)
            and nxt.casefold() != "glossary"
        ):
            return None
    return _plain(line)


def _plain(line: str) -> _Heading:
    heading = line.rstrip(":").strip()
    kind = "glossary" if heading.casefold() == "glossary" else "section"
    return _Heading(_slug(heading), heading, kind)


def _opens_part(current: _Heading, heading: _Heading) -> bool:
    """What ends an appendix: another part or a numbered heading; a glossary ends at a title-cased one too."""
    if heading.kind != "section" or _NUMBERED.match(heading.key):
        return True
    if current.kind == "appendix":
        return False  # an appendix's short lines are the labels of its lists and tables
    words = heading.heading.split()
    return sum(1 for w in words if w[0].isupper()) * 4 >= len(words) * 3


def _subtitle(lines: _Lines, i: int, heading: _Heading) -> int:
    """An appendix's own title on the next line joins its heading ("Appendix A: Steering group")."""
    after = lines.next_filled(i)
    if after is None or not lines.blank(after + 1):
        return i
    nxt = lines.lines[after].strip()
    if not _heading_like(nxt) or _APPENDIX.match(nxt) or _NUMBERED.match(nxt) or ":" in heading.heading:
        return i
    heading.heading = f"{heading.heading}: {_title_case(nxt)}"
    return after


def _title(lines: _Lines) -> tuple[str, int]:
    """The cover title and the index of the first line after it."""
    for i, raw in enumerate(lines.lines):
        md = _MD_HEADING.match(raw.strip())
        if md and len(md.group(1)) == 1:
            return md.group(2).strip(), i + 1
    candidates = [
        (i, line.strip())
        for i, line in enumerate(lines.lines[:80])
        if line.strip() and len(line.strip()) <= 80 and not _DATE.search(line) and "\t" not in line
    ]
    for i, line in candidates:
        words = {w.casefold() for w in re.findall(r"[A-Za-z]+", line)}
        # The cover names the compact and its place ("The Harrow Compact 2009"), not just "The Compact".
        if "compact" in words and words - _STOP and not _NUMBERED.match(line):
            return line, i + 1
    if candidates:
        return candidates[0][1], candidates[0][0] + 1
    raise InvalidInput("The document has no title: put the compact's title on its first line.")


def _item(line: str) -> str:
    """A body line as it is kept: bullets as '- ', table cells joined by ' | '."""
    stripped = line.strip()
    bullet = _BULLET.match(line)
    if bullet:
        return f"- {bullet.group(1).strip()}"
    if "\t" in stripped:
        cells = [c.strip() for c in stripped.split("\t")]
        while cells and not cells[-1]:
            cells.pop()
        return " | ".join(cells)
    if stripped.startswith("|") and stripped.endswith("|"):
        return " | ".join(c.strip() for c in stripped.strip("|").split("|"))
    return stripped


def _pattern(keyword: str) -> re.Pattern[str]:
    words = r"\s+".join(re.escape(w) for w in keyword.split())
    # Simple plurals and verb endings count: "champions", "disputes", "funded".
    return re.compile(rf"\b{words}(?:s|es|ed|ing)?\b", re.IGNORECASE)


def _vocabulary(extra: Mapping[str, Sequence[str]] | None) -> dict[str, list[tuple[re.Pattern[str], int]]]:
    merged: dict[str, list[str]] = {k: list(v) for k, v in KEYWORDS.items()}
    for name, words in (extra or {}).items():
        key = resolve_matter(name).key
        if isinstance(words, str) or not all(isinstance(w, str) and w.strip() for w in words):
            raise InvalidInput(f"The keywords for '{name}' must be a list of words or phrases.")
        merged.setdefault(key, []).extend(w.strip() for w in words)
    # A phrase ("codes of practice") is stronger evidence than a single word ("review").
    return {k: [(_pattern(w), 2 if " " in w else 1) for w in words] for k, words in merged.items()}


def propose_matters(
    heading: str, text: str, vocabulary: dict[str, list[tuple[re.Pattern[str], int]]]
) -> tuple[str, ...]:
    """Matters named in the heading, or named in the text twice (a phrase counts twice); else the fallback."""
    found = []
    for matter, patterns in vocabulary.items():
        in_heading = any(p.search(heading) for p, _weight in patterns)
        in_text = sum(len(p.findall(text)) * weight for p, weight in patterns)
        if in_heading or in_text >= 2:
            found.append(matter)
    return tuple(found) or (FALLBACK_MATTER,)


def parse_document(text: str, *, vocabulary: Mapping[str, Sequence[str]] | None = None) -> ParsedDocument:
    """The title and the sections of a compact document, each with the matters it seems to cover.

    Sections are found at numbered headings ("4.2 Commitments by Public Bodies"), unnumbered ones
    ("Next steps"), Markdown headings, the glossary and appendices. A heading with no text of its own
    before the next one (a part that only groups its subsections) is not kept as a section.
    """
    patterns = _vocabulary(vocabulary)
    lines = _Lines(text)
    title, start = _title(lines)
    title = _title_case(" ".join(title.split()))
    current: _Heading | None = None
    body: list[str] = []
    found: list[tuple[_Heading, list[str]]] = []
    preamble: list[str] = []
    headings = 0
    skip_to = -1
    title_key = title.casefold()
    for i in range(start, len(lines.lines)):
        line = lines.lines[i]
        if i <= skip_to:
            continue
        if not line.strip():
            if body and body[-1]:
                body.append("")
            continue
        if _MD_TABLE_RULE.match(line.strip()):
            continue
        heading = _is_heading(lines, i)
        if (
            heading is not None
            and heading.kind == "section"
            and heading.heading.casefold().startswith(title_key)
        ):
            heading = None  # the cover's title repeated with its motto, not a section
        if (
            heading is not None
            and current is not None
            and current.kind != "section"
            and not _opens_part(current, heading)
        ):
            heading = None  # inside an appendix or the glossary, short lines are its own labels and terms
        if heading is not None:
            headings += 1
            if current is not None:
                found.append((current, body))
            current, body = heading, []
            if heading.kind == "appendix":
                skip_to = _subtitle(lines, i, heading)
            continue
        if current is None:
            # Before the first heading: a cover's short lines are left out, an opening paragraph kept.
            if len(line.strip()) >= 100 or _BULLET.match(line):
                preamble.append(_item(line))
            continue
        body.append(_item(line))
    if current is not None:
        found.append((current, body))
    if headings == 0:
        raise InvalidInput(
            "No sections were found: the importer looks for headings on lines of their own, numbered "
            "('4.2 Commitments by Public Bodies') or not ('Next steps'), or Markdown '#' headings."
        )
    if preamble:
        found.insert(0, (_Heading("introduction", "Introduction", "section"), preamble))
    sections: list[ParsedSection] = []
    used: dict[str, int] = {}
    for heading, lines_of in found:
        body_text = "\n".join(lines_of).strip()
        body_text = re.sub(r"\n{2,}", "\n\n", body_text)
        if not body_text:
            continue
        key = heading.key
        used[key] = used.get(key, 0) + 1
        if used[key] > 1:
            key = f"{key}-{used[key]}"
        matters = propose_matters(heading.heading, body_text, patterns)
        sections.append(ParsedSection(key, heading.heading, body_text, matters, heading.kind))
    if not sections:
        raise InvalidInput("The headings found have no text under them; there is nothing to publish.")
    return ParsedDocument(title=title, sections=tuple(sections))
