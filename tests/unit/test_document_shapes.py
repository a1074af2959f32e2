"""The importer on documents of every shape councils have: each imports, says its shape, and warns what it guessed."""

from __future__ import annotations

from pathlib import Path

from domain.document import SHAPES, ParsedDocument, decode, parse_document

DOCUMENTS = Path(__file__).parent / "documents"


def read(name: str) -> ParsedDocument:
    return parse_document(decode((DOCUMENTS / name).read_bytes()))


def outline(doc: ParsedDocument) -> list[tuple[str, str, str]]:
    return [(s.key, s.heading, s.text) for s in doc.sections]


def test_the_shapes_are_headings_a_numbered_list_or_one_section() -> None:
    assert SHAPES == ("headings", "numbered-list", "single-section")


def test_a_bare_numbered_list_makes_each_item_a_section_keyed_by_its_number() -> None:
    doc = read("bare_numbered_list.txt")
    assert doc.title == "The Marshwick Compact"
    assert doc.shape == "numbered-list"
    assert outline(doc) == [
        (
            "introduction",
            "Introduction",
            "The council, the health trust and the voluntary groups of Marshwick agree the following.",
        ),
        (
            "1",
            "The council will give voluntary groups a minimum\u2026",  # its first words: the item has no label
            "The council will give voluntary groups a minimum of three months' notice in writing before it "
            "changes or ends a grant, except in exceptional circumstances.",  # the wrapped line is joined
        ),
        (
            "2",
            "Public bodies will run written consultations\u2026",
            "Public bodies will run written consultations for at least twelve weeks.",
        ),
        ("3", "Every partner will name a Compact Champion", "Every partner will name a Compact Champion."),
        (
            "4",
            "The partners will review this compact every year\u2026",
            "The partners will review this compact every year and publish what they found.",
        ),
    ]
    assert doc.warnings == (
        "The document has no headings: each of its 4 numbered items became a section, keyed by its number, "
        "with a heading made from its first words. Check the headings before publishing.",
    )


def test_a_markdown_document_that_is_one_numbered_list_takes_each_items_label_as_its_heading() -> None:
    doc = read("markdown_numbered_list.md")
    assert doc.title == "The Wrexley Compact"
    assert doc.shape == "numbered-list"
    assert outline(doc) == [
        (
            "introduction",
            "Introduction",
            "Agreed by Wrexley Council and the Wrexley Voluntary Action network.",
        ),
        ("1", "Funding", "Funding - the council gives at least 3 months' notice before it ends a grant."),
        (
            "2",
            "Consultation",
            "Consultation - consultations on policy run for 12 weeks, unless urgency makes that impossible.",
        ),
        (
            "3",
            "Disagreements",
            "Disagreements - partners will develop a procedure for resolving disagreements.",
        ),
        ("4", "Review", "Review - the compact is reviewed annually and a report is published."),
    ]
    assert [s.matters for s in doc.sections] == [
        ("partnership",),
        ("funding",),
        ("consultation",),
        ("partnership",),  # disagreements are only promised there: planned, not covered
        ("review",),
    ]
    assert [s.planned for s in doc.sections] == [(), (), (), ("disputes",), ()]


def test_headings_in_capitals_read_as_headings_in_title_case() -> None:
    doc = read("all_caps_headings.txt")
    assert doc.title == "The Corley Vale Compact"
    assert doc.shape == "headings"
    assert outline(doc) == [
        (
            "why-we-have-a-compact",
            "Why We Have a Compact",
            "The council and the voluntary sector of Corley Vale want to work as equals.",
        ),
        ("funding", "Funding", "Grants are agreed for three years where the work lasts that long."),
        ("volunteering", "Volunteering", "Volunteers are thanked and their expenses are paid."),
    ]
    assert doc.warnings == ()


def test_headings_ending_in_a_colon_read_as_headings_even_of_one_word() -> None:
    doc = read("colon_headings.txt")
    assert doc.shape == "headings"
    assert outline(doc) == [
        ("purpose", "Purpose", "This compact sets out how the council and local charities work together."),
        ("funding", "Funding", "Grants are paid on the agreed dates and in full."),
        (
            "our-consultation-promise",
            "Our Consultation Promise",
            "We ask charities for their views before deciding anything that affects them.",
        ),
    ]


def test_a_sentence_introducing_a_list_is_not_a_heading() -> None:
    doc = parse_document(
        "The Compact for Upley\n\nFunding:\n\nThe parties agree to:\n\n- pay grants on time\n- explain changes\n"
    )
    assert outline(doc) == [
        ("funding", "Funding", "The parties agree to:\n\n- pay grants on time\n- explain changes")
    ]


def test_roman_numeral_headings_are_keyed_by_their_numeral() -> None:
    doc = read("roman_headings.txt")
    assert doc.title == "The Hollins Cross Compact"
    assert doc.shape == "headings"
    assert outline(doc) == [
        ("I", "Vision", "A borough where charities and the council trust one another."),
        ("II", "Principles", "Each side respects the other's independence."),
        ("III", "Funding", "Grant conditions are written down before any money is paid."),
        ("IV", "Complaints", "A complaint about the compact goes first to the two organisations involved."),
    ]


