"""Every GraphQL example in docs/ runs and answers as its guide says (webhooks: with a real receiver)."""

from __future__ import annotations

import re
import time
from datetime import date
from pathlib import Path
from typing import Any

import feedparser
import httpx
import icalendar

from api.demo import DEMO_NOTES
from api.tools.webhook_receiver import Receiver
from domain.clock import today
from domain.webhooks import EVENT_TYPES
from infra.database import Database
from tests.conftest import ROOT
from tests.e2e.conftest import Server

DOCS = ROOT / "docs"
BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)
AS = re.compile(r"^# as: (\S+) (\S+)\n")


def examples(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


def run(server: Server, query: str, token: str | None) -> dict[str, Any]:
    matched = AS.match(query)
    if matched:
        token = server.token(matched.group(1), tenants=(matched.group(2),))
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, (query, body)
    return dict(body["data"])


def keys(items: list[dict[str, Any]], *path: str) -> list[Any]:
    """One field of each item, following `path` through nested objects."""
    found = []
    for item in items:
        value: Any = item
        for step in path:
            value = value[step]
        found.append(value)
    return found


def test_every_doc_with_graphql_has_its_examples_run_here() -> None:
    with_examples = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if examples(p))
    assert with_examples == [
        "getting-started/council-officer.md",
        "getting-started/integrator.md",
        "getting-started/webhooks.md",
    ]


def test_the_integrator_guide_lists_every_choice_the_demo_made() -> None:
    guide = " ".join((DOCS / "getting-started/integrator.md").read_text(encoding="utf-8").split())
    assert [note for note in DEMO_NOTES if note not in guide] == []


