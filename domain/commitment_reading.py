"""Proposes a compact's commitments from its sections' text, each with the sentence it was read from."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from domain.commitments import (
    PERIOD_MAX,
    QUOTE_MAX,
    TERM_MAX,
    TERMS_MAX,
    Commitment,
    CommitmentKind,
    DisputeStage,
    DisputeStep,
    Firmness,
    Period,
    PeriodUnit,
    check_commitment,
)
from domain.errors import InvalidInput

# The matter a commitment of each kind is about: a PLANNED one names it among the section's planned
# matters, where it no longer counts as covered.
KIND_MATTERS: Mapping[CommitmentKind, str | None] = MappingProxyType({
    CommitmentKind.CONSULTATION_PERIOD: "consultation",
    CommitmentKind.FUNDING_NOTICE: "funding",
    CommitmentKind.CHAMPIONS: "champions",
    CommitmentKind.ANNUAL_REVIEW: "review",
    CommitmentKind.DISPUTE_PROCESS: "disputes",
    CommitmentKind.CODE_REVIEW: "codes",
    CommitmentKind.OTHER: None,
})  # fmt: skip

_KEYS: Mapping[CommitmentKind, str] = MappingProxyType({
    CommitmentKind.CONSULTATION_PERIOD: "consultation-period",
    CommitmentKind.FUNDING_NOTICE: "funding-notice",
    CommitmentKind.CHAMPIONS: "champions",
    CommitmentKind.ANNUAL_REVIEW: "annual-review",
    CommitmentKind.DISPUTE_PROCESS: "dispute-process",
    CommitmentKind.CODE_REVIEW: "code-review",
    CommitmentKind.OTHER: "commitment",
})  # fmt: skip


@dataclass(frozen=True)
class SectionText:
    """What the reader needs of one section: where it is, its heading, its text, and what kind it is."""

    key: str
    heading: str
    text: str
    kind: str = "section"  # "section", "glossary" or "appendix": a glossary defines words and binds no one


@dataclass(frozen=True)
class Reading:
    """One section's proposed commitments, and the matters it promises with the passage promising each."""

    commitments: tuple[Commitment, ...]
    promised: tuple[tuple[str, str], ...]  # (matter, the passage that only promises it)
    notes: tuple[str, ...] = ()  # what was read but could not be proposed, and why


# Numbers as compacts write them: digits, or words up to ninety-nine ("three", "twenty-eight").
_ONES = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
         "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen")  # fmt: skip
_TENS = ("twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_WORDS: dict[str, int] = {w: n for n, w in enumerate(_ONES, 1)} | {w: 10 * n for n, w in enumerate(_TENS, 2)}
_WORDS |= {f"{t}-{o}": 10 * n + m for n, t in enumerate(_TENS, 2) for m, o in enumerate(_ONES[:9], 1)}
_WORDS |= {f"{t} {o}": 10 * n + m for n, t in enumerate(_TENS, 2) for m, o in enumerate(_ONES[:9], 1)}
_AMOUNT = r"(?P<amount>\d{1,4}|" + "|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)) + r"|an?)"
_UNITS = {
    "day": PeriodUnit.DAYS,
    "week": PeriodUnit.WEEKS,
    "month": PeriodUnit.MONTHS,
    "year": PeriodUnit.YEARS,
}
# "three months'", "a month's", "12-week", "28 days"
_PERIOD = re.compile(rf"\b{_AMOUNT}[\s-]+(?P<unit>day|week|month|year)s?\b(?:['\u2019]s?)?", re.IGNORECASE)
_NOTICE_PERIOD = re.compile(
    rf"\b{_AMOUNT}[\s-]+(?P<unit>day|week|month|year)s?(?:['\u2019]s?)?\s+(?:written\s+|formal\s+)?notice\b",
    re.IGNORECASE,
)
_WITHIN = re.compile(rf"\bwithin\s+{_AMOUNT}[\s-]+(?P<unit>day|week|month|year)s?\b", re.IGNORECASE)
_CYCLE = re.compile(rf"\bevery\s+{_AMOUNT}[\s-]+(?P<unit>month|year)s?\b", re.IGNORECASE)

# The exceptions compacts allow, in their own words.
_EXCEPTIONS = re.compile(
    r"\b(?:exceptional circumstances|urgency|emergency|emergencies|sensitivity|confidentiality)\b",
    re.IGNORECASE,
)

