"""The public site over real HTTP: every page of the demo, its errors, its headers, and what it never shows."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from html.parser import HTMLParser

import httpx
import pytest

from api.graphiql import GRAPHIQL_CSP
from api.site.pages import SITE_CSP
from domain.clock import today
from infra.database import Database
from tests.e2e.conftest import Server, start_server, stop_server


class Outline(HTMLParser):
    """What a page is made of: its headings, its links, the hosts it loads from, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.sources: list[str] = []
        self.text: list[str] = []
        self.lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        for name in ("src", "href"):
            if tag in ("script", "link", "img", "iframe") and found.get(name):
                self.sources.append(str(found[name]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


def page(server: Server, path: str, status: int = 200) -> Outline:
    response = httpx.get(f"{server.url}{path}", timeout=30)
    assert response.status_code == status, (path, response.text[:500])
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == SITE_CSP
    outline = Outline()
    outline.feed(response.text)
    assert outline.lang == "en-GB"
    assert outline.tags.count("h1") == 1, path
    assert outline.tags.count("main") == 1, path
    # No request leaves the platform: every stylesheet, script and image is this site's own.
    assert [s for s in outline.sources if not s.startswith("/")] == [], path
    assert "<script" not in response.text
    return outline


# Raw enum values that must never reach a person.
RAW = re.compile(
    r"\b(VOLUNTARY_COMMUNITY|STATUTORY|IN_FORCE|IN_DEVELOPMENT|CONSULTATION_PERIOD|DISTRICT|NATIONAL)\b"
)


def test_the_directory_lists_every_tenant_by_tier_in_plain_words(demo: Server) -> None:
    directory = page(demo, "/")
    words = directory.words
    for heading in ("National", "Regional", "County", "District or borough"):
        assert heading in words
    assert "/compacts/harlow" in directory.links
    assert "The Harlow Compact, in force since 14 January 2004" in words
    # Havering's compact was a draft until it was adopted: it is in force from its adoption.
    assert "Compact for Havering, in force since 1 April 2010" in words
    assert not RAW.search(words)


def test_the_directory_search_keeps_the_tenants_whose_name_matches(demo: Server) -> None:
    found = page(demo, "/?q=Har")
    assert {"/compacts/harlow", "/compacts/harrow"} <= set(found.links)
    assert "/compacts/essex" not in found.links
    assert "2 compacts found for \u2018Har\u2019" in found.words
    # What a person types is shown as text, never as markup (page() refuses any <script in the answer).
    typed = page(demo, "/?q=%3Cscript%3Ealert(1)%3C/script%3E")
    assert "No compact matches \u2018<script>alert(1)</script>\u2019" in typed.words
    nothing = page(demo, "/?q=Nowhere")
    assert "No compact matches \u2018Nowhere\u2019" in nothing.words


def test_a_compact_page_shows_its_sections_commitments_and_what_governs_from_above(demo: Server) -> None:
    harlow = page(demo, "/compacts/harlow")
    words = harlow.words
    assert "The Harlow Compact" in words
    assert "version 1, in force since 14 January 2004" in words
    assert "The Harlow approach" in words
    # Its own commitments, labelled; a planned one says so.
    assert "Consultation period In force" in words
    assert "Resolving disputes Planned, not yet in force" in words
    # Funding notice is not Harlow's own: it comes from England's compact.
    assert "Notice of funding changes England" in words
    assert any(link.startswith("/compacts/england#section-") for link in harlow.links)
    assert not RAW.search(words)


def test_a_compact_page_links_its_feed_and_its_calendar_and_both_answer(demo: Server) -> None:
    links = page(demo, "/compacts/harlow").links
    for path, media_type in [
        ("/compacts/harlow/feed.atom", "application/atom+xml"),
        ("/compacts/harlow/deadlines.ics", "text/calendar"),
    ]:
        assert path in links
        answer = httpx.get(f"{demo.url}{path}", timeout=30)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith(media_type)


def test_the_register_champions_and_codes_show_their_public_fields(demo: Server) -> None:
    havering = page(demo, "/compacts/havering")
    words = havering.words
    assert "Register of Parties" in words
    assert "Voluntary and community sector" in words or "Statutory sector" in words
    assert "Funding Code of Good Practice Adopted 1 December 2008" in words
    assert not RAW.search(words)


def test_an_earlier_date_shows_the_compact_as_it_stood_then(demo: Server) -> None:
    before = page(demo, "/compacts/harlow?asOf=2003-06-01")
    assert "No compact of Harlow was in force on 1 June 2003" in before.words
    assert "/compacts/harlow?asOf=2004-01-14" in before.links
    then = page(demo, "/compacts/harlow?asOf=2004-01-14")
    assert "As it stood on 14 January 2004: version 1" in then.words


def test_an_open_consultation_shows_its_closing_date_and_how_to_respond(demo: Server) -> None:
    harrow = page(demo, "/compacts/harrow?asOf=2011-06-15")
    words = harrow.words
    assert "Closes on 27 July 2011" in words
    assert "How to respond Send your response to Harrow's compact partnership before 27 July 2011" in words
    assert "No consultation was open on 1 August 2011" in page(demo, "/compacts/harrow?asOf=2011-08-01").words


@pytest.mark.parametrize(
    ("path", "says"),
    [
        ("/compacts/nowhere", "There is no compact for 'nowhere'"),
        ("/compacts/Not_A_Slug", "There is no compact at this address"),
        ("/compacts/harlow?asOf=2010-02-30", "That is not a date we can show"),
        ("/compacts/harlow?asOf=yesterday", "Give the date as year, month and day"),
        ("/compacts/harlow/reports/20x1", "There is no annual report for that year"),
        (f"/compacts/harlow/reports/{today().year + 1}", "Give a year up to"),
        ("/compacts/harlow/versions/1/9", "There is no such version"),
        ("/compacts/harlow/versions/one/two", "Versions are numbered 1, 2, 3"),
        ("/compacts/harlow/nothing-here", "Page not found"),
    ],
)
def test_a_page_that_is_not_there_says_so_and_what_to_do(demo: Server, path: str, says: str) -> None:
    missing = page(demo, path, 404)
    assert says in missing.words
    assert "/" in missing.links


def test_the_api_keeps_its_json_for_its_own_missing_routes(demo: Server) -> None:
    response = httpx.get(f"{demo.url}/graphql/nothing", timeout=10)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")


def test_the_lookup_form_answers_with_its_trail(demo: Server) -> None:
    form = page(demo, "/lookup")
    assert "Where does your organisation work?" in form.words
    answer = page(demo, "/lookup?locality=harlow&matter=codes&asOf=2012-01-01")
    words = answer.words
    assert "No compact covered this on 1 January 2012." in words
    # The walk goes up the tiers from Harlow to England, each step with its reason.
    trail = words[words.index("How we found it") :]
    steps = [trail.index(f"{name} ({tier}) : does not cover it.") for name, tier in (
        ("Harlow", "District or borough"), ("Essex", "County"), ("East of England", "Regional"), ("England", "National"),
    )]  # fmt: skip
    assert steps == sorted(steps)
    assert "East of England had no compact in force on 1 January 2012" in trail
    covered = page(demo, "/lookup?locality=harlow&matter=funding&asOf=2012-01-01")
    assert "On 1 January 2012, Harlow's compact covers this." in covered.words
    assert not RAW.search(words)


def test_the_lookup_form_says_what_is_missing(demo: Server) -> None:
    empty = page(demo, "/lookup?locality=&matter=&asOf=")
    assert "There is a problem" in empty.words
    assert "Choose the area your organisation works in." in empty.words
    assert "Choose the matter you want to know about." in empty.words
    bad = page(demo, "/lookup?locality=harlow&matter=funding&asOf=13/13/2010")
    assert "Enter the date as year, month and day" in bad.words
    nowhere = page(demo, "/lookup?locality=nowhere&matter=funding")
    assert "Choose an area from the list: there is none called 'nowhere'." in nowhere.words
    nonsense = page(demo, "/lookup?locality=harlow&matter=nonsense")
    assert "Choose a matter from the list: 'nonsense' is not one of them." in nonsense.words


def test_versions_history_and_report_pages_read_for_people(demo: Server) -> None:
    versions = page(demo, "/compacts/harlow/versions")
    assert "First published" in versions.words
    history = page(demo, "/compacts/harlow/history")
    assert "The history checks out." in history.words
    assert re.search(r"All \d+ events were checked", history.words)
    report = page(demo, "/compacts/havering/reports/2011")
    assert "Review held on 15 March 2011" in report.words
    assert "Demo illustration: the first annual conference was held" in report.words


def test_a_report_has_a_print_stylesheet(demo: Server) -> None:
    response = httpx.get(f"{demo.url}/compacts/havering/reports/2011", timeout=30)
    assert '<link rel="stylesheet" href="/static/site/print.css" media="print">' in response.text
    css = httpx.get(f"{demo.url}/static/site/print.css", timeout=10)
    assert css.status_code == 200
    assert ".site-header nav" in css.text


def test_a_page_is_rendered_again_only_when_a_read_model_it_shows_moves_on(
    server: Server, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    server.graphql('mutation { createTenant(slug: "cachetown", name: "Cachetown", tier: NATIONAL) { slug } }', token=admin)  # fmt: skip
    server.graphql('mutation { publishCompact(tenant: "cachetown", title: "Cachetown Compact", effectiveOn: "2005-01-01", sections: [{key: "1", heading: "One", text: "t", matters: ["funding"]}]) { version } }', token=admin)  # fmt: skip
    first = httpx.get(f"{server.url}/compacts/cachetown", timeout=30).text
    again = httpx.get(f"{server.url}/compacts/cachetown", timeout=30).text
    assert again == first
    assert "Example Trust" not in first
    server.graphql('mutation { signCompact(tenant: "cachetown", party: "Example Trust", sector: VOLUNTARY_COMMUNITY, signedOn: "2005-02-01") { name } }', token=admin)  # fmt: skip
    after = httpx.get(f"{server.url}/compacts/cachetown", timeout=30).text
    assert "Example Trust" in after


SECRETS = ("Secret Contact Person", "secret.person@example.org", "01234 567890", "Confidential grievance")


def test_private_data_never_appears_on_any_page(server: Server, clean_db: Database) -> None:
    admin = server.token("platform-admin")
    for query in (
        'mutation { createTenant(slug: "privacyshire", name: "Privacyshire", tier: NATIONAL) { slug } }',
        'mutation { publishCompact(tenant: "privacyshire", title: "Privacyshire Compact", effectiveOn: "2005-01-01", sections: [{key: "1", heading: "Disputes", text: "Disputes are settled between the parties.", matters: ["disputes"]}]) { version } }',
        'mutation { signCompact(tenant: "privacyshire", party: "Example Council", sector: STATUTORY, signedOn: "2005-02-01", contact: {name: "Secret Contact Person", email: "secret.person@example.org", phone: "01234 567890"}) { name } }',
        'mutation { signCompact(tenant: "privacyshire", party: "Example Charity", sector: VOLUNTARY_COMMUNITY, signedOn: "2005-02-01") { name } }',
        'mutation { raiseDispute(tenant: "privacyshire", key: "d1", raisedBy: "Example Charity", against: "Example Council", commitment: "settling disputes", summary: "Confidential grievance about a grant", raisedOn: "2005-03-01") { key } }',
    ):
        body = server.graphql(query, token=admin).json()
        assert "errors" not in body, body
    year = date(2005, 1, 1).year
    pages = [
        "/",
        "/?q=privacy",
        "/compacts/privacyshire",
        "/compacts/privacyshire?asOf=2005-03-02",
        "/compacts/privacyshire/versions",
        "/compacts/privacyshire/history",
        f"/compacts/privacyshire/reports/{year}",
        "/lookup?locality=privacyshire&matter=disputes&asOf=2005-03-02",
    ]
    shown = {path: page(server, path).words for path in pages}
    # The register is on the page, so a contact would be beside it if it leaked.
    assert "Example Council" in shown["/compacts/privacyshire?asOf=2005-03-02"]
    leaks = {path: [s for s in SECRETS if s in words] for path, words in shown.items()}
    assert leaks == {path: [] for path in pages}


def test_pages_that_read_the_database_are_rate_limited_per_address_in_plain_words(
    db: Database, tmp_path_factory: pytest.TempPathFactory
) -> None:
    throttled = start_server(
        tmp_path_factory.mktemp("throttled-site"), {"DATABASE_URL": db.url, "COMPACTS_RATE_PER_ADDRESS": "20"}
    )
    try:
        # A burst of 10, refilled at one every 3 s: 30 requests outrun it however slowly the machine answers.
        answers = [httpx.get(f"{throttled.url}/compacts/nowhere", timeout=30) for _ in range(30)]
    finally:
        stop_server(throttled)
    assert [a.status_code for a in answers[:10]] == [404] * 10
    limited = [a for a in answers[10:] if a.status_code == 429]
    assert limited
    assert limited[0].headers["content-type"] == "text/plain; charset=utf-8"
    assert limited[0].headers["retry-after"] == "5"
    assert limited[0].text == "Too many requests; slow down and retry in a few seconds."


def test_graphiql_comes_from_the_platform_under_a_policy_of_its_own(demo: Server) -> None:
    response = httpx.get(f"{demo.url}/graphql", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == GRAPHIQL_CSP
    outline = Outline()
    outline.feed(response.text)
    assert outline.sources == [
        "/static/site/favicon.svg",
        "/static/graphiql/graphiql.min.css",
        "/static/graphiql/page.css",
        "/static/graphiql/react.production.min.js",
        "/static/graphiql/react-dom.production.min.js",
        "/static/graphiql/graphiql.min.js",
        "/static/graphiql/start.js",
    ]
    for source in outline.sources:
        asset = httpx.get(f"{demo.url}{source}", timeout=30)
        assert asset.status_code == 200, source
    assert "unpkg.com" not in response.text


def test_the_history_page_shows_a_checkpoint_as_soon_as_it_is_signed(
    server: Server, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    server.graphql('mutation { createTenant(slug: "signedtown", name: "Signedtown", tier: NATIONAL) { slug } }', token=admin)  # fmt: skip
    before = page(server, "/compacts/signedtown/history")
    assert "No checkpoint has been signed for this compact yet." in before.words
    env = {"COMPACTS_HOME": str(server.home), "DATABASE_URL": clean_db.url, "PATH": "/usr/bin:/bin"}
    signed = subprocess.run(
        [sys.executable, "-m", "api.cli", "checkpoint", "signedtown"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert signed.returncode == 0, signed.stderr
    checkpoint = json.loads(signed.stdout)
    after = page(server, "/compacts/signedtown/history")
    assert f"At event {checkpoint['position']}" in after.words
    assert checkpoint["head_hash"] in after.words
    assert "/checkpoints/signedtown" in after.links
