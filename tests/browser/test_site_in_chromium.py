"""The public site in a real browser: the journeys a person takes, the keyboard alone, and axe-core's verdict."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console, Offline
from tests.e2e.conftest import Server

# What axe-core must not find on any page.
BLOCKING = ("serious", "critical")


def shot(page: Page, folder: Path, name: str) -> Path:
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 0
    return path


def axe(page: Page, source: str) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it stands, WCAG 2.2 A and AA and best practice."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(source)
    result: dict[str, Any] = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values:
            ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})"""
    )
    return list(result["violations"])


def blocking(violations: list[dict[str, Any]]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in violations
        if v["impact"] in BLOCKING
    ]


def test_a_person_follows_the_directory_to_harlows_compact(
    page: Page, site: Server, screenshots: Path, offline: Offline, console: Console
) -> None:
    page.goto(site.url + "/")
    expect(page.locator("h1")).to_have_text("Local Compacts in England")
    shot(page, screenshots, "01-directory")
    page.get_by_label("Search by name").fill("Har")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("status")).to_contain_text("2 compacts found")
    page.get_by_role("link", name="Harlow", exact=True).click()
    expect(page).to_have_url(re.compile(r"/compacts/harlow$"))
    expect(page.locator("h1")).to_have_text("The Harlow Compact")
    expect(page.locator("main")).to_contain_text("version 2, in force since 1 May 2006")
    shot(page, screenshots, "02-harlow")
    assert offline.refused == []
    assert console.errors == []


def test_changing_the_date_shows_the_earlier_version(page: Page, site: Server, screenshots: Path) -> None:
    page.goto(site.url + "/compacts/harlow")
    expect(page.locator("#section-the-harlow-approach + p")).to_have_text(
        "The sectors work well together. The compact is to strengthen that by settling problems jointly."
    )
    page.get_by_label("Show the compact as it stood on").fill("2005-06-01")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"asOf=2005-06-01"))
    expect(page.locator("main")).to_contain_text("As it stood on 1 June 2005: version 1")
    expect(page.locator("#section-the-harlow-approach + p")).to_contain_text(
        "The sectors already work well together"
    )
    shot(page, screenshots, "03-harlow-2005")


def test_a_diff_shows_the_words_added_and_removed(page: Page, site: Server, screenshots: Path) -> None:
    page.goto(site.url + "/compacts/harlow/versions")
    expect(page.locator("h1")).to_have_text("Versions of the compact")
    page.get_by_role("button", name="Compare").click()
    expect(page).to_have_url(re.compile(r"/compacts/harlow/versions/1/2$"))
    expect(page.locator("h1")).to_have_text("What changed from version 1 to version 2")
    expect(page.locator(".diff del").first).to_contain_text("already")
    expect(page.locator(".diff ins").last).to_contain_text("jointly.")
    shot(page, screenshots, "04-diff")


def test_the_lookup_form_shows_its_trail(page: Page, site: Server, screenshots: Path) -> None:
    page.goto(site.url + "/lookup")
    page.get_by_label("Where does your organisation work?").select_option("harlow")
    page.get_by_label("What is it about?").select_option("codes")
    page.get_by_label("On what date?").fill("2012-01-01")
    page.get_by_role("button", name="Find the compact").click()
    expect(page.get_by_role("heading", name="The answer")).to_be_visible()
    steps = page.locator("ol.trail > li")
    expect(steps).to_have_count(4)
    expect(steps.nth(0)).to_contain_text("Harlow (District or borough): does not cover it.")
    expect(steps.nth(3)).to_contain_text("England (National): does not cover it.")
    shot(page, screenshots, "05-lookup")


def test_the_lookup_form_names_each_missing_answer(page: Page, site: Server, screenshots: Path) -> None:
    page.goto(site.url + "/lookup")
    page.get_by_role("button", name="Find the compact").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    summary.get_by_role("link", name="Choose the area your organisation works in.").click()
    expect(page.get_by_label("Where does your organisation work?")).to_be_focused()
    shot(page, screenshots, "06-lookup-errors")