# A promise to develop something later ("will develop a mechanism", "Developing a procedure", "a process
# is still being developed"), as opposed to developing policies or services now.
_THING = r"(?:mechanism|procedure|process|protocol|scheme|system|framework|way|arrangement)s?"
_INTENTION = re.compile(
    rf"\b(?:develop|developing|development\s+of|establish|establishing|set\s+up|setting\s+up|introduce|"
    rf"introducing|agree|agreeing)\s+(?:a|an|the|new|clear|formal|its|their)\s+(?:[\w/-]+\s+){{0,3}}?{_THING}\b"
    rf"|\b{_THING}\s+(?:is|are|will\s+be|has\s+yet\s+to\s+be|have\s+yet\s+to\s+be)\s+(?:still\s+)?"
    rf"(?:being\s+)?developed\b|\b{_THING}\s+to\s+be\s+developed\b",
    re.IGNORECASE,
)

_CONSULT = re.compile(r"\bconsult\w*", re.IGNORECASE)
# Words that set how long a consultation runs or how soon it comes, without a figure.
_TIMING = re.compile(
    r"\btimely\b|\btimescales?\b|\breasonable\s+(?:time|period)\b|\bin\s+good\s+time\b|\btime\s+to\s+respond\b"
    r"|\b(?:prior\s+to|before)\s+(?:giving|sending|making)\s+(?:their\s+)?responses?\b|\bclosing\s+date\b",
    re.IGNORECASE,
)
# Notice before funding or other support changes or ends: notice of anything else is not this kind.
_NOTICE = re.compile(r"\bnotice\b", re.IGNORECASE)
_FUNDS = re.compile(r"\b(?:fund\w*|grants?|support)\b", re.IGNORECASE)
_CHANGE = re.compile(
    r"\b(?:chang\w*|end|ends|ending|ended|withdraw\w*|reduc\w*|cut|cuts|terminat\w*|ceas\w*|stop\w*)\b",
    re.IGNORECASE,
)
# Which bodies name a champion ("should have a Compact Champion"), not who the champions are.
_CHAMPION = re.compile(
    r"\b(?:appoint|have|name|nominate|designate|identify)\s+(?:a|one|its\s+own|their\s+own)\s+"
    r"(?:named\s+)?(?:compact\s+)?champion\b",
    re.IGNORECASE,
)
# A yearly review or report of the compact; a yearly meeting on something else is not one.
_ANNUAL = re.compile(
    r"\bannual(?:ly)?\b|\bevery\s+(?:year|twelve\s+months|12\s+months)\b|\beach\s+year\b|\byearly\b",
    re.IGNORECASE,
)
_REVIEWED = re.compile(r"\breview\w*|\bconference\b|\breport\w*|\bevaluat\w*", re.IGNORECASE)
_CODE = re.compile(r"\bcodes?\b", re.IGNORECASE)
_DISPUTE = re.compile(
    r"\b(?:disput\w*|disagreement\w*|complaint\w*|difficulties|conflicts?(?!\s+of\s+interest))\b",
    re.IGNORECASE,
)
# The words that name each stage of a dispute process, in a sentence about disputes.
_STAGES: tuple[tuple[DisputeStage, re.Pattern[str]], ...] = (
    (
        DisputeStage.BETWEEN_PARTIES,
        re.compile(
            r"\bbetween\s+(?:the|both|those)\s+(?:two\s+)?parties\b|\bbetween\s+themselves\b|\binformally\b"
            r"|\b(?:two|organisations|organizations|parties)\s+involved\b"
            r"|\bfirst\s+(?:to|with)\s+the\s+(?:two\s+)?(?:parties|organisations|organizations)\b",
            re.IGNORECASE,
        ),
    ),
    (DisputeStage.INVESTIGATION, re.compile(r"\binvestigat\w*", re.IGNORECASE)),
    (DisputeStage.MEDIATION, re.compile(r"\bmediat\w*|\barbitrat\w*|\badjudicat\w*", re.IGNORECASE)),
)
# "a three-step process": how many steps, where the compact counts them without naming them all.
_STEP_COUNT = re.compile(
    r"\b(?P<count>two|three|four|[2-4])[\s-](?:step|stage)\b(?=.*\b(?:process|procedure)\b)", re.IGNORECASE
)
# A dispute procedure named without its steps ("the dispute resolution process").
_PROCEDURE = re.compile(
    r"\b(?:dispute|disagreement)s?(?:\s+resolution)?\s+(?:procedure|process)\b"
    r"|\bprocedure\s+for\s+resolving\s+(?:disputes|disagreements)\b",
    re.IGNORECASE,
)
# "If any organisation ... is found to be working outside the commitments ... referred to the Board".
_REFERRAL = re.compile(
    r"^if\s+(?:any|an|a)\s+(?P<who>.+?)\s+is\s+found\s+to\s+be\s+(?:working|acting)\s+outside\s+the\s+"
    r"(?:commitments|principles|undertakings).*?\breferred\s+to\s+"
    r"(?P<to>the\s+[A-Z][\w ]*?[A-Za-z])(?=\s+for\b|[.,;]|$)",
    re.IGNORECASE,
)
# "Ensuring all bodies distributing funds on behalf of the public sector adhere to the commitments":
# those bodies are bound by the same commitments as the party whose undertaking it is.
_EXTENSION = re.compile(
    r"^(?:ensuring|ensure|to\s+ensure)\s+(?:that\s+)?(?:all\s+)?(?P<who>.+?)\s+(?:adhere|adheres|abide|abides|"
    r"comply|complies|keep|keeps)\s+(?:to|by|with)\s+(?:the\s+)?(?:commitments|undertakings)\b",
    re.IGNORECASE,
)