def test_a_roman_numeral_out_of_its_count_is_text() -> None:
    doc = parse_document(
        "The Compact for Upley\n\nI. Vision\n\nWe plan together.\n\nV. Principles\n\nWe respect each other.\n"
    )
    assert outline(doc) == [("I", "Vision", "We plan together.\n\nV. Principles\n\nWe respect each other.")]


def test_a_word_processors_page_breaks_and_page_numbers_are_not_text() -> None:
    doc = read("word_processor_export.txt")
    assert doc.title == "The Fenmoor Compact"
    assert doc.shape == "headings"
    assert outline(doc) == [
        (
            "1",
            "Vision",
            "A district where charities and the council plan together, and where every group knows whom to ask.",
        ),
        (
            "2",
            "Funding",
            # The sentence broken by "- 2 -" and a form feed is joined again.
            "The council pays grants on time and explains any change well before it happens, so that groups "
            "can plan their work and tell the people who rely on them.",
        ),
        ("3", "Volunteering", "Volunteers are thanked every year at a public event."),
    ]
    assert doc.warnings == ()


def test_windows_line_endings_read_as_plain_ones() -> None:
    for name in ("roman_headings.txt", "bare_numbered_list.txt", "word_processor_export.txt"):
        text = (DOCUMENTS / name).read_text(encoding="utf-8")
        assert "\r" not in text
        assert parse_document(text.replace("\n", "\r\n")) == parse_document(text)
        assert parse_document(text.replace("\n", "\r")) == parse_document(text)  # old Macintosh files


def test_one_heading_over_one_line_principles_is_one_section_under_that_heading() -> None:
    doc = read("partnership_principles.txt")
    assert doc.title == "The Ashby Parva Compact"
    assert doc.shape == "single-section"
    assert outline(doc) == [
        (
            "partnership-principles",
            "Partnership Principles",
            "Respect for each other's independence\n\nOpenness about decisions and the reasons for them\n\n"
            "Equal value for every partner, large or small\n\nEarly warning of changes that affect the other side",
        )
    ]
    assert doc.warnings == (
        "The document has one heading ('Partnership Principles'), so its whole text is one section. "
        "Put further headings on lines of their own to split it.",
    )


def test_a_short_numbered_list_inside_prose_does_not_make_the_document_a_list() -> None:
    prose = (
        "This compact is a long statement of how the council and the voluntary sector of Upley mean to work "
        "together, written as one piece of prose without headings of any kind, as some councils write it."
    )
    doc = parse_document(f"The Compact for Upley\n\n{prose}\n\n1. Plan.\n2. Act.\n")
    assert doc.shape == "single-section"
    assert outline(doc) == [("compact", "The compact", f"{prose}\n\n1. Plan.\n2. Act.")]


def test_the_cover_lines_left_out_are_named_in_a_warning() -> None:
    doc = parse_document(
        "The Compact for Upley\n\nTogether..Stronger\n\nMarch 2011\n\n1. Vision\n\nWe plan together.\n"
    )
    assert outline(doc) == [("1", "Vision", "We plan together.")]
    assert doc.warnings == (
        "Left out as the cover's lines, not the compact's text: 'Together..Stronger'; 'March 2011'.",
    )


def test_two_sections_with_one_number_are_told_apart_with_a_warning() -> None:
    doc = parse_document(
        "The Compact for Upley\n\n1. Vision\n\nWe plan.\n\n2. Public bodies\n\nThey fund.\n\n"
        "2. Voluntary groups\n\nThey serve.\n"
    )
    assert [s.key for s in doc.sections] == ["1", "2", "2-2"]
    assert doc.warnings == (
        "Two sections are numbered 2; the second is keyed '2-2'. Check the numbering, or give it the key you prefer.",
    )


def test_every_shape_makes_sections_a_compact_accepts() -> None:
    for path in sorted(DOCUMENTS.iterdir()):
        doc = read(path.name)
        assert doc.shape in SHAPES
        assert doc.sections
        assert all(s.text and s.heading and s.matters for s in doc.sections)
        assert len({s.key for s in doc.sections}) == len(doc.sections)


def test_markdown_front_matter_is_not_text_nor_a_cover() -> None:
    doc = parse_document(
        "---\ntitle: x\nlayout: page\n---\n# The Upley Compact\n\n## Funding\n\nGrants are paid.\n"
    )
    assert (doc.title, outline(doc), doc.warnings) == (
        "The Upley Compact",
        [("funding", "Funding", "Grants are paid.")],
        (),
    )


def test_a_word_processors_manual_line_breaks_are_line_breaks() -> None:
    doc = parse_document("The Compact for Upley\u2028\u2028Funding\v\vGrants are paid\u2028on time.\n")
    assert outline(doc) == [("funding", "Funding", "Grants are paid on time.")]
