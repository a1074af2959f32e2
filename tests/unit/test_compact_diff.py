"""The diff of two compact versions, marked word by word."""

from __future__ import annotations

from domain.compact import Section
from domain.diff import Version, amendment_history, diff_sections, word_changes


def test_sections_are_added_removed_and_changed_by_key() -> None:
    before = [Section("1", "Funding", "Three months notice.", ("funding",)), Section("2", "Old", "Gone.", ())]
    after = [
        Section("1", "Funding", "Twelve weeks written notice.", ("funding",)),
        Section("3", "New", "Here.", ()),
    ]
    diff = diff_sections(before, after)
    assert [s.key for s in diff.added] == ["3"]
    assert [s.key for s in diff.removed] == ["2"]
    (change,) = diff.changed
    assert change.key == "1"
    assert change.marked == "[-Three months-] {+Twelve weeks written+} notice."


def test_an_unchanged_section_is_not_listed_and_a_heading_or_matter_change_is() -> None:
    same = Section("1", "H", "Text.", ())
    assert diff_sections([same], [same]).changed == ()
    retagged = Section("1", "H", "Text.", ("review",))
    (change,) = diff_sections([same], [retagged]).changed
    assert change.marked == "Text."
    assert change.after.matters == ("review",)


def test_word_changes_keep_every_word_in_order() -> None:
    changes = word_changes("a b c d", "a x c d e")
    assert [(c.op, c.text) for c in changes] == [
        ("same", "a "),
        ("removed", "b "),
        ("added", "x "),
        ("same", "c d "),
        ("added", "e"),
    ]
    assert "".join(c.text for c in changes if c.op != "removed") == "a x c d e"


def test_the_amendment_history_says_what_each_version_changed() -> None:
    one = (Section("1", "Funding", "Notice before changes.", ("funding",)), Section("2", "Gone", "Old.", ()))
    two = (Section("1", "Funding", "Three months notice before changes.", ("funding",)),
           Section("3", "Disputes", "Mediation first.", ("disputes",)))  # fmt: skip
    text = amendment_history(
        "The Harlow Compact", [Version(1, "2004-01-14", None, one), Version(2, "2006-04-01", "Review", two)]
    )
    assert text.splitlines() == [
        "# The Harlow Compact: amendments",
        "",
        "Version 1 took effect on 2004-01-14 with 2 sections.",
        "",
        "## Version 2, in effect from 2006-04-01",
        "",
        "Why: Review",
        "",
        "- added 3 Disputes: Mediation first.",
        "- removed 2 Gone",
        "- changed 1 Funding: [-Notice-] {+Three months notice+} before changes.",
    ]