# Whom a sentence binds: its subject, where it names parties before a word of obligation.
_SUBJECT = re.compile(
    r"^(?:(?:all|each|every|both)\s+(?:of\s+)?)?(?:the\s+)?(?P<who>[A-Za-z][\w'\u2019/ -]*?)\s+"
    r"(?:will|should|shall|must|are\s+to|is\s+to|agree\s+to|agrees\s+to|commit\s+to|commits\s+to|"
    r"undertake\s+to|undertakes\s+to|are\s+committed\s+to)\b",
    re.IGNORECASE,
)
_PARTY = re.compile(
    r"(?:bod(?:y|ies)|organi[sz]ations?|partners?|sectors?|boards?|groups?|councils?|authorit(?:y|ies)|"
    r"agenc(?:y|ies)|members|part(?:y|ies)|VCOs?|charities|trusts?)$",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(
    r"\s+(?:signed\s+up|signing\s+up|who|which|that|involved\s+in|to\s+be\s+appointed|appointed\s+by)\b.*$",
    re.IGNORECASE,
)
# "Commitments by Public Bodies", "Undertakings by Statutory Sector": the party a section speaks for.
_BY_HEADING = re.compile(
    r"^(?:commitments?|undertakings?)(?:\s+and\s+undertakings?)?\s+(?:by|from|of)\s+(?:both\s+)?(?:the\s+)?(?P<who>.+)$",
    re.IGNORECASE,
)
# "... committed to by all partners, namely:": the party a list speaks for.
_BY_LEAD = re.compile(
    r"\bby\s+(?:all\s+)?(?:the\s+)?(?P<who>[\w/ -]+?)\s*(?:,|\bie\b|\bi\.e\.|\bnamely\b|:|;|$)", re.IGNORECASE
)
# "Public bodies commit to:" heads a table's column of that party's undertakings.
_COLUMN = re.compile(r"\s+(?:commit|commits|agree|agrees|undertake|undertakes)\s+to:?$", re.IGNORECASE)
# An item's label before its sentence ("Funding - the council gives ..."), which is not its subject.
_LABEL = re.compile(r"^[A-Z][\w ]{0,40}?(?:\s[-\u2013\u2014]\s|:\s)")
# A list item's own number ("5.4.2", "1.", "(a)"), which is not part of its sentence.
_NUMBERING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2}){1,3}\.?|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\u201c\"'(])")


@dataclass
class _Sentence:
    """A sentence of a section, with what the text around it says about whom it binds."""

    section: int
    position: int  # its order in the document
    text: str
    group: list[_Sentence] = field(default_factory=list)  # the sentences of its line, bullet or cell
    column: str = ""  # the heading of its table column
    lead: str = ""  # the line that introduces its list ("... committed to by all partners, namely:")


