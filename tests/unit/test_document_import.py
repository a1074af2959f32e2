"""The importer on the five seed compacts: titles, headings in order, matters checked by reading them."""

from __future__ import annotations

import os
import random
import re
import string
from pathlib import Path

import pytest

from domain.commitments import check_commitment
from domain.compact import check_sections, check_title
from domain.document import KEYWORDS, ParsedDocument, ParsedSection, decode, parse_document, propose_matters
from domain.errors import InvalidInput
from domain.matters import MATTERS

SEEDS = {
    "harlow": "000_5bbd1fd5022cb212.txt",
    "harrow": "001_819ebff5ce284e41.txt",
    "havering": "002_51bfee7c2637f054.txt",
    "essex": "003_99c4101b8ba6d9c2.txt",
    "hertsmere": "004_94631495d21b19d9.txt",
}


def seeds_folder() -> Path:
    """The seed documents: TEST_SEEDS, else ../shared/seeds beside the project, else the machine's copy.

    A clone made elsewhere on the machine still finds them; their absence fails, never skips.
    """
    candidates = [
        *([Path(os.environ["TEST_SEEDS"])] if os.environ.get("TEST_SEEDS") else []),
        Path(__file__).resolve().parents[3] / "shared" / "seeds",
        Path("/work/shared/seeds"),
    ]
    for folder in candidates:
        if (folder / "README.md").is_file():
            return folder
    pytest.fail(f"The seed documents are missing: looked in {', '.join(map(str, candidates))}.")


def seed(name: str) -> ParsedDocument:
    return parse_document(decode((seeds_folder() / SEEDS[name]).read_bytes()))


def section(doc: ParsedDocument, key: str) -> ParsedSection:
    return next(s for s in doc.sections if s.key == key)


def matters_of(doc: ParsedDocument, key: str) -> set[str]:
    return set(section(doc, key).matters)


def lines_of(doc: ParsedDocument, key: str) -> list[str]:
    return section(doc, key).text.splitlines()


def all_text(doc: ParsedDocument) -> str:
    return "\n".join(s.text for s in doc.sections)


def test_harlow() -> None:
    doc = seed("harlow")
    assert doc.title == "The Harlow Compact"
    assert [(s.key, s.heading) for s in doc.sections] == [
        ("introduction", "Introduction"),  # the two paragraphs under the cover title
        ("the-harlow-approach", "The Harlow approach"),
        ("joint-undertakings-shared-principles", "Joint undertakings, shared principles, and vision"),
        ("undertakings-by-statutory-and-other", "Undertakings by Statutory and other Partner Organisations"),
        (
            "commitments-and-undertakings",
            "Commitments and undertakings by the Voluntary and Community Sector",
        ),
        ("making-it-work", "Making it work"),
        ("next-steps", "Next steps"),
    ]
    assert {s.kind for s in doc.sections} == {"section"}
    assert section(doc, "introduction").text.startswith("A Compact is an agreement between local government")
    # Making it work: adopt the codes, review the compact every year and report on it.
    assert {"review", "codes"} <= matters_of(doc, "making-it-work")
    # Next steps: a steering group, and codes on consultation, BME groups, funding and volunteers.
    assert {"codes", "consultation", "equality", "funding", "volunteering"} <= matters_of(doc, "next-steps")
    # Its way of resolving disagreements is only promised ("Developing a mechanism"): planned, not covered.
    assert "disputes" not in matters_of(doc, "next-steps")
    assert section(doc, "next-steps").planned == ("disputes",)
    # The statutory side: funding, consultation, confidentiality, independence, complaints.
    assert {"funding", "consultation", "confidentiality", "independence", "disputes"} <= matters_of(
        doc, "undertakings-by-statutory-and-other"
    )
    # "Voluntary and community groups" there is the whole sector, not the small community groups.
    assert "community-groups" not in matters_of(doc, "undertakings-by-statutory-and-other")
    assert "- Finance and Funding" in lines_of(doc, "next-steps")
    assert any(
        line.startswith("- To adopt the Compact's Codes of Practice")
        for line in lines_of(doc, "making-it-work")
    )
    # The date under the last section is kept where it stands; the officer sees it in the text.
    assert lines_of(doc, "next-steps")[-1] == "14 January 2004"


