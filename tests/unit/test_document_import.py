"""The importer on the five seed compacts: titles, headings in order, matters checked by reading them."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.compact import check_sections
from domain.document import ParsedDocument, decode, parse_document
from domain.errors import InvalidInput


def seeds_folder() -> Path:
    """The seed documents beside the project (../shared/seeds), where they are read at run time."""
    for candidate in (Path(__file__).resolve().parents[3] / "shared" / "seeds", Path("/work/shared/seeds")):
        if candidate.is_dir():
            return candidate
    raise AssertionError("The seed documents are missing: expected them in ../shared/seeds.")


SEEDS = {
    "harlow": "000_5bbd1fd5022cb212.txt",
    "harrow": "001_819ebff5ce284e41.txt",
    "havering": "002_51bfee7c2637f054.txt",
    "essex": "003_99c4101b8ba6d9c2.txt",
    "hertsmere": "004_94631495d21b19d9.txt",
}


def seed(name: str) -> ParsedDocument:
    return parse_document(decode((seeds_folder() / SEEDS[name]).read_bytes()))


def matters_of(doc: ParsedDocument, key: str) -> set[str]:
    return set(next(s for s in doc.sections if s.key == key).matters)


def test_harlow() -> None:
    doc = seed("harlow")
    assert doc.title == "The Harlow Compact"
    assert [s.heading for s in doc.sections] == [
        "Introduction",
        "The Harlow approach",
        "Joint undertakings, shared principles, and vision",
        "Undertakings by Statutory and other Partner Organisations",
        "Commitments and undertakings by the Voluntary and Community Sector",
        "Making it work",
        "Next steps",
    ]
    # Making it work: review the compact every year and publish a report on it.
    assert {"review", "codes"} <= matters_of(doc, "making-it-work")
    # Next steps: a steering group and codes on funding, volunteers, BME groups, complaints.
    assert {"codes", "funding", "volunteering", "disputes"} <= matters_of(doc, "next-steps")
    assert {"funding", "consultation"} <= matters_of(doc, "undertakings-by-statutory-and-other")
    making = next(s for s in doc.sections if s.key == "making-it-work")
    assert "- To adopt the Compact's Codes of Practice once developed." in making.text.splitlines()


def test_harrow() -> None:
    doc = seed("harrow")
    assert doc.title == "The Harrow Compact 2009"
    assert [(s.key, s.heading) for s in doc.sections] == [
        ("what-is-a-compact", "What Is A Compact?"),
        ("aims-objectives-of-harrow-compact", "Aims & Objectives Of Harrow Compact"),
        ("purpose-of-the-compact", "Purpose Of The Compact"),
        ("status-of-the-compact", "Status Of The Compact"),
        ("shared-principles-in-the-harrow-compact", "Shared Principles In The Harrow Compact"),
        ("keeping-the-compact-live", "Keeping The Compact Live"),
        ("statutory-sector", "Statutory Sector"),
        ("voluntary-and-community-sector", "Voluntary and Community Sector"),
        ("voluntary-and-community-organisations", "Voluntary and Community Organisations"),
    ]
    # Disputes go to an investigation reported to the board, then mediation by another partnership.
    assert {"disputes", "codes"} <= matters_of(doc, "keeping-the-compact-live")
    assert {"consultation", "equality", "independence"} <= matters_of(
        doc, "shared-principles-in-the-harrow-compact"
    )
    # "Resolve conflicts quickly" and "the many dimensions of diversity" are among the aims.
    assert {"disputes", "equality"} <= matters_of(doc, "aims-objectives-of-harrow-compact")
    aims = next(s for s in doc.sections if s.key == "aims-objectives-of-harrow-compact")
    assert "- ensure equitable access to resources" in aims.text.splitlines()  # a '•' bullet


def test_havering() -> None:
    doc = seed("havering")
    assert doc.title == "Compact for Havering"
    assert [(s.key, s.kind) for s in doc.sections] == [
        ("introduction-what-is-a-local-compact", "section"),
        ("1", "section"),
        ("2", "section"),
        ("shared-principles", "section"),
        ("3", "section"),
        ("havering-local-area-agreement", "section"),
        ("4.1", "section"),
        ("4.2", "section"),
        ("4.3", "section"),
        ("5.1", "section"),
        ("5.2", "section"),
        ("5.3", "section"),
        ("5.4", "section"),
        ("6", "section"),
        ("7", "section"),
        ("8", "section"),
        ("appendix-a", "appendix"),
        ("appendix-b", "appendix"),
        ("glossary", "glossary"),
        ("consultation-response-contact-details", "section"),
    ]
    headings = {s.key: s.heading for s in doc.sections}
    assert headings["4.2"] == "Commitments by Public Bodies"
    assert headings["appendix-a"] == "Appendix A: Compact Steering Committee Membership"
    assert "champions" in matters_of(doc, "5.3")
    assert matters_of(doc, "6") == {"disputes"}
    assert "codes" in matters_of(doc, "5.1")
    assert "review" in matters_of(doc, "5.4")
    # The purpose's numbered list stays in its section, not three headings.
    purpose = next(s for s in doc.sections if s.key == "2")
    assert "2. Widening the local community's influence on decision-making processes" in purpose.text
    # The contents page is not read as sections.
    assert sum(1 for s in doc.sections if s.heading == "The Purpose of the Compact") == 1


def test_essex() -> None:
    doc = seed("essex")
    assert doc.title == "The Compact for Essex"  # written on its cover in capitals
    assert [(s.key, s.heading) for s in doc.sections] == [
        ("1", "Vision"),
        ("2", "Purpose of the Essex Partnership Compact"),
        ("3", "Shared Principles"),
        ("4", "Undertakings by both Statutory Sector and Voluntary and Community Sector"),
        ("5", "Undertakings by Statutory Sector"),
        ("5-2", "Undertakings by voluntary and community sector"),  # the document numbers two sections 5
        ("6", "Making it Work/Next Steps"),
    ]
    assert {"funding", "consultation", "volunteering"} <= matters_of(doc, "5")
    assert {"independence", "equality"} <= matters_of(doc, "3")
    assert "review" in matters_of(doc, "6")


def test_hertsmere() -> None:
    doc = seed("hertsmere")
    assert doc.title == "The Hertsmere Compact"  # Markdown emphasis on its cover removed
    assert [s.heading for s in doc.sections] == [
        "Introduction",
        "Mission statement",
        "Compact principles",
        "Compact outcomes",
    ]
    outcomes = next(s for s in doc.sections if s.key == "compact-outcomes")
    rows = [line for line in outcomes.text.splitlines() if " | " in line]
    assert rows[0] == "Outcome | Public bodies commit to: | Voluntary sector organisations commit to:"
    assert len(rows) == 6  # the header and the five outcomes of the table
    # The table's funding commitments include three months' notice of changes.
    assert {"funding", "consultation"} <= matters_of(doc, "compact-outcomes")
    assert {"independence", "volunteering", "equality"} <= matters_of(doc, "compact-principles")


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_seed_makes_sections_a_compact_accepts(name: str) -> None:
    sections = seed(name).to_sections()
    assert check_sections(sections) == sections


def test_markdown_is_read_too() -> None:
    doc = parse_document(
        "# The Epping Forest Compact\n\n## 1. Funding\n\nThree months' **notice** of funding changes.\n\n"
        "- grants paid on time\n* grants agreed early\n\n## Consultation\n\n| Step | Weeks |\n|---|---|\n"
        "| Written consultation | 12 |\n"
    )
    assert doc.title == "The Epping Forest Compact"
    assert [(s.key, s.heading, s.matters) for s in doc.sections] == [
        ("1", "Funding", ("funding",)),
        ("consultation", "Consultation", ("consultation",)),
    ]
    assert doc.sections[0].text.splitlines() == [
        "Three months' notice of funding changes.",
        "",
        "- grants paid on time",
        "- grants agreed early",
    ]
    assert doc.sections[1].text.splitlines() == ["Step | Weeks", "Written consultation | 12"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty"),
        (b"  \n\t\n", "The file is empty"),
        ("The Compact for Épping\n\n1. Vision\n\nText.".encode("latin-1"), "not UTF-8 text (byte 16"),
        (b"%PDF-1.4\x00\x01\x02binary", "looks like a binary file"),
    ],
)
def test_files_that_are_not_text_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(")):
        decode(data)


def test_a_document_with_no_headings_is_refused() -> None:
    with pytest.raises(InvalidInput, match="No sections were found"):
        parse_document("The Compact\n\nA single paragraph of prose that never turns into sections at all.")


def test_a_tenants_vocabulary_adds_keywords() -> None:
    text = "# Our Compact\n\n## Small charities\n\nThe hub helps small charities with the hub's services."
    assert parse_document(text).sections[0].matters == ("partnership",)
    extended = parse_document(text, vocabulary={"Community groups": ["small charities"]})
    assert extended.sections[0].matters == ("community-groups",)
    with pytest.raises(InvalidInput, match="'fundin' is not a known matter; did you mean 'funding'"):
        parse_document(text, vocabulary={"fundin": ["money"]})