@dataclass
class _Draft:
    """A commitment being read, before it is given its key and checked."""

    kind: CommitmentKind
    firmness: Firmness
    section: int
    position: int
    sources: list[str]
    bound: tuple[str, ...] = ()
    period: Period | None = None
    exceptions: tuple[str, ...] = ()
    steps: tuple[DisputeStep, ...] = ()
    summary: str = ""
    key: str = ""
    column: str = ""


def read_period(text: str) -> Period | None:
    """The first length of time the text sets ("three months", "12 weeks", "twenty-eight days"), if any."""
    return _period(_PERIOD.search(text))


def _period(found: re.Match[str] | None) -> Period | None:
    if found is None:
        return None
    amount = found.group("amount").lower()
    number = (
        int(amount) if amount.isdigit() else 1 if amount in ("a", "an") else _WORDS[" ".join(amount.split())]
    )
    unit = _UNITS[found.group("unit").lower()]
    # A figure no registry could keep ("9999 days") is a misreading, not a period the compact sets.
    return Period(number, unit) if 0 < number <= PERIOD_MAX[unit] else None


def read_commitments(
    sections: Sequence[SectionText], *, place_names: Sequence[str] = ()
) -> tuple[Reading, ...]:
    """Each section's proposed commitments, in the document's order, with keys unique across the document.

    `place_names` are words kept capitalised in whom a commitment binds (the compact's own place);
    other capitalised words of a party ("larger Voluntary Organisations") are written in lower case.
    """
    sentences = [s for n, section in enumerate(sections) if section.kind != "glossary"
                 for s in _sentences(n, section.text)]  # fmt: skip
    for position, sentence in enumerate(sentences):
        sentence.position = position
    names = {p.casefold() for p in place_names}
    drafts: list[_Draft] = []
    for sentence in sentences:
        drafts.extend(_read_sentence(sentence, sections[sentence.section].heading, names))
    drafts.extend(_consultations(sentences, sections, names))
    drafts.extend(_dispute_process(sentences, sections))
    drafts = _merge_reviews(drafts)
    _extend_bound(drafts, sentences, names)
    drafts.sort(key=lambda d: (d.section, d.position))
    used: set[str] = set()
    readings: list[list[Commitment]] = [[] for _ in sections]
    promised: list[list[tuple[str, str]]] = [[] for _ in sections]
    notes: list[list[str]] = [[] for _ in sections]
    for draft in drafts:
        draft.key = draft.key or _KEYS[draft.kind]
        try:
            commitment = check_commitment(_finish(draft, used))
        except InvalidInput as refused:
            # A proposal only helps the officer; one the registry would refuse must not stop the import.
            notes[draft.section].append(
                f"A {draft.kind.value} commitment was read but not proposed: {refused}"
            )
            continue
        readings[draft.section].append(commitment)
        matter = KIND_MATTERS[draft.kind]
        if draft.firmness is Firmness.PLANNED and matter is not None:
            promised[draft.section].extend((matter, source) for source in draft.sources)
    return tuple(
        Reading(tuple(c), tuple(p), tuple(n)) for c, p, n in zip(readings, promised, notes, strict=True)
    )


def _sentences(section: int, text: str) -> Iterator[_Sentence]:
    """The section's sentences, each knowing its table column and the line that leads into its list."""
    lead = ""
    for block in text.split("\n\n"):
        header: list[str] | None = None
        for line in block.split("\n"):
            if " | " in line:
                cells = line.split(" | ")
                if header is None:
                    header = cells
                    continue
                for n, cell in enumerate(cells):
                    column = _COLUMN.sub("", header[n]).strip() if n < len(header) else ""
                    yield from _split(section, cell, column=column, lead=lead)
                continue
            item = line.startswith("- ")
            body = _NUMBERING.sub("", line[2:] if item else line.strip(), count=1)
            item = item or body != line.strip()
            yield from _split(section, body, lead=lead)
            # The line before a list says whose list it is; a paragraph of its own ends that list.
            if line.rstrip().endswith((":", ";", ":-")):
                lead = line.strip()
            elif not item:
                lead = ""


