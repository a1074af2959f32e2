"""Reads a compact document, plain text or Markdown, into its title and sections with proposed matters."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from domain.commitment_reading import SectionText, read_commitments
from domain.commitments import Commitment
from domain.compact import Section
from domain.errors import InvalidInput
from domain.matters import resolve_matter

KINDS = ("section", "glossary", "appendix")
# How the document was read: by its headings, as one numbered list (each item a section), or whole.
SHAPES = ("headings", "numbered-list", "single-section")

# Words and phrases that suggest a section covers a matter. Matching is case-insensitive, on whole
# words, and takes simple plurals and verb endings ("fund" finds "funds", "funded", "funding").
# A tenant's vocabulary adds to these; it never replaces them.
KEYWORDS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "funding": ("fund", "funder", "grant", "grant aid", "finance", "financial", "budget", "commissioning",
                "full cost recovery", "multi-year funding", "funding code", "funding relationship"),
    "consultation": ("consult", "consultation", "views", "engagement", "policy development",
                     "developing policy", "consultation code"),
    "volunteering": ("volunteer", "volunteering"),
    "equality": ("equality", "equalities", "diversity", "discrimination", "discriminatory", "inequality",
                 "inclusion", "inclusive", "disadvantaged", "under-represented", "underrepresented", "bme",
                 "minority", "equal opportunities", "social inclusion", "socially excluded",
                 "black and minority ethnic", "sexual orientation"),
    "disputes": ("dispute", "disagreement", "complaint", "mediation", "mediate", "conflict",
                 "dispute resolution"),
    "champions": ("champion", "compact champion"),
    "codes": ("code", "code of practice", "code of good practice", "code of best practice", "compact code"),
    "review": ("review", "monitoring", "monitor", "evaluation", "annually", "annual review", "annual report",
               "annual conference", "annual basis"),
    "independence": ("independence", "independent", "independently", "campaign", "advocacy", "advocate",
                     "challenge policy", "right to campaign"),
    "confidentiality": ("confidentiality", "confidential", "information sharing", "sharing of information",
                        "data protection", "sensitive information", "freedom of information"),
    "community-groups": ("faith", "community group", "small group", "smaller group", "small organisation",
                         "smaller organisation", "smaller voluntary organisation", "smaller partner",
                         "grass roots", "grassroots", "faith group", "faith community", "bme group"),
    "procurement": ("procurement", "procure", "tender", "tendering", "contract", "service level agreement",
                    "delivering public services", "public service delivery"),
    "partnership": ("partnership", "collaborate", "collaboration", "jointly", "joint working",
                    "partnership working", "working together", "work together", "working in partnership"),
})  # fmt: skip

# Single words that name a matter outright: one mention is enough, as it is for any phrase. Other
# single words are only hints, and a section needs two of them (or one in its heading).
_STRONG = frozenset({
    "consultation", "volunteering", "equality", "diversity", "discrimination", "dispute", "disagreement",
    "complaint", "mediation", "champion", "independence", "confidentiality", "procurement", "tendering",
    "volunteer", "bme",
})  # fmt: skip

# Phrases that contain a keyword but mean something else: a court's judicial review is not the
# compact's annual review, and "voluntary and community groups" is the whole sector, not the small
# community groups that matter means.
_FALSE_FRIENDS = re.compile(
    r"\bjudicial\s+reviews?\b|\bvoluntary\s+and\s+community\s+groups?\b", re.IGNORECASE
)

# A section that names no matter is about the partnership itself, as every compact's general parts
# (vision, purpose, principles) are; proposing nothing would leave the officer nothing to correct.
FALLBACK_MATTER = "partnership"

_NO_TITLE = "The document has no title: put the compact's title on its first line."
_EMPTY = "The document is empty: there is no compact in it to import."

# Odd spaces read as spaces; zero-width marks, soft hyphens and the direction marks a word processor
# leaves in English text, as nothing (the registry refuses headings and names that hold direction marks).
_ODD_SPACES: dict[str, str | None] = {c: " " for c in "\u00a0\u1680\u202f\u205f\u3000"}
_ODD_SPACES |= {chr(c): " " for c in range(0x2000, 0x200B)} | {c: None for c in "\u200b\u2060\ufeff\u00ad"}
_ODD_SPACES |= {c: None for c in "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"}
_SPACES = str.maketrans(_ODD_SPACES)
_RUNS = re.compile(r"(?<=\S) {2,}(?=\S)")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3})(?=\S)(.+?)(?<=\S)\1")
_LINK = re.compile(r"!?\[([^\]\n]+)\]\(([^)\s]+)\)")
_RULE = re.compile(
    r"^\s*(?:([-*_])\s*(?:\1\s*){2,}|\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-{3,}:?\s*\|?|\|?\s*:?-{3,}:?\s*\|)$"
)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_NUMBERED = re.compile(r"^(?:(?i:section)\s+)?(\d{1,2}(?:\.\d{1,2}){0,3})\.?\)?\s+(\S.*)$")
# Headings numbered in capital Roman numerals ("IV. Complaints"); the dot keeps "I will" out.
_ROMAN = re.compile(r"^(?:(?i:section)\s+)?([IVX]{1,6})[.)]\s+(\S.*)$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
# An item of a document that is one numbered list: "1." or "2)" at the start of a line.
_LIST_NUMBER = re.compile(r"^\s{0,3}(\d{1,3})[.)]\s+(\S.*)$")
# A page's number as a word processor writes it ("Page 3 of 12", "- 4 -"): never the compact's text.
_PAGE_MARK = re.compile(
    r"^\s*(?:page\s+\d{1,4}(?:\s+of\s+\d{1,4})?|\d{1,4}\s+of\s+\d{1,4}|[-\u2013\u2014]\s*\d{1,4}\s*[-\u2013\u2014])\s*$",
    re.IGNORECASE,
)
_APPENDIX = re.compile(
    r"^((?i:appendix|annexe|annex))(?:\s+([A-Z]|[IVX]{1,4}|\d{1,2})\b)?\s*[:.)\u2013\u2014-]?\s*(.*)$"
)
_GLOSSARY = re.compile(r"^(?:glossary|definitions|terms used)\b", re.IGNORECASE)
_CONTENTS = re.compile(r"^(?:table\s+of\s+)?contents:?$", re.IGNORECASE)
_TOC_ENTRY = re.compile(r"^\S.{0,100}?(?:\t+\s*\d{0,3}|[ \t]*(?:\.{3,}|\u2026+)[ \t]*\d{1,3}|\s+\d{1,3})\s*$")
_BULLET = re.compile(r"^\s*[-\u2022*\u00b7\u25aa\u25e6\u25cf\u25a0\u2023\u2013\u27a2o]\s+(\S.*)$")
_LIST_ITEM = re.compile(r"^\s*(?:\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})\)|\d{1,3}\.|[a-z]\.)\s+\S")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(rf"\b(?:{_MONTHS})\b.*\b\d{{4}}\b", re.IGNORECASE)
_DATE_ONLY = re.compile(
    rf"^(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_MONTHS})\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?\d{{4}}$",
    re.IGNORECASE,
)
_PAGE = re.compile(
    r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$|^[-\u2013]\s*\d{1,3}\s*[-\u2013]$", re.IGNORECASE
)
_TERMINAL = re.compile(r"[.!?:;][\"'\u201d\u2019)]*$")
_SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the",
                          "to", "with"})  # fmt: skip
_LEADS_ON = _SMALL_WORDS | {"that", "which", "who", "their", "its", "our", "is", "are", "will", "be"}
_STOP = _SMALL_WORDS | {"compact", "local", "draft"}
_WORD = re.compile(r"[\"'(\u201c\u2018]*[^\W\d_]{2,}(?:['\u2019./&-][^\W\d_]+)*[.,;:!?)\"'\u201d\u2019]*")
_FRONT_MATTER = re.compile(r"\A---\n(?:[ \t]*(?:[\w-]+:.*|-\s.*|#.*)?\n){0,100}?---\n")


@dataclass(frozen=True)
class ParsedSection:
    """One section as found in the document: matters it covers, matters it only promises, its commitments."""

    key: str
    heading: str
    text: str
    matters: tuple[str, ...]
    kind: str  # one of KINDS: "section", "glossary" or "appendix"
    planned: tuple[str, ...] = ()  # matters the section only promises ("will develop a mechanism")
    commitments: tuple[Commitment, ...] = ()


@dataclass(frozen=True)
class ParsedDocument:
    """A compact document's title, its sections in the order they appear, and how it was read.

    `shape` is one of SHAPES; `warnings` say, for the officer checking the import, what the importer
    guessed or left out.
    """

    title: str
    sections: tuple[ParsedSection, ...]
    shape: str = "headings"
    warnings: tuple[str, ...] = ()

    def to_sections(self) -> list[Section]:
        return [Section(s.key, s.heading, s.text, s.matters, s.planned, s.commitments) for s in self.sections]

    @property
    def commitments(self) -> tuple[tuple[str, Commitment], ...]:
        """Every proposed commitment with the key of the section that holds it, in the document's order."""
        return tuple((s.key, c) for s in self.sections for c in s.commitments)