def test_harrow() -> None:
    doc = seed("harrow")
    assert doc.title == "The Harrow Compact 2009"  # not "The Compact", the web page's name above it
    assert [(s.key, s.heading) for s in doc.sections] == [
        ("introduction", "Introduction"),
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
    # The summary above the cover title is prose and is kept; the page's date and name are not.
    assert section(doc, "introduction").text.startswith("The Harrow Compact 2009 is an agreement")
    assert "August 7, 2015" not in all_text(doc)
    # Disputes go to an investigation, then the Compact Board, then mediation; the code needs revising.
    assert {"disputes", "codes"} <= matters_of(doc, "keeping-the-compact-live")
    assert {"funding", "consultation", "equality", "independence"} <= matters_of(
        doc, "shared-principles-in-the-harrow-compact"
    )
    # "Resolve conflicts quickly", "dimensions of diversity", "smaller partners" are among the aims.
    assert {"disputes", "equality", "community-groups"} <= matters_of(
        doc, "aims-objectives-of-harrow-compact"
    )
    # Contracts, service level agreements and grants.
    assert "procurement" in matters_of(doc, "purpose-of-the-compact")
    # The Register of Parties and the High Court's view name no matter: the fallback.
    assert section(doc, "status-of-the-compact").matters == ("partnership",)
    aims = lines_of(doc, "aims-objectives-of-harrow-compact")
    assert "- ensure equitable access to resources" in aims  # a '•' bullet, indented in the file
    assert any(
        line.startswith("1. If any organisation") for line in lines_of(doc, "keeping-the-compact-live")
    )
    assert "  " not in section(doc, "what-is-a-compact").text  # no-break spaces read as single spaces


def test_havering() -> None:
    doc = seed("havering")
    assert doc.title == "Compact for Havering"
    assert [(s.key, s.heading, s.kind) for s in doc.sections] == [
        ("introduction-what-is-a-local-compact", "Introduction: What is a Local Compact?", "section"),
        ("1", "A Compact for Havering", "section"),
        ("2", "The Purpose of the Compact", "section"),
        ("shared-principles", "Shared principles", "section"),
        ("3", "The Wider Context", "section"),
        ("havering-local-area-agreement", "Havering Local Area Agreement", "section"),
        # "4. Commitments" and "5. Implementing the Compact" only group their subsections.
        ("4.1", "Commitments by all partners", "section"),
        ("4.2", "Commitments by Public Bodies", "section"),
        ("4.3", "Commitments by Voluntary and Community Sector", "section"),
        ("5.1", "Codes of good Practice", "section"),
        ("5.2", "Ownership and promotion of the Compact for Havering", "section"),
        ("5.3", "Compact Champions", "section"),
        ("5.4", "Implementation and Review", "section"),
        ("6", "Resolving Disagreements", "section"),
        ("7", "Ownership and promotion of the Havering Compact", "section"),
        ("8", "The Way Forward", "section"),
        ("appendix-a", "Appendix A: Compact Steering Committee Membership", "appendix"),
        ("appendix-b", "Appendix B: Resources", "appendix"),
        ("glossary", "Glossary", "glossary"),
        ("consultation-response-contact-details", "Consultation Response Contact Details", "section"),
    ]
    assert "champions" in matters_of(doc, "5.3")
    assert section(doc, "6").matters == ("disputes",)
    assert {"codes", "funding", "volunteering", "equality"} <= matters_of(doc, "5.1")
    assert "review" in matters_of(doc, "5.4")
    assert "confidentiality" in matters_of(doc, "4.1")  # the sharing of information
    assert "consultation" in matters_of(doc, "consultation-response-contact-details")
    assert "procurement" in matters_of(doc, "glossary")
    # The contents page is not read as sections, nor kept as text.
    assert "Contents" not in all_text(doc)
    assert "Glossary\t15" not in all_text(doc)
    # A line that leads into nothing stays with the text it belongs to.
    assert lines_of(doc, "introduction-what-is-a-local-compact")[-1] == "Source: National COMPACT Secretariat"
    # The page footer inside 4.2 is left out; the list carries on across the page.
    assert "Draft Compact for Havering Document" not in section(doc, "4.2").text
    assert "- Promote a strong and effective infrastructure" in section(doc, "4.2").text
    # The purpose's numbered list stays in its section, not three headings.
    assert "2. Widening the local community's influence" in section(doc, "2").text
    # The appendix keeps its table and the labels of its parts.
    members = lines_of(doc, "appendix-a")
    assert members[0] == "Role | Name | Organisation | Contact Tel No."
    assert "Champions" in members
    assert lines_of(doc, "consultation-response-contact-details")[-1].endswith("7th March 2010")


def test_essex() -> None:
    doc = seed("essex")
    assert doc.title == "The Compact for Essex"  # written "THE COMPACT for ESSEX" on its cover
    assert [(s.key, s.heading) for s in doc.sections] == [
        ("1", "Vision"),
        ("2", "Purpose of the Essex Partnership Compact"),
        ("3", "Shared Principles"),
        ("4", "Undertakings by both Statutory Sector and Voluntary and Community Sector"),
        ("5", "Undertakings by Statutory Sector"),
        ("5-2", "Undertakings by voluntary and community sector"),  # the document numbers two parts 5
        ("6", "Making it Work/Next Steps"),
    ]
    # Funding frameworks, timely consultation, volunteering, the right to campaign.
    assert {"funding", "consultation", "volunteering", "independence"} <= matters_of(doc, "5")
    assert {"independence", "equality"} <= matters_of(doc, "3")
    # Every partner appoints a Compact Champion; conflict, confidentiality, monitoring, complaints.
    assert {"champions", "disputes", "confidentiality", "review"} <= matters_of(doc, "4")
    assert "review" in matters_of(doc, "6")
    # "To develop a mechanism to resolve disagreements": promised, so planned and not covered.
    assert "disputes" not in matters_of(doc, "6")
    assert section(doc, "6").planned == ("disputes",)
    assert "*" not in section(doc, "5").text  # the bold-italic undertakings lose their asterisks
    # A sentence broken by a page is joined again.
    assert "voluntary and community bodies will remain the same" in section(doc, "2").text


def test_hertsmere() -> None:
    doc = seed("hertsmere")
    assert doc.title == "The Hertsmere Compact"  # Markdown emphasis on its cover removed
    assert [(s.key, s.heading) for s in doc.sections] == [
        ("introduction", "Introduction"),
        ("mission-statement", "Mission statement"),
        ("compact-principles", "Compact principles"),
        ("compact-outcomes", "Compact outcomes"),
    ]
    # The cover's motto, and the title repeated with it, are not text.
    assert "Partnerships..Communities..Together" not in all_text(doc)
    rows = [line for line in lines_of(doc, "compact-outcomes") if " | " in line]
    assert rows[0] == "Outcome | Public bodies commit to: | Voluntary sector organisations commit to:"
    assert len(rows) == 6  # the header and the five outcomes of the table
    changes = next(row for row in rows if row.startswith("Clear arrangements for managing changes | "))
    assert "three months' notice in writing" in changes
    assert changes.count(" | ") == 2
    assert "- 1. A strong, diverse and independent civil society" in lines_of(doc, "compact-outcomes")
    # The table: notice before funding changes, consultations, volunteering, tendering, equal access.
    assert {"funding", "consultation", "volunteering", "procurement", "equality"} <= matters_of(
        doc, "compact-outcomes"
    )
    assert {"independence", "volunteering", "equality"} <= matters_of(doc, "compact-principles")
    assert section(doc, "mission-statement").matters == ("partnership",)  # names no matter: the fallback


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_seed_makes_sections_a_compact_accepts(name: str) -> None:
    doc = seed(name)
    sections = doc.to_sections()
    checked = check_sections(sections)
    assert [(s.key, s.heading, s.text, s.matters) for s in checked] == [
        (s.key, s.heading, s.text, s.matters) for s in sections
    ]
    assert check_title(doc.title) == doc.title
    assert all(s.matters for s in doc.sections)
    # Each section carries what the importer proposed for it, and every proposal is one a compact records.
    assert [(s.planned, s.commitments) for s in sections] == [
        (s.planned, s.commitments) for s in doc.sections
    ]
    assert all(check_commitment(c) == c for s in sections for c in s.commitments)


def test_markdown_is_read_too() -> None:
    doc = parse_document(
        "# The Epping Forest Compact\n\nAgreed by the partners.\n\n## 1. Funding\n\nThree months' **notice** "
        "of funding\nchanges, in writing.\n\n- grants paid on time\n* grants agreed early\n\n## 4. Commitments\n\n"
        "### 4.2 Commitments by Public Bodies\n\nWe will [consult](https://example.org) early.\n\n"
        "## Consultation\n\n| Step | Weeks |\n|---|---|\n| Written consultation | 12 |\n\n"
        "## Appendix A: Members\n\n### Council\n\nThe leader.\n\n## Glossary\n\nCompact: an agreement.\n"
    )
    assert doc.title == "The Epping Forest Compact"
    assert [(s.key, s.heading, s.kind) for s in doc.sections] == [
        ("introduction", "Introduction", "section"),
        ("1", "Funding", "section"),
        ("4.2", "Commitments by Public Bodies", "section"),
        ("consultation", "Consultation", "section"),
        ("appendix-a", "Appendix A: Members", "appendix"),
        ("glossary", "Glossary", "glossary"),
    ]
    assert section(doc, "1").matters == ("funding",)
    assert lines_of(doc, "1") == [
        "Three months' notice of funding changes, in writing.",  # a Markdown paragraph is one line
        "",
        "- grants paid on time",
        "- grants agreed early",
    ]
    assert section(doc, "4.2").text == "We will consult (https://example.org) early."
    assert lines_of(doc, "consultation") == ["Step | Weeks", "Written consultation | 12"]
    assert lines_of(doc, "appendix-a") == ["Council", "", "The leader."]  # its sub-heading labels its text


def test_wrapped_plain_text_and_a_title_in_capitals_over_two_lines() -> None:
    doc = parse_document(
        "THE COMPACT\nFOR THURROCK\n\n1. Funding\n\nThe council will give notice of changes to\n"
        "funding, and will consult the groups that\nare affected.\n\n2. Disputes\n\nMediation comes last.\n"
    )
    assert doc.title == "The Compact for Thurrock"
    assert [(s.key, s.text) for s in doc.sections] == [
        (
            "1",
            "The council will give notice of changes to funding, and will consult the groups that are affected.",
        ),
        ("2", "Mediation comes last."),
    ]


def test_a_numbered_list_spaced_out_by_blank_lines_stays_in_its_section() -> None:
    doc = parse_document(
        "The Compact for Basildon\n\n1. Vision\n\nWe aim to:\n\n1. Promote things\n\n2. Widen things\n\n"
        "3. Develop things\n\nAll three matter.\n\n2. Funding\n\nGrants are paid.\n\n"
        "Next steps\n\nMeet.\n\nNext steps\n\nMeet again.\n"
    )
    assert [(s.key, s.heading) for s in doc.sections] == [
        ("1", "Vision"),
        ("2", "Funding"),
        ("next-steps", "Next steps"),
        ("next-steps-2", "Next steps"),  # a repeated heading gets a suffix to keep keys unique
    ]
    assert lines_of(doc, "1") == [
        "We aim to:",
        "",
        "1. Promote things",
        "",
        "2. Widen things",
        "",
        "3. Develop things",  # not a heading: section 3 cannot follow section 1
        "",
        "All three matter.",
    ]


def test_judicial_review_is_not_the_compacts_review() -> None:
    text = "A court may hold a judicial review; the judicial review may overturn a decision."
    assert propose_matters("Status", text) == ("partnership",)
    assert propose_matters("Status", "We review the compact and publish an annual report.") == ("review",)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty: there is no compact in it to import."),
        (b"  \n\t\n", "The file is empty: there is no compact in it to import."),
        (
            "The Compact for Épping\n\n1. Vision\n\nText.".encode("latin-1"),
            "The file is not UTF-8 text (byte 16, on line 1, cannot be read); save it again as UTF-8 "
            "and import that.",
        ),
        (
            b"%PDF-1.4\x00\x01\x02binary",
            "The file looks like a binary file (a PDF or Word document?); save it as plain text (UTF-8) "
            "and import that.",
        ),
        (
            b"PK\x03\x04word/document.xml",
            "The file looks like a binary file (a PDF or Word document?); save it as plain text (UTF-8) "
            "and import that.",
        ),
        (
            "The Compact".encode("utf-16"),
            "The file is saved as UTF-16; save it again as plain text in UTF-8 and import that.",
        ),
    ],
)
def test_files_that_are_not_utf8_text_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        decode(data)
    assert refused.value.message == message