def _split(section: int, text: str, *, column: str = "", lead: str = "") -> Iterator[_Sentence]:
    group: list[_Sentence] = []
    for part in _SENTENCE_END.split(text.strip()):
        if part.strip():
            sentence = _Sentence(section, 0, part.strip(), group, column, lead)
            group.append(sentence)
            yield sentence


def _firmness(text: str) -> Firmness:
    return Firmness.PLANNED if _INTENTION.search(text) else Firmness.IN_FORCE


def _exceptions(texts: Sequence[str]) -> tuple[str, ...]:
    found = [m.group().lower() for text in texts for m in _EXCEPTIONS.finditer(text)]
    return tuple(dict.fromkeys(found))


def _read_sentence(sentence: _Sentence, heading: str, names: set[str]) -> list[_Draft]:
    """The commitments one sentence makes on its own: notice, champions, reviews, referrals, promises."""
    text = sentence.text
    kinds: list[CommitmentKind] = []
    if _NOTICE.search(text) and _FUNDS.search(text) and _CHANGE.search(text) and not _CONSULT.search(text):
        kinds.append(CommitmentKind.FUNDING_NOTICE)
    if _CHAMPION.search(text):
        kinds.append(CommitmentKind.CHAMPIONS)
    if _CODE.search(text) and _REVIEWED.search(text) and (_CYCLE.search(text) or _ANNUAL.search(text)):
        kinds.append(CommitmentKind.CODE_REVIEW)
    elif _ANNUAL.search(text) and _REVIEWED.search(text):
        # No period: the kind is yearly by definition, and "every twelve months" would only repeat it.
        kinds.append(CommitmentKind.ANNUAL_REVIEW)
    if _DISPUTE.search(text) and _firmness(text) is Firmness.PLANNED:
        kinds.append(CommitmentKind.DISPUTE_PROCESS)  # in force, it is read from the whole document
    drafts = [
        _Draft(kind, _firmness(text), sentence.section, sentence.position, [text],
               bound=_bound(sentence, heading, names), column=sentence.column)
        for kind in kinds
    ]  # fmt: skip
    for draft in drafts:
        if draft.kind is CommitmentKind.FUNDING_NOTICE:
            draft.period = _period(_NOTICE_PERIOD.search(text))
            draft.exceptions = _exceptions([text])
        elif draft.kind is CommitmentKind.CODE_REVIEW:
            draft.period = _period(_CYCLE.search(text)) or Period(1, PeriodUnit.YEARS)
    referral = _REFERRAL.search(_LABEL.sub("", text))
    if referral:
        referee = referral.group("to")
        drafts.append(
            _Draft(
                CommitmentKind.OTHER,
                Firmness.IN_FORCE,
                sentence.section,
                sentence.position,
                [text],
                bound=_terms(referral.group("who"), names),
                summary=f"An organisation found working outside its commitments is referred to {referee}.",
                key=f"{re.sub(r'[^a-z0-9]', '', referee.split()[-1].lower())}-referral",
            )
        )
    return drafts


def _bound(sentence: _Sentence, heading: str, names: set[str]) -> tuple[str, ...]:
    """Whom a sentence binds: its subject, else its table's column, its section's heading, its list's lead."""
    last = _SENTENCE_END.split(sentence.lead)[-1] if sentence.lead else ""
    subject = _SUBJECT.match(_LABEL.sub("", sentence.text))
    by_heading = _BY_HEADING.match(heading.strip())
    by_lead = _BY_LEAD.search(last) or _SUBJECT.match(last)
    for who in (
        subject.group("who") if subject else "",
        sentence.column,
        by_heading.group("who") if by_heading else "",
        by_lead.group("who") if by_lead else "",
    ):
        if who and _names_parties(who):
            return _terms(who, names)
    return ()


def _names_parties(who: str) -> bool:
    """Whether a phrase names parties ("partner organisations"), not a thing ("Such consultation")."""
    phrase = _QUALIFIER.sub("", who).strip()
    return len(phrase.split()) <= 12 and _PARTY.search(phrase) is not None