def test_the_integrator_guide_answers_from_the_demo(demo: Server) -> None:
    answers = [run(demo, q, None) for q in examples(DOCS / "getting-started/integrator.md")]
    assert len(answers) == 14
    tiers, harrow, draft, champions, complaints, uniform, _matters, governs = answers[:8]
    codes, report, hertsmere, dashboards, private, paging = answers[8:]
    assert keys(tiers["tenants"], "slug") == ["harlow", "harrow", "havering", "hertsmere"]

    compact = harrow["tenant"]["compact"]
    assert (compact["title"], compact["version"], compact["effectiveOn"]) == (
        "The Harrow Compact 2009",
        1,
        "2009-04-01",
    )
    assert len(compact["sections"]) == 10
    live = next(s for s in compact["sections"] if s["key"] == "keeping-the-compact-live")
    assert live["commitments"] == [
        {"key": "dispute-process", "kind": "DISPUTE_PROCESS", "firmness": "IN_FORCE",
         "steps": [{"stage": "INVESTIGATION", "period": None}, {"stage": "MEDIATION", "period": None}]},
        {"key": "board-referral", "kind": "OTHER", "firmness": "IN_FORCE", "steps": []},
    ]  # fmt: skip
    assert keys(harrow["tenant"]["parties"], "name") == [
        "Example public body (demo)",
        "Example voluntary organisation (demo)",
        "Harrow Council",
        "Health Service",
        "Police",
    ]
    assert keys(harrow["tenant"]["codes"], "title") == ["The Compact Code of Practice"]

    assert draft["tenant"] == {
        "before": None,
        "draft": {"title": "Compact for Havering", "status": "DRAFT", "consultationClosesOn": "2010-03-07"},
        "after": {"title": "Compact for Havering", "status": "IN_FORCE", "adoptedOn": "2010-04-01"},
    }

    # The flagship walk: Harlow is silent on champions, and section 4 of the Compact for Essex answers.
    lookup = champions["lookup"]
    assert lookup["answeredBy"] == {"slug": "essex", "name": "Essex"}
    assert lookup["sections"] == [
        {"key": "4", "heading": "Undertakings by both Statutory Sector and Voluntary and Community Sector"}
    ]
    assert lookup["trail"] == [
        {"tenant": {"slug": "harlow"}, "covered": False,
         "reason": "Harlow's compact in force on 2012-01-01 has no section on champions and no adopted code covering it."},
        {"tenant": {"slug": "essex"}, "covered": True,
         "reason": "Essex's compact in force on 2012-01-01 covers champions in section 4."},
    ]  # fmt: skip
    assert lookup["explanation"] == (
        "Harlow's compact does not cover champions on 2012-01-01, so the next level up that does answers: Essex."
    )

    # Harlow covers complaints itself; a dispute process is only planned, there and in Essex.
    assert complaints["lookup"]["answeredBy"] == {"slug": "harlow"}
    assert keys(complaints["lookup"]["sections"], "key") == [
        "undertakings-by-statutory-and-other",
        "commitments-and-undertakings",
    ]
    disputes = complaints["governing"]
    assert disputes["commitment"] is None
    assert keys(disputes["trail"], "reason")[:2] == [
        "Harlow's compact in force on 2012-01-01 only plans a dispute process (section next-steps); a plan "
        "governs nothing.",
        "Essex's compact in force on 2012-01-01 only plans a dispute process (section 6); a plan governs nothing.",
    ]

    assert uniform["lookup"]["answeredBy"] == {"slug": "england"}
    assert uniform["lookup"]["sections"] == [{"key": "demo-funding", "heading": "Funding (demo summary)"}]

    # The national summary's three months reach Harlow; its own consultation undertaking keeps the twelve
    # weeks away.
    notice = governs["notice"]
    assert notice["commitment"] == {
        "key": "funding-notice",
        "tenant": {"slug": "england"},
        "section": {"key": "demo-funding", "heading": "Funding (demo summary)"},
        "period": {"amount": 3, "unit": "MONTHS", "text": "3 months"},
        "exceptions": ["exceptional circumstances"],
        "summary": "Before funding or other support is changed or ended, at least 3 months' notice in writing "
        "is given, except in exceptional circumstances, with a clear rationale for the decision.",
    }
    assert [(s["tenant"]["slug"], s["covered"]) for s in notice["trail"]] == [
        ("harlow", False),
        ("essex", False),
        ("east-of-england", False),
        ("england", True),
    ]
    assert notice["explanation"] == (
        "Harlow's compact does not commit to notice of funding changes on 2012-01-01, so the next level up that "
        "does answers: England."
    )
    assert governs["consultation"] == {
        "commitment": {
            "key": "consultation-period",
            "tenant": {"slug": "harlow"},
            "section": {"key": "undertakings-by-statutory-and-other"},
            "period": None,
            "exceptions": ["confidentiality", "sensitivity"],
        },
        "explanation": "Harlow's own compact commits to consultation periods on 2012-01-01.",
    }

    havering = codes["tenant"]
    assert [(c["key"], c["status"], c["adoptedOn"]) for c in havering["codes"]] == [
        ("funding", "ADOPTED", "2008-12-01"),
        ("information-communication-and-participation", "ADOPTED", "2008-12-01"),
        ("volunteering", "ADOPTED", "2008-12-01"),
    ]
    [consultation] = havering["consultations"]
    assert (consultation["opensOn"], consultation["closesOn"], consultation["minimum"]) == (
        "2009-12-01",
        "2010-03-07",
        None,
    )
    assert keys(havering["champions"], "role") == ["LBH Cabinet", "LBH Officer", "Police", "NHS"]
    assert keys(havering["annualReviews"], "heldOn") == ["2011-03-15"]
    assert report["annualReport"]["compactTitle"] == "Compact for Havering"
    assert {p["on"] for p in report["annualReport"]["partiesJoined"]} == {"2010-04-01"}

    assert hertsmere["compliance"]["findings"] == [
        {
            "kind": "FUNDING_NOTICE",
            "subject": "demo-notice-2012",
            "detail": "Example trust distributing council funds (demo) gave Example community group (demo) notice "
            "on 2012-01-09 for 2012-03-01, less than the 3 months set by hertsmere section compact-outcomes, and "
            "no exceptional circumstances are recorded",
            "governedBy": {
                "key": "funding-notice",
                "tenant": {"slug": "hertsmere"},
                "section": {"key": "compact-outcomes"},
                "period": {"text": "3 months"},
            },
        }
    ]
    assert hertsmere["compliance"]["ungoverned"] == [
        "CHAMPIONS",
        "ANNUAL_REVIEW",
        "DISPUTE_PROCESS",
        "CODE_REVIEW",
    ]

    assert dashboards["codeAdoptions"] == [
        {
            "tenant": {"slug": "havering"},
            "codeTitle": "Volunteering Code of Good Practice",
            "adoptedOn": "2008-12-01",
        }
    ]
    # Havering reviewed in March 2011; Harrow and Hertsmere set no annual review, so they are never listed.
    assert [(g["tenant"]["slug"], g["lastReviewOn"]) for g in dashboards["tenantsWithoutAnnualReview"]] == [
        ("essex", None),
        ("harlow", None),
    ]

    [dispute] = private["tenant"]["disputes"]
    assert (dispute["key"], dispute["status"]) == ("demo-dispute-2010", "RESOLVED")
    assert keys(dispute["stages"], "deadlineOn") == [None, None]
    assert dispute["governedBy"] == {
        "tenant": {"slug": "harrow"},
        "section": {"key": "keeping-the-compact-live"},
    }
    assert keys(private["tenant"]["boardReferrals"], "dispute") == [None]
    [finding] = private["compliance"]["findings"]
    assert finding["governedBy"] == {"tenant": {"slug": "england"}, "section": {"key": "demo-consultation"}}
    assert "less than the 12 weeks set by england section demo-consultation" in finding["detail"]
    assert private["verifyHistory"]["ok"] is True

    # Paging back from the end of Harrow's register: its last two parties, with three before them.
    register = paging["tenant"]["partyRegister"]
    assert (register["totalCount"], keys(register["edges"], "node", "name")) == (
        5,
        ["Health Service", "Police"],
    )
    assert (register["pageInfo"]["hasPreviousPage"], register["pageInfo"]["hasNextPage"]) == (True, False)


