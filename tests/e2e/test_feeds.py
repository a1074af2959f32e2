"""The Atom feeds and the iCalendar of deadlines over real HTTP, parsed by real parsers (feedparser, icalendar)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import feedparser
import httpx
import icalendar
import pytest

from domain.clock import today
from infra.database import Database
from tests.e2e.conftest import Server


def ok(server: Server, query: str, token: str) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def iso(day: date) -> str:
    return day.isoformat()


@pytest.fixture
def harlow(server: Server, clean_db: Database) -> date:
    """Harlow, under Essex: published, amended, two consultations (one not yet open), codes, a notice."""
    admin = server.token("platform-admin")
    now = today()
    ok(server, 'mutation { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }', admin)
    ok(server, 'mutation { createTenant(slug: "essex", name: "Essex", tier: COUNTY, parent: "england") { slug } }', admin)  # fmt: skip
    ok(server, 'mutation { createTenant(slug: "harlow", name: "Harlow", tier: DISTRICT, parent: "essex") { slug } }', admin)  # fmt: skip
    ok(server, """mutation { publishCompact(tenant: "essex", title: "Compact for Essex", effectiveOn: "2020-01-01",
        sections: [{key: "1", heading: "Review", text: "Reviewed every year.", matters: ["review"],
          commitments: [{key: "annual-review", kind: ANNUAL_REVIEW, summary: "Reviewed every year."},
                        {key: "code-review", kind: CODE_REVIEW, summary: "Codes every two years.",
                         period: {amount: 2, unit: YEARS}}]}]) { version } }""", admin)  # fmt: skip
    ok(server, """mutation { publishCompact(tenant: "harlow", title: "Harlow Compact", effectiveOn: "2020-01-01",
        sections: [{key: "1", heading: "Principles", text: "We work together.", matters: ["partnership"]}]) { version } }""", admin)  # fmt: skip
    ok(server, f"""mutation {{ amendCompact(tenant: "harlow", effectiveOn: "{iso(now - timedelta(days=40))}",
        rationale: "The steering group asked for plainer words.",
        upsertSections: [{{key: "1", heading: "Principles", text: "We work together, openly.", matters: ["partnership"]}}])
        {{ version }} }}""", admin)  # fmt: skip
    ok(server, f"""mutation {{ openConsultation(tenant: "harlow", key: "grants-2027", title: "Small grants 2027",
        consulted: ["CVS"], opensOn: "{iso(now - timedelta(days=30))}", closesOn: "{iso(now + timedelta(days=3))}")
        {{ key }} }}""", admin)  # fmt: skip
    ok(server, f"""mutation {{ openConsultation(tenant: "harlow", key: "later-one", title: "Announced ahead",
        consulted: ["CVS"], opensOn: "{iso(now + timedelta(days=10))}", closesOn: "{iso(now + timedelta(days=100))}")
        {{ key }} }}""", admin)  # fmt: skip
    ok(server, """mutation { adoptCode(tenant: "harlow", key: "volunteering", title: "Volunteering code",
        matters: ["volunteering"], adoptedOn: "2021-03-01") { key } }""", admin)  # fmt: skip
    ok(server, """mutation { reviewCode(tenant: "harlow", key: "volunteering", reviewedOn: "2023-03-01",
        nextReviewDue: "2025-03-01") { key } }""", admin)  # fmt: skip
    ok(server, """mutation { adoptCode(tenant: "harlow", key: "funding", title: "Funding code",
        matters: ["funding"], adoptedOn: "2022-05-01") { key } }""", admin)  # fmt: skip
    ok(server, """mutation { draftCode(tenant: "harlow", key: "secret-draft", title: "Draft code not yet adopted",
        matters: ["independence"], draftedOn: "2022-05-01") { key } }""", admin)  # fmt: skip
    for party, sector in (("Harlow Council", "STATUTORY"), ("Harlow CVS", "VOLUNTARY_COMMUNITY")):
        ok(server, f'mutation {{ signCompact(tenant: "harlow", party: "{party}", sector: {sector}, signedOn: "2020-02-01") {{ name }} }}', admin)  # fmt: skip
    ok(server, """mutation { giveFundingNotice(tenant: "harlow", key: "cvs-core", publicBody: "Harlow Council",
        voluntaryBody: "Harlow CVS", change: REDUCED, givenOn: "2024-01-10", effectiveOn: "2024-06-01",
        rationale: "Budget settlement.") { key } }""", admin)  # fmt: skip
    ok(server, """mutation { raiseDispute(tenant: "harlow", key: "private-matter", raisedBy: "Harlow CVS",
        against: "Harlow Council", commitment: "Timely payment", summary: "Paid late", raisedOn: "2024-01-01")
        { key } }""", admin)  # fmt: skip
    return now


def test_a_tenants_atom_feed_parses_and_lists_its_public_changes_newest_first(
    server: Server, harlow: date
) -> None:
    response = httpx.get(f"{server.url}/compacts/harlow/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "Harlow: Local Compact"
    assert feed.feed.id == f"{server.url}/compacts/harlow/feed.atom"
    titles = [e.title for e in feed.entries]
    closes = harlow + timedelta(days=3)
    assert set(titles) == {
        "Harlow: compact published",
        "Harlow: compact amended (version 2)",
        "Harlow: consultation opened: Small grants 2027",
        f"Harlow: consultation closing on {closes.day} {closes:%B %Y}: Small grants 2027",
        "Harlow: code of practice adopted: Volunteering code",
        "Harlow: code of practice reviewed: Volunteering code",
        "Harlow: code of practice adopted: Funding code",
    }
    # Newest first, by each entry's own time.
    updated = [e.updated_parsed for e in feed.entries]
    assert updated == sorted(updated, reverse=True)
    amended = next(e for e in feed.entries if "amended" in e.title)
    assert "The steering group asked for plainer words." in amended.summary
    assert amended.link == f"{server.url}/compacts/harlow"
    # Nothing private: a consultation announced ahead, a draft code, a dispute.
    text = response.text
    assert "Announced ahead" not in text
    assert "Draft code not yet adopted" not in text
    assert "Paid late" not in text


def test_feed_entry_ids_stay_the_same_from_one_fetch_to_the_next(server: Server, harlow: date) -> None:
    first = feedparser.parse(httpx.get(f"{server.url}/compacts/harlow/feed.atom").content)
    second = feedparser.parse(httpx.get(f"{server.url}/compacts/harlow/feed.atom").content)
    ids = [e.id for e in first.entries]
    assert ids == [e.id for e in second.entries]
    assert len(set(ids)) == len(ids)
    assert all(i.startswith("urn:uuid:") for i in ids)


def test_the_platform_feed_holds_every_tenants_entries(server: Server, harlow: date) -> None:
    response = httpx.get(f"{server.url}/feed.atom")
    assert response.status_code == 200
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0, feed.bozo_exception
    titles = {e.title for e in feed.entries}
    assert "Essex: compact published" in titles
    assert "Harlow: compact amended (version 2)" in titles
    assert {e.author for e in feed.entries} == {"Essex", "Harlow"}


def test_an_unknown_tenant_gets_a_readable_404(server: Server, harlow: date) -> None:
    for path in (
        "/compacts/nowhere/feed.atom",
        "/compacts/nowhere/deadlines.ics",
        "/compacts/NO%20SUCH/feed.atom",
    ):
        response = httpx.get(f"{server.url}{path}")
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        assert "There is no compact registry tenant" in response.text


def test_the_deadlines_calendar_parses_and_holds_only_dates_the_registry_records(
    server: Server, harlow: date
) -> None:
    response = httpx.get(f"{server.url}/compacts/harlow/deadlines.ics")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    cal = icalendar.Calendar.from_ical(response.content)
    found = [e for e in cal.walk("VEVENT") if isinstance(e, icalendar.Event)]
    events = {(str(e.categories[0]), e.start): str(e["summary"]) for e in found}
    assert events == {
        ("consultation-closes", harlow + timedelta(days=3)): "Consultation closes: Small grants 2027",
        # The next review the code's own review recorded.
        ("code-review-due", date(2025, 3, 1)): "Code of practice review due: Volunteering code",
        # Never reviewed: two years after adoption, as Essex's code-review commitment sets.
        ("code-review-due", date(2024, 5, 1)): "Code of practice review due: Funding code",
        (
            "funding-notice-effective",
            date(2024, 6, 1),
        ): "Funding change takes effect: Harlow Council to Harlow CVS",
        # No review held: a year after the compact came into force, as Essex's annual-review commitment says.
        ("annual-review-due", date(2021, 1, 1)): "Annual review of the compact due",
    }
    uids = [e.uid for e in found]
    again = icalendar.Calendar.from_ical(httpx.get(f"{server.url}/compacts/harlow/deadlines.ics").content)
    assert uids == [e.uid for e in again.walk("VEVENT")]
    assert len(set(uids)) == len(uids)