def _terms(who: str, names: set[str]) -> tuple[str, ...]:
    """The parties a phrase names, in its own words: "local public bodies and partnership board" is two."""
    who = _QUALIFIER.sub("", who).strip()
    who = re.sub(r"^(?:all|each|every|both|any)\s+(?:of\s+)?(?:the\s+)?", "", who, flags=re.IGNORECASE)
    # "voluntary and community sector" is one party, not two.
    kept = re.sub(r"\bvoluntary\s+and\s+community\b", lambda m: m.group().replace(" ", "\0"), who, flags=re.I)
    parts = re.split(r"\s+(?:and|or)\s+", kept)
    if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts):
        # "the Compact Steering Group or a similar body": the alternative names no one in particular.
        parts = [p for p in parts if not re.match(r"(?:a|an|any|other)\s", p, re.IGNORECASE)]
    else:
        parts = [kept]
    parts = [re.sub(r"^the\s+", "", p.strip(), flags=re.IGNORECASE) for p in parts]
    terms = [_lower(p.replace("\0", " "), names) for p in parts]
    return tuple(dict.fromkeys(t for t in terms if 0 < len(t) <= TERM_MAX))[:TERMS_MAX]


def _lower(term: str, names: set[str]) -> str:
    """A party as the registry lists it: capitals of emphasis dropped, acronyms and place names kept."""
    words = term.strip(" ,.;:").split()
    return " ".join(
        w.lower() if w[:1].isupper() and w[1:] == w[1:].lower() and w.casefold() not in names else w
        for w in words
    )


def _consultations(
    sentences: Sequence[_Sentence], sections: Sequence[SectionText], names: set[str]
) -> list[_Draft]:
    """Undertakings on how long or how soon consultations run: a figure, or words such as "timely"."""
    drafts: list[_Draft] = []
    for sentence in sentences:
        index = sentence.group.index(sentence)
        if not _CONSULT.search(sentence.text) or (index and _CONSULT.search(sentence.group[index - 1].text)):
            continue  # a run of sentences about one consultation is read once, from its first
        run = [sentence]
        for following in sentence.group[index + 1 :]:
            if not _CONSULT.search(following.text):
                break
            run.append(following)
        texts = [s.text for s in run]
        joined = " ".join(texts)
        period = _period(_PERIOD.search(joined))
        # "Giving early notice of forthcoming consultations" says when a consultation is announced, not
        # how long it runs: without a figure or words of timing, no consultation period is proposed.
        if period is None and not _TIMING.search(joined):
            continue
        made = _Draft(
            CommitmentKind.CONSULTATION_PERIOD,
            _firmness(joined),
            sentence.section,
            sentence.position,
            texts,
            bound=_bound(sentence, sections[sentence.section].heading, names),
            period=period,
            exceptions=_exceptions(texts),
            column=sentence.column,
        )
        drafts.append(made)
    return drafts


def _dispute_process(sentences: Sequence[_Sentence], sections: Sequence[SectionText]) -> list[_Draft]:
    """The document's dispute process: its steps in order, held by the section that sets them out."""

    def about_disputes(s: _Sentence) -> bool:
        return bool(_DISPUTE.search(s.text) or _DISPUTE.search(sections[s.section].heading))

    in_force = [s for s in sentences if about_disputes(s) and _firmness(s.text) is Firmness.IN_FORCE]
    staged = [s for s in in_force if any(p.search(s.text) for _, p in _STAGES)]
    counted = [s for s in in_force if _DISPUTE.search(s.text) and _STEP_COUNT.search(s.text)][:1]
    candidates = staged or [s for s in in_force if _PROCEDURE.search(s.text)] or counted
    if not candidates:
        return []
    # A section about disputes holds the process; else the one that says most of it.
    anchor = max(
        {s.section for s in candidates},
        key=lambda n: (
            _DISPUTE.search(sections[n].heading) is not None,
            sum(s.section == n for s in candidates),
            -n,
        ),
    )
    held = [s for s in candidates if s.section == anchor]
    steps: dict[DisputeStage, Period | None] = {}
    for s in held:
        for stage, pattern in _STAGES:
            if pattern.search(s.text) and stage not in steps:
                steps[stage] = _period(_WITHIN.search(s.text))
    named = sorted(steps, key=lambda stage: stage.number)
    count = _count(counted[0].text) if counted else 0
    if count == len(DisputeStage):
        # Three distinct steps, in the only order the stages can follow, are all three stages.
        steps = {stage: steps.get(stage) for stage in DisputeStage}
    sources = sorted({s.position: s for s in [*held, *counted]}.values(), key=lambda s: s.position)
    draft = _Draft(
        CommitmentKind.DISPUTE_PROCESS,
        Firmness.IN_FORCE,
        anchor,
        held[0].position,
        [s.text for s in sources],
        column=held[0].column,
    )
    draft.steps = tuple(DisputeStep(stage, steps[stage]) for stage in sorted(steps, key=lambda st: st.number))
    draft.summary = _dispute_summary(draft.steps, named, count)
    return [draft]