def test_a_report_opens_and_prints_without_the_sites_navigation(
    page: Page, site: Server, screenshots: Path
) -> None:
    page.goto(site.url + "/compacts/havering")
    page.get_by_role("link", name="2011 annual report").click()
    expect(page.locator("h1")).to_have_text("Annual report 2011")
    expect(page.locator("main")).to_contain_text("Review held on 15 March 2011")
    shot(page, screenshots, "07-report")
    page.emulate_media(media="print")
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.locator(".breadcrumbs")).to_be_hidden()
    page.pdf(path=str(screenshots / "07-report.pdf"))


def test_the_keyboard_alone_reaches_the_compact_through_the_skip_link(
    page: Page, site: Server, screenshots: Path
) -> None:
    page.goto(site.url + "/compacts/harlow")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    shot(page, screenshots, "08-skip-link")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # Onwards from the main content: the date field is the first control, and shows that it has focus.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "asOf":
            break
    date_field = page.get_by_label("Show the compact as it stood on")
    expect(date_field).to_be_focused()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
    page.keyboard.type("2005-06-01")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("As it stood on 1 June 2005: version 1")
    shot(page, screenshots, "09-keyboard-date")


def test_each_focused_link_is_visibly_marked(page: Page, site: Server) -> None:
    page.goto(site.url + "/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement); return [document.activeElement.tagName, s.backgroundColor]; })()"
    )
    assert focused == ["A", "rgb(255, 221, 0)"]


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("directory", "/"),
        ("search", "/?q=Har"),
        ("compact", "/compacts/havering"),
        ("compact-earlier", "/compacts/harlow?asOf=2003-01-01"),
        ("consultation-open", "/compacts/harrow?asOf=2011-06-15"),
        ("versions", "/compacts/harlow/versions"),
        ("diff", "/compacts/harlow/versions/1/2"),
        ("history", "/compacts/harlow/history"),
        ("report", "/compacts/havering/reports/2010"),
        ("lookup", "/lookup"),
        ("lookup-answer", "/lookup?locality=harlow&matter=codes&asOf=2012-01-01"),
        ("lookup-errors", "/lookup?locality=&matter=&asOf="),
        ("not-found", "/compacts/nowhere"),
    ],
)
@pytest.mark.parametrize("width", [1024, 320])
def test_axe_finds_nothing_serious_and_nothing_overflows(
    page: Page,
    site: Server,
    screenshots: Path,
    axe_source: str,
    console: Console,
    name: str,
    path: str,
    width: int,
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site.url + path)
    shot(page, screenshots, f"axe-{name}-{width}")
    assert blocking(axe(page, axe_source)) == []
    # Works at 320 px: the page never scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert [e for e in console.errors if "Content Security Policy" in e] == []


def test_graphiql_renders_and_answers_with_the_network_cut_off(
    page: Page, site: Server, screenshots: Path, offline: Offline, console: Console
) -> None:
    page.goto(site.url + "/graphql")
    editor = page.locator(".graphiql-query-editor .CodeMirror")
    expect(editor).to_be_visible(timeout=15000)
    page.evaluate(
        "document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue('{ tenant(slug: \"harlow\") { name } }')"
    )
    page.get_by_role("button", name=re.compile("Execute query")).click()
    expect(page.locator(".result-window")).to_contain_text('"name": "Harlow"', timeout=15000)
    shot(page, screenshots, "10-graphiql")
    assert offline.refused == []
    assert console.errors == []


def test_axe_flags_what_it_should_so_an_empty_verdict_means_something(page: Page, axe_source: str) -> None:
    page.set_content(
        '<html><head><title>t</title></head><body><main><input type="text"></main></body></html>'
    )
    assert any(v.startswith("label ") for v in blocking(axe(page, axe_source)))