def test_utf8_with_or_without_a_byte_order_mark_is_read() -> None:
    assert decode("The Compact for Épping\n".encode()) == "The Compact for Épping\n"
    assert decode("\ufeffThe Compact\n".encode()) == "The Compact\n"


def noise(seed_value: int) -> str:
    rnd = random.Random(seed_value)  # noqa: S311 - reproducible noise for a test, not a secret
    symbols = string.ascii_letters + string.digits + string.punctuation
    return "\n\n".join("".join(rnd.choice(symbols) for _ in range(rnd.randint(20, 70))) for _ in range(30))


@pytest.mark.parametrize(
    "text",
    [
        "A single paragraph of prose about working together, which never turns into sections at all.",
        "- a list\n- of things\n- and no headings",
        "1. Vision\n\nWe work together.\n\n2. Funding\n\nGrants are paid.\n",
    ],
)
def test_a_document_without_a_title_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_document(text)
    assert refused.value.message == "The document has no title: put the compact's title on its first line."


@pytest.mark.parametrize("text", ["", " \n\t\n", "\f\n\f"])
def test_a_document_with_no_text_at_all_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_document(text)
    assert refused.value.message == "The document is empty: there is no compact in it to import."


def test_a_title_with_nothing_under_it_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_document("The Compact for Nowhere\n\n")
    assert refused.value.message == (
        "The document has a title ('The Compact for Nowhere') but no text under it: there is no compact to import."
    )