def _count(text: str) -> int:
    found = _STEP_COUNT.search(text)
    if found is None:
        return 0
    word = found.group("count").lower()
    return int(word) if word.isdigit() else _WORDS[word]


_STAGE_WORDS = {
    DisputeStage.BETWEEN_PARTIES: "between the parties themselves",
    DisputeStage.INVESTIGATION: "by an investigation",
    DisputeStage.MEDIATION: "by mediation",
}


def _dispute_summary(steps: Sequence[DisputeStep], named: Sequence[DisputeStage], count: int) -> str:
    limits = [f"{_STAGE_WORDS[s.stage]} within {s.period.describe()}" for s in steps if s.period]
    tail = f"; time limits: {', '.join(limits)}" if limits else "; the compact sets no time limits"
    if count and len(named) < count:
        first = f", the first {_STAGE_WORDS[named[0]]}" if named else ""
        return f"Disputes go through a {_ONES[count - 1]}-step process{first}{tail}."
    if not named:
        return f"Disputes go through the compact's dispute resolution process{tail}."
    return f"Disputes are settled {', then '.join(_STAGE_WORDS[s] for s in named)}{tail}."


def _merge_reviews(drafts: list[_Draft]) -> list[_Draft]:
    """One annual review, and one promise of each kind, per section, however many sentences say it."""
    merged: list[_Draft] = []
    seen: dict[tuple[int, CommitmentKind, Firmness], _Draft] = {}
    for draft in sorted(drafts, key=lambda d: d.position):
        mergeable = draft.kind is CommitmentKind.ANNUAL_REVIEW or draft.firmness is Firmness.PLANNED
        first = seen.get((draft.section, draft.kind, draft.firmness)) if mergeable else None
        if first is None:
            seen[(draft.section, draft.kind, draft.firmness)] = draft
            merged.append(draft)
            continue
        first.sources.extend(s for s in draft.sources if s not in first.sources)
        first.bound = first.bound or draft.bound
    return merged


def _extend_bound(drafts: Sequence[_Draft], sentences: Sequence[_Sentence], names: set[str]) -> None:
    """Others made to keep the same commitments ("all bodies distributing funds ... adhere") are bound too."""
    for sentence in sentences:
        found = _EXTENSION.match(_LABEL.sub("", sentence.text))
        if found is None:
            continue
        who = _terms(found.group("who"), names)
        about_funds = re.search(r"\bfund", found.group("who"), re.IGNORECASE) is not None
        for draft in drafts:
            if (
                draft.section == sentence.section
                and draft.column == sentence.column
                and draft.firmness is Firmness.IN_FORCE
                and (draft.kind is CommitmentKind.FUNDING_NOTICE or not about_funds)
            ):
                draft.bound = tuple(dict.fromkeys((*draft.bound, *who)))


_PROMISES = {
    CommitmentKind.DISPUTE_PROCESS: "A way to resolve disagreements and complaints is still to be developed.",
    CommitmentKind.CONSULTATION_PERIOD: "How long consultations run is still to be settled.",
    CommitmentKind.FUNDING_NOTICE: "The notice given before funding changes is still to be settled.",
    CommitmentKind.CHAMPIONS: "Compact Champions are still to be arranged.",
    CommitmentKind.ANNUAL_REVIEW: "A yearly review of the compact is still to be arranged.",
    CommitmentKind.CODE_REVIEW: "A cycle for reviewing the codes of practice is still to be set.",
    CommitmentKind.OTHER: "This is still to be developed.",
}


def _finish(draft: _Draft, used: set[str]) -> Commitment:
    key, n = draft.key, 1
    while key in used:
        n += 1
        key = f"{draft.key}-{n}"
    used.add(key)
    if draft.firmness is Firmness.PLANNED:
        summary = _PROMISES[draft.kind]
    else:
        summary = draft.summary or _summary(draft)
    return Commitment(
        key=key,
        kind=draft.kind,
        firmness=draft.firmness,
        summary=summary,
        bound=draft.bound,
        period=draft.period,
        exceptions=draft.exceptions,
        steps=draft.steps,
        quote=_quote(draft.sources),
    )