# After the integrator's guide, which reads the demo as it was recorded.
def test_the_officer_guide_runs_in_order(demo: Server) -> None:
    admin = demo.token("platform-admin")
    answers = [run(demo, q, admin) for q in examples(DOCS / "getting-started/council-officer.md")]
    assert len(answers) == 9
    published, adopted = answers[1]["publishCompact"], answers[2]["adoptCompact"]
    assert (published["version"], published["status"]) == (1, "DRAFT")
    assert published["sections"][2] == {"key": "3", "matters": [], "planned": ["disputes"]}
    assert adopted == {"status": "IN_FORCE", "adoptedOn": "2011-04-01"}
    consultation = answers[5]["openConsultation"]
    assert consultation["minimum"] == {"text": "12 weeks"}
    assert consultation["governedBy"] == {"tenant": {"slug": "epping-forest"}, "section": {"key": "2"}}
    governing = answers[7]
    assert governing["champions"]["commitment"]["tenant"] == {"slug": "essex"}
    assert governing["champions"]["commitment"]["section"] == {"key": "4"}
    assert governing["disputes"]["commitment"] is None
    compliance = answers[-1]["compliance"]
    assert [(f["kind"], f["subject"], f["governedBy"]["tenant"]["slug"]) for f in compliance["findings"]] == [
        ("CHAMPIONS", "Epping Forest District Council", "essex")
    ]
    assert compliance["ungoverned"] == ["DISPUTE_PROCESS", "CODE_REVIEW"]


CURL = re.compile(r"curl -s http://127\.0\.0\.1:8000(/\S+)")


def test_every_feed_and_calendar_the_feeds_guide_names_parses_from_the_demo(demo: Server) -> None:
    paths = CURL.findall((DOCS / "getting-started/feeds.md").read_text(encoding="utf-8"))
    assert paths == ["/compacts/havering/feed.atom", "/feed.atom", "/compacts/havering/deadlines.ics"]
    for path in paths:
        response = httpx.get(f"{demo.url}{path}")
        assert response.status_code == 200, path
        if path.endswith(".atom"):
            feed = feedparser.parse(response.content)
            assert feed.bozo == 0, (path, feed.bozo_exception)
            assert feed.entries, path
        else:
            events = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
            # Havering's draft was out for consultation until 7 March 2010, as the demo records.
            assert date(2010, 3, 7) in [e.decoded("dtstart") for e in events]


def test_the_webhooks_guide_names_every_event_a_webhook_may_ask_for() -> None:
    guide = " ".join((DOCS / "getting-started/webhooks.md").read_text(encoding="utf-8").split())
    assert f"{', '.join(EVENT_TYPES[:-1])}, {EVENT_TYPES[-1]}." in guide


PYTHON = re.compile(r"```python\n(.*?)```", re.DOTALL)
STAND_IN = "https://receiver.example.org/hooks"


def test_the_webhooks_guide_runs_in_order_and_its_code_verifies_a_real_delivery(
    hooked: tuple[Server, Database],
) -> None:
    server, _db = hooked
    text = (DOCS / "getting-started/webhooks.md").read_text(encoding="utf-8")
    create, status, delete = examples(DOCS / "getting-started/webhooks.md")
    editor = server.token("editor", tenants=("harlow",))
    namespace: dict[str, Any] = {}
    exec(PYTHON.findall(text)[0], namespace)  # noqa: S102 - the guide's own example, run as a reader would
    handle = namespace["handle"]
    with Receiver() as receiver:
        made = run(server, create.replace(STAND_IN, receiver.url), editor)["createWebhook"]
        secret, hook = made["secret"], made["webhook"]
        assert (hook["url"], hook["status"], hook["includePrivate"]) == (receiver.url, "ACTIVE", False)
        body = server.graphql(
            # Today: the session's other tests amend Harlow on this server too, and an amendment never goes back.
            f"""mutation {{ amendCompact(tenant: "harlow", effectiveOn: "{today().isoformat()}", rationale: "Guide",
            upsertSections: [{{key: "1", heading: "Principles", text: "Guide.", matters: ["partnership"]}}])
            {{ version }} }}""",
            token=editor,
        ).json()
        assert "errors" not in body, body
        deadline = time.monotonic() + 30
        while not receiver.accepted():
            assert time.monotonic() < deadline, "no delivery arrived"
            time.sleep(0.05)
        delivered = receiver.accepted()[0]
        assert handle(secret, delivered.headers, delivered.body.encode()) == 204
        assert handle(secret, delivered.headers, delivered.body.replace("Guide", "Forged").encode()) == 400
        while run(server, status, editor)["webhooks"][0]["deliveries"][0]["status"] != "DELIVERED":
            assert time.monotonic() < deadline, "the delivery was not logged"
            time.sleep(0.05)
    logged = run(server, status, editor)["webhooks"]
    assert [(w["id"], w["status"]) for w in logged] == [(hook["id"], "ACTIVE")]
    assert logged[0]["deliveries"][0]["id"] == delivered.headers["webhook-id"]
    answer = server.graphql(delete, {"id": hook["id"]}, token=editor).json()
    assert answer == {"data": {"deleteWebhook": True}}
    assert run(server, status, editor) == {"webhooks": []}