def test_a_title_over_one_paragraph_imports_as_one_section() -> None:
    doc = parse_document(
        "The Compact\n\nA single paragraph of prose about working together, and nothing more."
    )
    assert doc.shape == "single-section"
    assert [(s.key, s.heading, s.text) for s in doc.sections] == [
        ("compact", "The compact", "A single paragraph of prose about working together, and nothing more.")
    ]
    assert doc.warnings == (
        "The document has no headings, so its whole text is one section, 'compact'. "
        "Put headings on lines of their own to split it.",
    )


@pytest.mark.parametrize("seed_value", [1, 2])
def test_noise_under_a_title_imports_with_a_warning_to_read_it_first(seed_value: int) -> None:
    doc = parse_document(noise(seed_value))
    assert doc.shape == "single-section"
    assert len(doc.sections) == 1
    assert (
        "Much of the text is not words (is this the compact's file?): read it before publishing."
        in doc.warnings
    )


def test_the_default_keywords_cover_every_matter() -> None:
    assert list(KEYWORDS) == [m.key for m in MATTERS]


def test_a_tenants_vocabulary_adds_keywords() -> None:
    text = "# Our Compact\n\n## Small charities\n\nThe hub helps small charities with the hub's services."
    assert parse_document(text).sections[0].matters == ("partnership",)
    extended = parse_document(text, vocabulary={"Community groups": ["small charities"]})
    assert extended.sections[0].matters == ("community-groups",)
    # The defaults stay: a tenant's words add to them.
    funding = "# Our Compact\n\n## Money\n\nGrant aid for the hub."
    assert parse_document(funding, vocabulary={"funding": ["hub"]}).sections[0].matters == ("funding",)


def test_a_vocabulary_must_name_known_matters_and_list_keywords() -> None:
    text = "# Our Compact\n\n## Money\n\nGrants."
    with pytest.raises(
        InvalidInput, match=re.escape("'fundin' is not a known matter; did you mean 'funding'")
    ):
        parse_document(text, vocabulary={"fundin": ["money"]})
    with pytest.raises(InvalidInput, match=re.escape("The keywords for 'funding' must be a list")):
        parse_document(text, vocabulary={"funding": "money"})