def _quote(sources: Sequence[str]) -> str:
    """The passages read, joined by an ellipsis; cut at a word, and marked, where they run too long."""
    quote = " \u2026 ".join(" ".join(s.split()) for s in sources)
    if len(quote) <= QUOTE_MAX:
        return quote
    return quote[: QUOTE_MAX - 2].rsplit(" ", 1)[0] + " \u2026"


def _summary(draft: _Draft) -> str:
    """The commitment in plain words, one sentence, from what was read."""
    text = " ".join(draft.sources)
    if draft.kind is CommitmentKind.FUNDING_NOTICE:
        return _notice_summary(draft, text)
    if draft.kind is CommitmentKind.CONSULTATION_PERIOD:
        return _consultation_summary(draft, text)
    if draft.kind is CommitmentKind.CHAMPIONS:
        return "Each of the bodies it binds names a Compact Champion of its own."
    if draft.kind is CommitmentKind.CODE_REVIEW:
        cycle = draft.period
        every = (
            "every year"
            if cycle is None or cycle == Period(1, PeriodUnit.YEARS)
            else f"every {cycle.describe()}"
        )
        return f"The codes of good practice are reviewed {every}."
    summary = "The compact is reviewed every year"
    if re.search(r"\bconference\b", text, re.IGNORECASE):
        summary += " at an annual conference"
    if re.search(r"\bmonitoring\s+report\b", text, re.IGNORECASE):
        summary += " that considers a monitoring report"
    if re.search(r"\bpublish\w*\b[^.]*\breport\b", text, re.IGNORECASE):
        summary += ", and a report on it is published every year"
    return summary + "."


def _either(words: Sequence[str], joiner: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {joiner} {words[-1]}"


def _notice_summary(draft: _Draft, text: str) -> str:
    what = "funding or other support" if re.search(r"\bother\s+support\b", text, re.IGNORECASE) else "funding"
    notice = "notice"
    if draft.period is not None:
        amount = draft.period.describe()
        owed = f"{amount}'" if amount.endswith("s") else f"{amount}'s"
        least = "at least " if re.search(r"\bminimum\b|\bat\s+least\b", text, re.IGNORECASE) else ""
        notice = f"{least}{owed} notice"
    if re.search(r"\bin\s+writing\b|\bwritten\b", text, re.IGNORECASE):
        notice += " in writing"
    summary = f"Before {what} is changed or ended, {notice} is given"
    if draft.exceptions:
        summary += f", except in {_either(draft.exceptions, 'or')}"
    if re.search(r"\bclear\s+rationale\b", text, re.IGNORECASE):
        summary += ", with a clear rationale for the decision"
    elif re.search(r"\brationale\b|\breasons?\b", text, re.IGNORECASE):
        summary += ", with the reasons for the decision"
    return summary + "."


def _consultation_summary(draft: _Draft, text: str) -> str:
    parts: list[str] = []
    if draft.period is not None:
        least = "at least " if re.search(r"\bminimum\b|\bat\s+least\b", text, re.IGNORECASE) else ""
        parts.append(f"run for {least}{draft.period.describe()}")
    if re.search(r"\btimely\b|\bin\s+good\s+time\b", text, re.IGNORECASE):
        parts.append("are held in good time")
    if re.search(
        r"\btimescales?\b|\breasonable\s+(?:time|period)\b|\btime\s+to\s+respond\b", text, re.IGNORECASE
    ):
        parts.append("allow reasonable time to respond")
    if re.search(r"\b(?:prior\s+to|before)\s+(?:giving|sending|making)\b", text, re.IGNORECASE):
        parts.append("leave groups time to consult their own members and users before responding")
    if re.search(r"\bclosing\s+date\b", text, re.IGNORECASE):
        parts.append("have a closing date")
    summary = f"Consultations {_either(parts, 'and')}"
    if draft.exceptions:
        summary += f", unless {_either(draft.exceptions, 'or')} rules that out"
    if draft.period is None:
        summary += "; the compact sets no minimum period"
    return summary + "."