def decode(data: bytes) -> str:
    """The document's text: UTF-8 only, and refused with a reason when it is not a text file at all."""
    if not data.strip():
        raise InvalidInput("The file is empty: there is no compact in it to import.")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InvalidInput(
            "The file is saved as UTF-16; save it again as plain text in UTF-8 and import that."
        )
    sample = data[:8192]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    # Office files and PDFs are zip archives or binary streams: NUL bytes, or control bytes galore.
    if b"\x00" in sample or controls * 20 > len(sample) or data.startswith((b"%PDF", b"PK\x03\x04")):
        raise InvalidInput(
            "The file looks like a binary file (a PDF or Word document?); save it as plain text (UTF-8) "
            "and import that."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise InvalidInput(
            f"The file is not UTF-8 text (byte {error.start}, on line {line}, cannot be read); "
            "save it again as UTF-8 and import that."
        ) from error
    if not text.strip():
        raise InvalidInput("The file is empty: there is no compact in it to import.")
    return text


def parse_document(text: str, *, vocabulary: Mapping[str, Sequence[str]] | None = None) -> ParsedDocument:
    """The title and the sections of a compact document, each with its matters and proposed commitments.

    Sections start at numbered headings ("4.2 Commitments by Public Bodies", "IV. Complaints"),
    unnumbered ones on lines of their own ("Next steps"), Markdown headings, the glossary and
    appendices. A heading with no text of its own (a part that only groups numbered subsections) is left
    out. A document without such headings is read as its numbered items when it is one numbered list,
    and as one section otherwise: any document with a title and text imports, and its warnings say how.
    """
    patterns = _compile(vocabulary)
    reader = _Reader(text)
    if not any(line.strip() for line in reader.lines):
        raise InvalidInput(_EMPTY)
    title, first, after = reader.title()
    if not title:
        raise InvalidInput(_NO_TITLE)
    layout = (
        _by_headings(reader, first, after)
        or _by_numbered_list(reader, first, after)
        or _as_one_section(reader, title, first, after)
    )
    sections: list[ParsedSection] = []
    warnings = list(layout.notes)
    used: set[str] = set()
    for part, body in layout.parts:
        section = _section(part, body, patterns, used)
        if section.key != part.key and part.numbered:
            warnings.append(
                f"Two sections are numbered {part.key}; the second is keyed '{section.key}'. "
                "Check the numbering, or give it the key you prefer."
            )
        sections.append(section)
    if not _reads_as_words(body for _, body in layout.parts):
        warnings.append(
            "Much of the text is not words (is this the compact's file?): read it before publishing."
        )
    if layout.left_out:
        shown = "; ".join(f"'{line}'" for line in layout.left_out[:4])
        more = f" and {len(layout.left_out) - 4} more" if len(layout.left_out) > 4 else ""
        warnings.append(f"Left out as the cover's lines, not the compact's text: {shown}{more}.")
    read, notes = _with_commitments(sections, title, patterns)
    return ParsedDocument(title=title, sections=read, shape=layout.shape, warnings=(*warnings, *notes))


@dataclass
class _Layout:
    """The parts a document was read into, each with its text, and what the reading could not keep."""

    shape: str
    parts: list[tuple[_Part, str]]
    left_out: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _by_headings(reader: _Reader, first: int, after: int) -> _Layout | None:
    """The document read by its headings, or None when it has none with text under them."""
    parts = reader.parts(after)
    if not parts:
        return None
    intro = _Part("introduction", "Introduction", "section", numbered=False, level=0, source="")
    intro.lines = reader.lines[after : parts[0].start]
    kept: list[_Part] = []
    for n, part in enumerate(parts):
        if any(line.strip() for line in part.lines):
            kept.append(part)
        elif not _groups(part, parts[n + 1] if n + 1 < len(parts) else None):
            # A line that looked like a heading but leads into nothing ("Source: ...") is text after all.
            (kept[-1] if kept else intro).lines.extend(["", part.source])
    bodies = [(part, _render(_blocks(part.lines, reader.markdown, reader.folded))) for part in kept]
    layout = _Layout("headings", [(part, body) for part, body in bodies if body])
    if not layout.parts:
        return None
    # Before the first heading, paragraphs of prose are kept as an introduction; a cover's short lines
    # (a motto, a date, "supported by") are not. Markdown marks its title, so all that follows it is text.
    before = _blocks(reader.lines[:first], reader.markdown, reader.folded)
    after_title = _blocks(intro.lines, reader.markdown, reader.folded)
    intro_blocks = [b for b in before if _prose(b)] + [b for b in after_title if reader.markdown or _prose(b)]
    layout.left_out = _left_out(reader, [b for b in before + after_title if b not in intro_blocks])
    if intro_blocks:
        intro.key = "introduction" if all(p.key != "introduction" for p in kept) else "preamble"
        layout.parts.insert(0, (intro, _render(intro_blocks)))
    return layout


def _by_numbered_list(reader: _Reader, first: int, after: int) -> _Layout | None:
    """A document that is one numbered list: each item a section keyed by its number."""
    items: list[tuple[str, list[str]]] = []
    lead: list[str] = []
    for line in reader.lines[after:]:
        found = _LIST_NUMBER.match(line)
        if found and int(found.group(1)) == len(items) + 1:
            items.append((found.group(1), [found.group(2)]))
        elif items:
            items[-1][1].append(line)
        else:
            lead.append(line)
    listed = sum(len(line.strip()) for _, lines in items for line in lines)
    # A short list inside prose does not make the document a list: its items must carry most of the text.
    if len(items) < 2 or listed < sum(len(line.strip()) for line in lead):
        return None
    layout = _Layout("numbered-list", [])
    intro = _introduction(reader, first, lead, layout)
    if intro is not None:
        layout.parts.append(intro)
    for number, lines in items:
        body = _render(_blocks(lines, reader.markdown, reader.folded))
        heading = _item_heading(body)
        layout.parts.append((_Part(number, heading, "section", True, 0, f"{number}. {heading}"), body))
    layout.notes.append(
        f"The document has no headings: each of its {len(items)} numbered items became a section, keyed by "
        "its number, with a heading made from its first words. Check the headings before publishing."
    )
    return layout


def _as_one_section(reader: _Reader, title: str, first: int, after: int) -> _Layout:
    """The whole text as one section, under its only heading where it has one ("Partnership Principles")."""
    blocks = _blocks(reader.lines[after:], reader.markdown, reader.folded)
    before = [b for b in _blocks(reader.lines[:first], reader.markdown, reader.folded) if _prose(b)]
    if not blocks and not before:
        raise InvalidInput(
            f"The document has a title ('{title}') but no text under it: there is no compact to import."
        )
    lone = blocks[0][0].text if blocks and len(blocks[0]) == 1 and blocks[0][0].kind == "text" else ""
    if len(blocks) > 1 and _heading_like(lone) and not _numbering(lone):
        part = reader._plain(lone, 0, lone)
        blocks = blocks[1:]
        note = (
            f"The document has one heading ('{part.heading}'), so its whole text is one section. "
            "Put further headings on lines of their own to split it."
        )
    else:
        part = _Part("compact", "The compact", "section", False, 0, "")
        note = (
            "The document has no headings, so its whole text is one section, 'compact'. "
            "Put headings on lines of their own to split it."
        )
    layout = _Layout("single-section", [(part, _render(before + blocks))], notes=[note])
    cover = _blocks(reader.lines[:first], reader.markdown, reader.folded)
    layout.left_out = _left_out(reader, [b for b in cover if not _prose(b)])
    return layout


def _introduction(reader: _Reader, first: int, lead: list[str], layout: _Layout) -> tuple[_Part, str] | None:
    """What comes before a list: prose, or a sentence that leads into it; a cover's short lines are not."""
    before = _blocks(reader.lines[:first], reader.markdown, reader.folded)
    after_title = _blocks(lead, reader.markdown, reader.folded)
    kept = [b for b in before if _prose(b)]
    kept += [b for b in after_title if reader.markdown or _prose(b) or _sentence(b)]
    layout.left_out = _left_out(reader, [b for b in before + after_title if b not in kept])
    if not kept:
        return None
    return _Part("introduction", "Introduction", "section", False, 0, ""), _render(kept)


def _reads_as_words(bodies: Iterable[str]) -> bool:
    """Whether most of the text is words, as a compact's is, rather than codes, numbers or noise."""
    tokens = [t for body in bodies for t in body.split() if t not in ("|", "-")]
    return sum(1 for t in tokens if _WORD.fullmatch(t)) * 2 >= len(tokens)


def _sentence(block: list[_Item]) -> bool:
    return any(_TERMINAL.search(item.text) and len(item.text.split()) >= 5 for item in block)


def _left_out(reader: _Reader, blocks: list[list[_Item]]) -> list[str]:
    """The lines of blocks left out, except the title printed again on the cover."""
    lines = [item.text for block in blocks for item in block]
    return [line for line in lines if line.casefold() != reader.folded]


def _item_heading(body: str) -> str:
    """A heading for a numbered item: its label ("Funding - ...", "Funding: ..."), else its first words."""
    text = " ".join(body.split())
    label = re.match(r"^([^.:;!?]{2,60}?)(?::|\s[-\u2013\u2014]\s)\s*\S", text)
    if label and _heading_like(label.group(1).strip(), max_words=8):
        return _title_case(label.group(1).strip())
    sentence = re.split(r"(?<=[.!?;:])\s", text, maxsplit=1)[0].rstrip(".!?;:,")
    if len(sentence) <= 60:
        return sentence
    words: list[str] = []
    for word in sentence.split():
        if len(" ".join([*words, word])) > 50:
            break
        words.append(word)
    while len(words) > 1 and words[-1].lower() in _SMALL_WORDS:
        words.pop()
    return " ".join(words).rstrip(",;:") + "\u2026"


def _place_names(title: str) -> list[str]:
    """The title's own words ("Havering", "Essex"), which keep their capitals where they name a party."""
    return [w for w in re.findall(r"[^\W_]+", title) if w.casefold() not in _STOP]


def _with_commitments(
    sections: list[ParsedSection], title: str, patterns: _Patterns
) -> tuple[tuple[ParsedSection, ...], list[str]]:
    """The sections with their proposed commitments (a matter only promised moves to `planned`), and notes."""
    texts = [SectionText(s.key, s.heading, s.text, s.kind) for s in sections]
    readings = read_commitments(texts, place_names=_place_names(title))
    result: list[ParsedSection] = []
    notes = [
        f"Section '{s.key}': {note}" for s, r in zip(sections, readings, strict=True) for note in r.notes
    ]
    for section, reading in zip(sections, readings, strict=True):
        rest = section.text
        for _, passage in reading.promised:
            rest = rest.replace(passage, " ")
        # A matter the section still names once its promises are set aside is covered, not only promised.
        covered = set(_matters("", rest, patterns))
        promised = {matter for matter, _ in reading.promised}
        planned = tuple(m for m in patterns if m in promised and m not in covered)
        matters = tuple(m for m in section.matters if m not in planned) or (FALLBACK_MATTER,)
        result.append(replace(section, matters=matters, planned=planned, commitments=reading.commitments))
    return tuple(result), notes


def propose_matters(
    heading: str, text: str, vocabulary: Mapping[str, Sequence[str]] | None = None
) -> tuple[str, ...]:
    """Matters named in the heading, or named in the text (once for a phrase, twice for a hint word)."""
    return _matters(heading, text, _compile(vocabulary))


@dataclass(frozen=True)
class _Keyword:
    """A keyword's pattern, for lower-case text, and how much one mention of it counts."""

    pattern: re.Pattern[str]
    weight: int
    needle: str  # text every match starts with: a cheap test before the pattern's search

    def count(self, low: str) -> int:
        """Mentions in lower-case text, as whole words."""
        if self.needle not in low:
            return 0
        # The pattern starts with its literal, which lets the engine scan for it quickly; the word
        # boundary before it is checked here instead of by a lookbehind that would slow every search.
        return sum(
            1 for m in self.pattern.finditer(low) if m.start() == 0 or not low[m.start() - 1].isalnum()
        )


_Patterns = dict[str, tuple[_Keyword, ...]]


def _pattern(keyword: str) -> re.Pattern[str]:
    """A keyword as a pattern for lower-case text that also takes simple plurals and endings."""
    parts = []
    for word in keyword.lower().split():
        if not word.isalpha() or len(word) < 4:
            parts.append(re.escape(word))
        elif word.endswith("e"):
            parts.append(re.escape(word[:-1]) + "(?:e|es|ed|ing)")
        elif word.endswith("y") and word[-2] not in "aeiou":
            parts.append(re.escape(word[:-1]) + "(?:y|ies|ied)")
        else:
            parts.append(re.escape(word) + "(?:s|es|ed|ing)?")
    return re.compile(r"\s+".join(parts) + r"(?![^\W_])")


def _weighted(keyword: str, strong: bool) -> _Keyword:
    first = keyword.split()[0].lower()
    needle = first[:-1] if first.isalpha() and len(first) >= 4 and first[-1] in "ey" else first
    return _Keyword(_pattern(keyword), 2 if strong or " " in keyword.strip() else 1, needle)


_DEFAULT: _Patterns = {
    matter: tuple(_weighted(w, w in _STRONG) for w in words) for matter, words in KEYWORDS.items()
}


def _compile(extra: Mapping[str, Sequence[str]] | None) -> _Patterns:
    """The default keywords plus a tenant's; a tenant's own words each count as naming the matter."""
    if extra is None:
        return _DEFAULT
    if not isinstance(extra, Mapping):
        raise InvalidInput(
            'The vocabulary must map matters to lists of keywords: {"funding": ["grant aid"]}.'
        )
    added: dict[str, list[_Keyword]] = {}
    for name, words in extra.items():
        if not isinstance(name, str):
            raise InvalidInput("Each vocabulary entry must be named by a matter, such as 'funding'.")
        key = resolve_matter(name).key
        if (
            isinstance(words, str)
            or not isinstance(words, Sequence)
            or not all(isinstance(w, str) and 0 < len(w.strip()) <= 100 for w in words)
        ):
            raise InvalidInput(
                f"The keywords for '{name}' must be a list of words or phrases of up to 100 characters, "
                'such as ["grant aid"].'
            )
        added.setdefault(key, []).extend(_weighted(w.strip(), True) for w in words)
    return {matter: patterns + tuple(added.get(matter, ())) for matter, patterns in _DEFAULT.items()}


def _matters(heading: str, text: str, patterns: _Patterns) -> tuple[str, ...]:
    heading, text = _FALSE_FRIENDS.sub(" ", heading), _FALSE_FRIENDS.sub(" ", text)
    low_heading, low_text = heading.lower(), text.lower()
    found = []
    for matter, keywords in patterns.items():
        named = any(k.count(low_heading) for k in keywords)
        score = sum(k.count(low_text) * k.weight for k in keywords)
        if named or score >= 2:
            found.append(matter)
    return tuple(found) or (FALLBACK_MATTER,)


def _clean(line: str) -> str:
    """A line with odd spaces made plain and Markdown emphasis and links unwrapped; tabs kept for tables."""
    line = unicodedata.normalize("NFC", line).translate(_SPACES)
    line = _EMPHASIS.sub(r"\2", _LINK.sub(r"\1 (\2)", line))
    return _RUNS.sub(" ", line.rstrip())


def _shouting(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 4 and sum(c.isupper() for c in letters) * 2 > len(letters)


def _title_case(text: str) -> str:
    """Text in capitals written as a title ("THE COMPACT for ESSEX" reads "The Compact for Essex")."""
    if not _shouting(text):
        return text
    words = text.lower().split()
    return " ".join(
        w if i and w in _SMALL_WORDS else "-".join(p[:1].upper() + p[1:] for p in w.split("-"))
        for i, w in enumerate(words)
    )


def _slug(heading: str) -> str:
    """A key from a heading: up to 40 characters of its words, not ending on a small word."""
    ascii_text = unicodedata.normalize("NFKD", heading).encode("ascii", "ignore").decode()
    words: list[str] = []
    for word in re.findall(r"[a-z0-9]+", ascii_text.lower()):
        if len("-".join([*words, word])) > 40:
            break
        words.append(word)
    while len(words) > 1 and words[-1] in _SMALL_WORDS:
        words.pop()
    return "-".join(words) or "section"


def _unique(key: str, used: set[str]) -> str:
    candidate, n = key, 1
    while candidate in used:
        n += 1
        suffix = f"-{n}"
        candidate = key[: 40 - len(suffix)].rstrip("-._") + suffix
    used.add(candidate)
    return candidate


def _section(part: _Part, body: str, patterns: _Patterns, used: set[str]) -> ParsedSection:
    matters = _matters(part.heading, body, patterns)
    return ParsedSection(_unique(part.key, used), part.heading, body, matters, part.kind)


def _heading_like(line: str, *, max_words: int = 12) -> bool:
    """Short, capitalised, made of words, without the punctuation that ends or leads into a sentence."""
    words = line.split()
    if not words or len(words) > max_words or len(line) > 100 or "\t" in line:
        return False
    if not (line[0].isupper() or line[0].isdigit()) or _BULLET.match(line) or _DATE.search(line):
        return False
    if line[-1] in ".,;!-\u2013\"'\u201d\u2019" or "@" in line or "www." in line or "://" in line:
        return False
    # Words, not codes or noise: mostly letters, and no run of characters longer than any word.
    letters = sum(c.isalpha() for c in line)
    if letters * 10 < len(line.replace(" ", "")) * 7 or max(len(w) for w in words) > 25:
        return False
    if sum(1 for w in words if re.fullmatch(r"[^\W\d_][\w'\u2019&/-]*[:?,]?|&|/", w)) * 4 < len(words) * 3:
        return False
    if line.endswith(":"):
        # "Purpose Of The Compact:" is a heading; "The parties agree to:" introduces a list.
        # A single capitalised word ("Funding:") is a heading too.
        capitals = sum(1 for w in words if w[0].isupper())
        return (capitals >= 2 or len(words) == 1) and all(
            w[0].isupper() or w.lower() in _SMALL_WORDS for w in words
        )
    return True


@dataclass
class _Part:
    key: str
    heading: str
    kind: str
    numbered: bool
    level: int  # the Markdown heading's level; 0 for plain text
    source: str  # the heading's line as written
    start: int = 0  # the index of the heading's line
    lines: list[str] = field(default_factory=list)
    number: tuple[int, ...] = ()  # a numbered heading's place in the count: "4.2" is (4, 2), "IV" is (4,)


def _count(number: str) -> tuple[int, ...]:
    return tuple(int(n) for n in number.split("."))


def _roman(numeral: str) -> int:
    """The value of a Roman numeral written the usual way ("IV" is 4), or 0 for "IIII", "VX" and the like."""
    values = [_ROMAN_VALUES[c] for c in numeral]
    total = sum(-v if i + 1 < len(values) and v < values[i + 1] else v for i, v in enumerate(values))
    ones = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX")
    tens = ("", "X", "XX", "XXX")
    canonical = tens[total // 10] + ones[total % 10] if 0 < total < 40 else ""
    return total if canonical == numeral else 0


def _numbering(line: str) -> tuple[str, tuple[int, ...], str] | None:
    """A numbered line's label ("4.2", "IV"), its place in the count, and the rest of the line."""
    found = _NUMBERED.match(line)
    if found:
        return found.group(1), _count(found.group(1)), found.group(2)
    roman = _ROMAN.match(line)
    if roman and _roman(roman.group(1)):
        return roman.group(1), (_roman(roman.group(1)),), roman.group(2)
    return None


def _follows(number: tuple[int, ...], last: tuple[int, ...]) -> bool:
    """Whether a heading's number can come next: the same again, a first subsection, or one on at a level."""
    if number in (last, (*last, 1)):
        return True  # the same number twice is a slip some documents make (Essex numbers two parts 5)
    depth = len(number)
    return depth <= len(last) and number[:-1] == last[: depth - 1] and number[-1] == last[depth - 1] + 1


def _groups(part: _Part, following: _Part | None) -> bool:
    """Whether an empty part only groups what follows: "4." over "4.1", or "##" over "###"."""
    if following is None:
        return False
    if part.numbered and following.numbered:
        return following.key.startswith(f"{part.key}.")
    return 0 < part.level < following.level


class _Reader:
    """The document's lines, cleaned, with the rules that find its title and headings among them."""

    def __init__(self, text: str) -> None:
        lines = [_clean(line) for line in _pages(text.replace("\r\n", "\n").replace("\r", "\n"))]
        self.markdown = any(_MD_HEADING.match(line) for line in lines)
        if self.markdown:
            # Front matter is metadata, not text; quotations read as text.
            lines = _FRONT_MATTER.sub("", "\n".join(lines) + "\n", count=1).splitlines()
            lines = [re.sub(r"^\s*>\s?", "", line) for line in lines]
        self.title_key = ""
        self.lines = self._without_contents([line for line in lines if not _RULE.match(line)])

    @staticmethod
    def _without_contents(lines: list[str]) -> list[str]:
        """The lines without a table of contents: the headings it lists follow anyway."""
        kept: list[str] = []
        i = 0
        while i < len(lines):
            if _CONTENTS.match(lines[i].strip()):
                j, entries = i + 1, 0
                while j < len(lines) and (not lines[j].strip() or _Reader._entry(lines, j)):
                    entries += bool(lines[j].strip())
                    j += 1
                if entries >= 2:
                    i = j
                    continue
            kept.append(lines[i])
            i += 1
        return kept

    @staticmethod
    def _entry(lines: list[str], j: int) -> bool:
        """A line of a table of contents: a heading and its page, or a short label over further entries."""
        if _TOC_ENTRY.match(lines[j].strip()):
            return True
        following = next((lines[k] for k in range(j + 1, len(lines)) if lines[k].strip()), "")
        return len(lines[j].strip()) <= 60 and bool(_TOC_ENTRY.match(following.strip()))

    @property
    def folded(self) -> str:
        """The title in the case-free form that page headers and footers are matched against."""
        return self.title_key.casefold()

    def blank(self, i: int) -> bool:
        return i < 0 or i >= len(self.lines) or not self.lines[i].strip()

    def next_filled(self, i: int) -> int | None:
        return next((j for j in range(i + 1, len(self.lines)) if self.lines[j].strip()), None)

    def lone(self, i: int) -> bool:
        """A short title-like line standing alone between blank lines."""
        return (
            self.blank(i - 1)
            and self.blank(i + 1)
            and _heading_like(self.lines[i].strip())
            and not _numbering(self.lines[i].strip())
        )

    def title(self) -> tuple[str, int, int]:
        """The title, the index of its first line and the index after its last ('' when there is none)."""
        limit = len(self.lines)
        for i, line in enumerate(self.lines):
            md = _MD_HEADING.match(line.strip())
            if md and len(md.group(1)) == 1 and not _numbering(md.group(2)):
                self.title_key = _title_case(" ".join(md.group(2).split()))
                return self.title_key, i, i + 1
            if md or (_numbering(line.strip()) and self.blank(i - 1)):
                limit = i  # the title comes before the first heading
                break
        candidates = [i for i in range(min(limit, 80)) if self._title_line(i)]
        if not candidates:
            return "", 0, 0
        # The cover names the compact and its place ("The Harlow Compact"), not only "The Compact"; a
        # date or the name of a website may come first.
        named = [i for i in candidates[:3] if {*re.findall(r"[a-z]+", self.lines[i].casefold())} - _STOP
                 and "compact" in self.lines[i].casefold()]  # fmt: skip
        first = named[0] if named else candidates[0]
        words, end = [self.lines[first].strip()], first + 1
        # A title may run on to a second or third short line of the same paragraph.
        while end < limit and len(words) < 3 and self._title_line(end) and len(self.lines[end].strip()) <= 60:
            words.append(self.lines[end].strip())
            end += 1
        self.title_key = _title_case(" ".join(" ".join(words).split()))
        return self.title_key, first, end

    def _title_line(self, i: int) -> bool:
        line = self.lines[i].strip()
        return (
            bool(line)
            and len(line) <= 100
            and "\t" not in line
            and not line.endswith((".", "?"))
            and not _DATE.search(line)
            and not _BULLET.match(line)
            and not _numbering(line)
            and sum(c.isalpha() for c in line) * 2 > len(line)
        )

    def parts(self, start: int) -> list[_Part]:
        """The headed parts after the title, each with its lines (blank lines kept)."""
        parts: list[_Part] = []
        last_number: tuple[int, ...] = ()
        i = start
        while i < len(self.lines):
            current = parts[-1] if parts else None
            found = self._heading(i, current, last_number)
            if found is None:
                if current is not None:
                    md = _MD_HEADING.match(self.lines[i].strip()) if self.markdown else None
                    current.lines.append(md.group(2) if md else self.lines[i])
                i += 1
                continue
            part, last = found
            if part.numbered:
                last_number = part.number
            part.start = i
            parts.append(part)
            i = last + 1
        return parts

    def _heading(
        self, i: int, current: _Part | None, last_number: tuple[int, ...]
    ) -> tuple[_Part, int] | None:
        line = self.lines[i].strip()
        if not line:
            return None
        if self.markdown:
            return self._markdown_heading(i, line, current)
        if self.blank(i - 1) and _APPENDIX.match(line):
            found = self._appendix(i)
            if found is not None:
                return found
        numbered = _numbering(line)
        if numbered:
            return self._numbered(i, numbered, last_number)
        if not self.lone(i):
            return None
        return self._lone_heading(i, line, current)

    def _markdown_heading(self, i: int, line: str, current: _Part | None) -> tuple[_Part, int] | None:
        md = _MD_HEADING.match(line)
        if md is None:
            return None
        level, inner = len(md.group(1)), md.group(2).strip()
        if not inner:
            return None
        if current is not None and current.kind != "section" and level > current.level:
            return None  # a sub-heading inside an appendix or the glossary labels its own content
        numbered = _numbering(inner)
        if numbered:
            label, count, rest = numbered
            heading = _title_case(rest.strip())
            return _Part(label, heading, "section", True, level, inner, number=count), i
        return self._plain(inner, level, inner), i

    def _lone_heading(self, i: int, line: str, current: _Part | None) -> tuple[_Part, int] | None:
        """A line standing alone between blank lines, unless what surrounds it says it is something else."""
        part = self._plain(line, 0, line)
        if (
            part.kind == "section"
            and self.title_key
            and line.casefold().startswith(self.title_key.casefold())
        ):
            return None  # the cover's title again, with its motto: not a section
        inside = current is not None and current.kind != "section"
        if inside and part.kind == "section":
            assert current is not None
            words = part.heading.split()
            capitals = sum(1 for w in words if w[0].isupper())
            # In an appendix, short lines label its lists and tables; in a glossary, they are the
            # terms. Only a title-cased heading of a few words ends a glossary.
            if current.kind == "appendix" or len(words) < 3 or capitals * 4 < len(words) * 3:
                return None
        after = self.next_filled(i)
        if part.kind == "section" and after is not None and self.lone(after):
            nxt = self.lines[after].strip()
            if not _APPENDIX.match(nxt) and not _GLOSSARY.match(nxt):
                return None  # a run of short lines (a cover, a motto, a signature) is not a heading
        return part, i

    def _numbered(
        self, i: int, numbered: tuple[str, tuple[int, ...], str], last_number: tuple[int, ...]
    ) -> tuple[_Part, int] | None:
        number, count, title = numbered[0], numbered[1], numbered[2].strip().rstrip(":").strip()
        following_line = "" if self.blank(i + 1) else self.lines[i + 1].strip()
        if not self.blank(i - 1) or _numbering(following_line):
            return None  # numbered lines running on from one another are a list, not headings
        if following_line and _continues(title, following_line):
            return None  # an item whose sentence runs on to the next line is text, not a heading
        if last_number and not _follows(count, last_number):
            return None  # headings count on from the last one: a "1." inside section 3 starts a list
        if not last_number and not number[0].isdigit() and count != (1,):
            return None  # Roman numbering starts at I: a lone "V. Smith" is a name, not part five
        after = self.next_filled(i)
        following = _numbering(self.lines[after].strip()) if after is not None else None
        sibling = following[1] if following else ()
        if len(sibling) == len(count) and _follows(sibling, count):
            return None  # a "1." with its "2." next and nothing between: a list spaced out by blank lines
        if not _heading_like(title, max_words=16):
            return None
        part = _Part(number, _title_case(title), "section", True, 0, self.lines[i].strip(), number=count)
        return part, i

    def _appendix(self, i: int) -> tuple[_Part, int] | None:
        line = self.lines[i].strip()
        found = _APPENDIX.match(line)
        assert found is not None
        word, label, rest = found.group(1), found.group(2) or "", found.group(3).strip()
        if len(line) > 100 or (rest and not _heading_like(rest)) or not self.blank(i + 1):
            return None
        key = f"{word.lower()}-{label.lower()}" if label else word.lower()
        heading, last = f"{word.capitalize()} {label}".strip(), i
        after = self.next_filled(i)
        if rest:
            heading = f"{heading}: {_title_case(rest)}"
        elif after is not None and self.lone(after) and not _APPENDIX.match(self.lines[after].strip()):
            # "Appendix A" over its own title line reads "Appendix A: Steering Group".
            heading, last = f"{heading}: {_title_case(self.lines[after].strip())}", after
        return _Part(key, heading, "appendix", False, 0, line), last

    def _plain(self, text: str, level: int, source: str) -> _Part:
        heading = _title_case(text.rstrip(":").strip())
        appendix = _APPENDIX.match(heading)
        if appendix and (not appendix.group(3) or _heading_like(appendix.group(3))):
            label = (appendix.group(2) or "").lower()
            key = f"{appendix.group(1).lower()}-{label}" if label else appendix.group(1).lower()
            return _Part(key, heading, "appendix", False, level, source)
        kind = "glossary" if _GLOSSARY.match(heading) else "section"
        return _Part(_slug(heading), heading, kind, False, level, source)


@dataclass
class _Item:
    kind: str  # "text", "bullet", "item" (a numbered or lettered list entry) or "row"
    text: str


def _pages(text: str) -> list[str]:
    """The text's lines, with page breaks read as paragraph breaks and page numbers left out.

    A word processor's text export separates pages with form feeds and prints a page's number at its
    top or bottom ("Page 3 of 12", "- 4 -", or a bare "4"); none of that is the compact's text.
    """
    pages = text.split("\f")
    lines: list[str] = []
    for page in pages:
        page_lines = page.splitlines()  # also \u2028, \v and the other breaks a word processor writes
        filled = [n for n, line in enumerate(page_lines) if line.strip()]
        if len(pages) > 1 and filled:
            for n in {filled[0], filled[-1]}:
                if page_lines[n].strip().isdigit() and len(page_lines[n].strip()) <= 4:
                    page_lines[n] = ""
        if lines:
            lines.extend(["", ""])  # a page break ends a paragraph
        lines.extend("" if _PAGE_MARK.match(line) else line for line in page_lines)
    return lines


def _item(line: str) -> _Item:
    stripped = line.strip()
    bullet = _BULLET.match(line)
    if bullet:
        return _Item("bullet", bullet.group(1).strip())
    if "\t" in stripped or (stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1):
        cells = stripped.strip("|").split("|") if "\t" not in stripped else stripped.split("\t")
        cells = [c.strip() for c in cells]
        while cells and not cells[-1]:
            cells.pop()
        return _Item("row", " | ".join(cells)) if len(cells) > 1 else _Item("text", " ".join(cells))
    return _Item("item" if _LIST_ITEM.match(stripped) else "text", stripped)


def _continues(previous: str, line: str) -> bool:
    """Whether a line carries on the sentence of the line before (text wrapped at a fixed width)."""
    if _TERMINAL.search(previous) or not line[:1].isalpha():
        return False
    last = previous.rsplit(" ", 1)[-1].casefold()
    return line[0].islower() or last in _LEADS_ON


def _blocks(lines: list[str], markdown: bool, title_key: str) -> list[list[_Item]]:
    """The paragraphs of a part, with wrapped lines joined and page furniture left out."""
    blocks: list[list[_Item]] = []
    raw: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            raw[-1].append(line)
        elif raw[-1]:
            raw.append([])
    for group in raw:
        if not group or _furniture(group, title_key):
            continue
        items: list[_Item] = []
        for line in group:
            item = _item(line)
            previous = items[-1] if items else None
            if (
                previous is not None
                and item.kind == "text"
                and previous.kind != "row"
                and (markdown or _continues(previous.text, item.text))
            ):
                previous.text = f"{previous.text} {item.text}"
                continue
            items.append(item)
        if (
            blocks
            and not markdown
            and items[0].kind == "text"
            and items[0].text[:1].islower()
            and blocks[-1][-1].kind == "text"
            and len(blocks[-1][-1].text) >= 60
            and not _TERMINAL.search(blocks[-1][-1].text)
        ):
            # A sentence broken across a page: its second half starts in lower case after a blank line.
            blocks[-1][-1].text = f"{blocks[-1][-1].text} {items[0].text}"
            blocks[-1].extend(items[1:])
            continue
        blocks.append(items)
    return blocks


def _furniture(group: list[str], title_key: str) -> bool:
    """A page number, or a running header or footer of the title and a date, left by a page layout."""
    lines = [line.strip() for line in group]
    if all(_PAGE.match(line) for line in lines):
        return True
    dated = [line for line in lines if _DATE_ONLY.match(line) or _PAGE.match(line)]
    titled = [line for line in lines if title_key and len(line) <= 80 and title_key in line.casefold()]
    return bool(dated and titled and len(dated) + len(titled) == len(lines))


def _prose(block: list[_Item]) -> bool:
    """Whether a paragraph before the first heading is text to keep, not a cover's title or motto."""
    if any(item.kind != "text" for item in block):
        return True
    return any(
        len(item.text) >= 100 and (_TERMINAL.search(item.text) is not None or len(item.text.split()) >= 15)
        for item in block
    )


def _render(blocks: list[list[_Item]]) -> str:
    rendered = (
        "\n".join(f"- {item.text}" if item.kind == "bullet" else item.text for item in block)
        for block in blocks
    )
    return "\n\n".join(rendered).strip()
