"""`compacts serve --demo`: the seed localities as their documents have them, and lookups that show the walk."""

from __future__ import annotations

import re
from typing import Any

import pytest

from api.demo import COMPACTS, DEMO_NOTES
from domain.commitments import Commitment
from tests.e2e.conftest import Server
from tests.unit.test_document_import import seed

SEEDED = ("essex", "harlow", "harrow", "havering", "hertsmere")
KINDS = (
    "CONSULTATION_PERIOD",
    "FUNDING_NOTICE",
    "CHAMPIONS",
    "ANNUAL_REVIEW",
    "DISPUTE_PROCESS",
    "CODE_REVIEW",
)
# Dates across the demo's history: Harlow alone; Harrow's year and Havering's adoption; after the national
# summary and Hertsmere came into force; and today (no asOf).
DATES: tuple[str | None, ...] = ("2005-06-01", "2010-06-01", "2012-06-01", None)
COMMITMENT = "key kind firmness bound exceptions summary period { amount unit } steps { stage period { amount unit } } section { key }"


def data(server: Server, query: str, token: str | None = None) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def as_of(day: str | None) -> str:
    return f'asOf: "{day}"' if day else ""


def test_serving_the_demo_prints_what_the_demo_chose(demo: Server) -> None:
    printed = demo.log.read_text(encoding="utf-8")
    assert all(f"demo: note: {note}" in printed for note in DEMO_NOTES)


def test_the_five_localities_have_their_compacts(demo: Server) -> None:
    tenants = data(demo, "{ tenants(tier: DISTRICT) { slug parent { slug } compact { title status } } }")[
        "tenants"
    ]
    assert tenants == [
        {"slug": "harlow", "parent": {"slug": "essex"}, "compact": {"title": "The Harlow Compact", "status": "IN_FORCE"}},
        {"slug": "harrow", "parent": {"slug": "london"}, "compact": {"title": "The Harrow Compact 2009", "status": "IN_FORCE"}},
        {"slug": "havering", "parent": {"slug": "london"}, "compact": {"title": "Compact for Havering", "status": "IN_FORCE"}},
        {"slug": "hertsmere", "parent": {"slug": "hertfordshire"}, "compact": {"title": "The Hertsmere Compact", "status": "IN_FORCE"}},
    ]  # fmt: skip
    wider = data(demo, '{ essex: tenant(slug: "essex") { compact { title effectiveOn } } england: tenant(slug: "england") { compact { title effectiveOn } } }')  # fmt: skip
    assert wider == {
        "essex": {"compact": {"title": "The Compact for Essex", "effectiveOn": "2006-06-01"}},
        "england": {
            "compact": {
                "title": "National Compact (summary for the demo, not its text)",
                "effectiveOn": "2010-12-01",
            }
        },
    }
    for slug in ("london", "east-of-england", "hertfordshire"):
        assert data(demo, f'{{ tenant(slug: "{slug}") {{ compact {{ title }} }} }}')["tenant"] == {
            "compact": None
        }


def test_each_compact_keeps_its_documents_section_keys_and_headings(demo: Server) -> None:
    query = (
        '{ tenant(slug: "%s") { compact(asOf: "2012-06-01") { sections { key heading matters planned } } } }'
    )
    sections = {slug: data(demo, query % slug)["tenant"]["compact"]["sections"] for slug in SEEDED}
    # The importer's keys, so that a summary and its imported document name their sections alike; the
    # documents' own headings, except where a document's opening has none.
    for slug in SEEDED:
        imported = [s.key for s in seed(slug).sections]
        shown = [s["key"] for s in sections[slug]]
        assert [k for k in imported if k in shown] == shown, slug
    assert [(s["key"], s["heading"]) for s in sections["essex"]] == [
        ("1", "Vision"),
        ("2", "Purpose of the Essex Partnership Compact"),
        ("3", "Shared Principles"),
        ("4", "Undertakings by both Statutory Sector and Voluntary and Community Sector"),
        ("5", "Undertakings by Statutory Sector"),
        ("5-2", "Undertakings by voluntary and community sector"),
        ("6", "Making it Work/Next Steps"),
    ]
    assert [(s["key"], s["heading"]) for s in sections["harlow"]] == [
        ("introduction", "Introduction (untitled in the document)"),
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
    assert [s["key"] for s in sections["havering"]] == [
        "introduction-what-is-a-local-compact", "1", "2", "shared-principles", "3", "havering-local-area-agreement",
        "4.1", "4.2", "4.3", "5.1", "5.2", "5.3", "5.4", "6", "7", "8", "appendix-a",
    ]  # fmt: skip
    assert [s["key"] for s in sections["hertsmere"]] == [
        "introduction",
        "mission-statement",
        "compact-principles",
        "compact-outcomes",
    ]
    assert [s["heading"] for s in sections["harrow"]][:7] == [
        "The Compact",
        "What Is A Compact?",
        "Aims & Objectives Of Harrow Compact",
        "Purpose Of The Compact",
        "Status Of The Compact",
        "Shared Principles In The Harrow Compact",
        "Keeping The Compact Live",
    ]
    # What a section only promises is planned, never covered: Harlow's next steps and Essex section 6.
    planned = {
        (slug, s["key"]): (s["matters"], s["planned"])
        for slug in SEEDED
        for s in sections[slug]
        if s["planned"]
    }
    assert planned == {
        ("essex", "6"): (["review", "partnership"], ["disputes"]),
        ("harlow", "the-harlow-approach"): (["partnership"], ["consultation"]),
        ("harlow", "undertakings-by-statutory-and-other"): (
            ["funding", "consultation", "confidentiality", "independence", "equality", "disputes"],
            ["codes"],
        ),
        ("harlow", "making-it-work"): (["review"], ["codes"]),
        ("harlow", "next-steps"): ([], ["codes", "disputes"]),
    }
    assert all("disputes" not in s["matters"] for s in sections["essex"] if s["key"] in {"5", "6"})


def shown(commitment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in commitment.items() if k != "section"} | {"section": commitment["section"]["key"]}


def expected(section: str, c: Commitment) -> dict[str, Any]:
    def period(p: Any) -> dict[str, Any] | None:
        return {"amount": p.amount, "unit": p.unit.value} if p else None

    return {
        "key": c.key,
        "kind": c.kind.value,
        "firmness": c.firmness.value,
        "bound": list(c.bound),
        "exceptions": list(c.exceptions),
        "summary": c.summary,
        "period": period(c.period),
        "steps": [{"stage": s.stage.value, "period": period(s.period)} for s in c.steps],
        "section": section,
    }


@pytest.mark.parametrize("slug", SEEDED)
def test_each_compact_makes_the_commitments_the_importer_reads_in_its_document(
    demo: Server, slug: str
) -> None:
    found = data(
        demo, f'{{ tenant(slug: "{slug}") {{ commitments(asOf: "2012-06-01") {{ {COMMITMENT} }} }} }}'
    )
    assert [shown(c) for c in found["tenant"]["commitments"]] == [
        expected(k, c) for k, c in seed(slug).commitments
    ]


def test_england_holds_the_national_consultation_and_notice_commitments_and_says_it_is_a_summary(
    demo: Server,
) -> None:
    found = data(demo, f'{{ tenant(slug: "england") {{ commitments {{ {COMMITMENT} }} compact {{ sections {{ key text }} }} }} }}')  # fmt: skip
    assert [
        (c["key"], c["kind"], c["section"]["key"], c["period"], c["exceptions"], c["bound"])
        for c in found["tenant"]["commitments"]
    ] == [
        ("consultation-period", "CONSULTATION_PERIOD", "demo-consultation", {"amount": 12, "unit": "WEEKS"}, [], ["government"]),
        ("funding-notice", "FUNDING_NOTICE", "demo-funding", {"amount": 3, "unit": "MONTHS"}, ["exceptional circumstances"], ["government"]),
    ]  # fmt: skip
    sections = found["tenant"]["compact"]["sections"]
    assert [s["key"] for s in sections] == ["demo-about", "demo-consultation", "demo-funding"]
    assert all(s["text"].startswith("Demo summary") for s in sections)


def test_harlow_answers_for_what_it_covers_and_essex_section_4_for_champions(demo: Server) -> None:
    query = '{ lookup(locality: "harlow", matter: "%s", asOf: "2012-01-01") { answeredBy { slug } sections { key } trail { tenant { slug } covered reason } } }'
    funding = data(demo, query % "funding")["lookup"]
    assert funding["answeredBy"] == {"slug": "harlow"}
    champions = data(demo, query % "champions")["lookup"]
    assert (champions["answeredBy"], champions["sections"]) == ({"slug": "essex"}, [{"key": "4"}])
    assert [(s["tenant"]["slug"], s["covered"]) for s in champions["trail"]] == [
        ("harlow", False),
        ("essex", True),
    ]
    assert "no section on champions" in champions["trail"][0]["reason"]
    # Nothing in force, anywhere up the chain, covers codes for Harlow: its codes are only being developed.
    codes = data(demo, query % "codes")["lookup"]
    assert codes["answeredBy"] is None
    assert codes["trail"][0]["reason"] == (
        "Harlow's compact in force on 2012-01-01 has no section on codes and no adopted code covering it "
        "(only promised, in sections undertakings-by-statutory-and-other, making-it-work, next-steps)."
    )


def test_the_national_figures_reach_harlow_only_where_harlow_and_essex_set_none(demo: Server) -> None:
    query = '{ governing(locality: "harlow", kind: %s, asOf: "2012-01-01") { commitment { key tenant { slug } section { key } period { text } } } }'
    governs = {kind: data(demo, query % kind)["governing"]["commitment"] for kind in KINDS}
    assert governs == {
        "CONSULTATION_PERIOD": {"key": "consultation-period", "tenant": {"slug": "harlow"}, "section": {"key": "undertakings-by-statutory-and-other"}, "period": None},
        "FUNDING_NOTICE": {"key": "funding-notice", "tenant": {"slug": "england"}, "section": {"key": "demo-funding"}, "period": {"text": "3 months"}},
        "CHAMPIONS": {"key": "champions", "tenant": {"slug": "essex"}, "section": {"key": "4"}, "period": None},
        "ANNUAL_REVIEW": {"key": "annual-review", "tenant": {"slug": "harlow"}, "section": {"key": "making-it-work"}, "period": None},
        "DISPUTE_PROCESS": None,  # Harlow and Essex only plan one
        "CODE_REVIEW": None,
    }  # fmt: skip


def test_havering_is_a_draft_out_for_consultation_until_the_demo_adopts_it(demo: Server) -> None:
    found = data(demo, """{ tenant(slug: "havering") { before: compact(asOf: "2010-03-31") { version }
        draft: draftCompact(asOf: "2010-03-31") { status effectiveOn consultationClosesOn }
        after: compact(asOf: "2010-04-01") { status adoptedOn }
        consultations { key opensOn closesOn minimum { text } feedback } } }""")["tenant"]  # fmt: skip
    assert found["before"] is None
    assert found["draft"] == {
        "status": "DRAFT",
        "effectiveOn": "2009-12-01",
        "consultationClosesOn": "2010-03-07",
    }
    assert found["after"] == {"status": "IN_FORCE", "adoptedOn": "2010-04-01"}
    [consultation] = found["consultations"]
    assert (consultation["key"], consultation["opensOn"], consultation["closesOn"]) == (
        "compact-draft-2009",
        "2009-12-01",
        "2010-03-07",
    )
    assert consultation["minimum"] is None  # nothing governed its consultations in 2009
    assert consultation["feedback"].startswith("Demo illustration:")
    assert "1 April 2010, a date of its own choosing" in consultation["feedback"]


def test_havering_codes_have_the_statuses_section_5_1_gives_them(demo: Server) -> None:
    admin = demo.token("platform-admin")
    codes = data(demo, '{ tenant(slug: "havering") { codes(asOf: "2012-01-01") { key title status matters adoptedOn lead supersededBy } } }', admin)  # fmt: skip
    havco, lbh = "Havco (Havering Council for Voluntary Services)", "London Borough of Havering (LBH)"
    assert codes["tenant"]["codes"] == [
        {"key": "bme", "title": "BME Code", "status": "SUPERSEDED", "matters": ["equality"], "adoptedOn": None, "lead": None, "supersededBy": "equality-and-diversity"},
        {"key": "community-groups", "title": "Community Groups Code", "status": "IN_DEVELOPMENT", "matters": ["community-groups"], "adoptedOn": None, "lead": None, "supersededBy": None},
        {"key": "equality-and-diversity", "title": "Equality and Diversity Code", "status": "IN_DEVELOPMENT", "matters": ["equality"], "adoptedOn": None, "lead": lbh, "supersededBy": None},
        {"key": "funding", "title": "Funding Code of Good Practice", "status": "ADOPTED", "matters": ["funding"], "adoptedOn": "2008-12-01", "lead": havco, "supersededBy": None},
        {"key": "information-communication-and-participation", "title": "Information, Communication and Participation Code of Good Practice", "status": "ADOPTED", "matters": ["consultation"], "adoptedOn": "2008-12-01", "lead": None, "supersededBy": None},
        {"key": "volunteering", "title": "Volunteering Code of Good Practice", "status": "ADOPTED", "matters": ["volunteering"], "adoptedOn": "2008-12-01", "lead": havco, "supersededBy": None},
    ]  # fmt: skip
    others = data(demo, '{ harlow: tenant(slug: "harlow") { codes { key status } } harrow: tenant(slug: "harrow") { codes { key status matters adoptedOn } } }', admin)  # fmt: skip
    assert others["harlow"]["codes"] == [
        {"key": "bme-and-faith-communities", "status": "IN_DEVELOPMENT"},
        {"key": "communication-consultation-and-participation", "status": "IN_DEVELOPMENT"},
        {"key": "finance-and-funding", "status": "IN_DEVELOPMENT"},
        {"key": "valuing-volunteers", "status": "IN_DEVELOPMENT"},
    ]
    assert others["harrow"]["codes"] == [
        {"key": "compact-code-of-practice", "status": "ADOPTED", "matters": [], "adoptedOn": "2009-04-01"}
    ]


def test_registers_hold_the_organisations_the_documents_name_and_the_demos_marked_placeholders(
    demo: Server,
) -> None:
    query = '{ tenant(slug: "%s") { parties(asOf: "2012-06-01") { name sector kind signedOn } } }'
    parties = {slug: data(demo, query % slug)["tenant"]["parties"] for slug in SEEDED}
    assert parties["essex"] == parties["harlow"] == []
    assert [(p["name"], p["kind"], p["signedOn"]) for p in parties["harrow"]] == [
        ("Example public body (demo)", "OTHER", "2009-04-01"),
        ("Example voluntary organisation (demo)", "COMMUNITY_GROUP", "2009-04-01"),
        ("Harrow Council", "COUNCIL", "2009-04-01"),
        ("Health Service", "HEALTH", "2009-04-01"),
        ("Police", "POLICE", "2009-04-01"),
    ]
    assert [(p["name"], p["sector"], p["kind"]) for p in parties["havering"]] == [
        ("Havco (Havering Council for Voluntary Services)", "VOLUNTARY_COMMUNITY", "INFRASTRUCTURE_BODY"),
        ("London Borough of Havering (LBH)", "STATUTORY", "COUNCIL"),
        ("Metropolitan Police", "STATUTORY", "POLICE"),
        ("NHS", "STATUTORY", "HEALTH"),
        ("United Reformed Church", "VOLUNTARY_COMMUNITY", "FAITH_GROUP"),
    ]
    assert [p["name"] for p in parties["hertsmere"]] == [
        "Example trust distributing council funds (demo)",
        "Hertsmere Borough Council",
        "Hertsmere Together Partners",
    ]


def test_havering_appendix_a_is_roles_and_organisations_never_people(demo: Server) -> None:
    found = data(demo, """{ tenant(slug: "havering") { champions(asOf: "2012-01-01") { name party role appointedOn }
        steeringGroup(asOf: "2012-01-01") { role holder party code since } } }""")["tenant"]  # fmt: skip
    lbh, havco = "London Borough of Havering (LBH)", "Havco (Havering Council for Voluntary Services)"
    assert [(c["party"], c["role"], c["name"]) for c in found["champions"]] == [
        (lbh, "LBH Cabinet", "LBH cabinet member (name not recorded)"),
        (lbh, "LBH Officer", "LBH officer (name not recorded)"),
        ("Metropolitan Police", "Police", "Metropolitan Police champion (name not recorded)"),
        ("NHS", "NHS", "NHS champion (name not recorded)"),
    ]
    assert sorted((t["role"], t["party"], t["code"]) for t in found["steeringGroup"]) == [
        ("ADMINISTRATION", havco, None),
        ("ADMINISTRATION", lbh, None),
        ("CHAIR", "United Reformed Church", None),
        ("CODE_LEAD", havco, "funding"),
        ("CODE_LEAD", havco, "volunteering"),
        ("CODE_LEAD", lbh, "equality-and-diversity"),
        ("MEMBER", lbh, None),
        ("MEMBER", "NHS", None),
    ]
    assert all(t["holder"].endswith("(name not recorded)") for t in found["steeringGroup"])
    assert {t["since"] for t in found["steeringGroup"]} == {"2009-12-01"}


def test_every_event_the_documents_do_not_record_is_marked_as_the_demos_own(demo: Server) -> None:
    admin = demo.token("platform-admin")
    harrow = data(demo, """{ tenant(slug: "harrow") { disputes { key summary outcome stages { handledBy deadlineOn } }
        boardReferrals { party finding dispute } consultations { key title } } }""", admin)["tenant"]  # fmt: skip
    [dispute] = harrow["disputes"]
    assert dispute["key"].startswith("demo-")
    assert dispute["summary"].startswith("Demo illustration:")
    assert dispute["outcome"].startswith("Demo illustration:")
    assert [s["deadlineOn"] for s in dispute["stages"]] == [None, None]  # Harrow sets no time limits
    assert harrow["boardReferrals"] == [
        {
            "party": "Example public body (demo)",
            "finding": "Demo illustration: found not to have named a contact for the compact.",
            "dispute": None,
        }
    ]
    assert [(c["key"], c["title"][:19]) for c in harrow["consultations"]] == [
        ("demo-consultation-2011", "Demo illustration: ")
    ]
    hertsmere = data(demo, '{ tenant(slug: "hertsmere") { fundingNotices { key publicBody voluntaryBody rationale } } }')  # fmt: skip
    [notice] = hertsmere["tenant"]["fundingNotices"]
    assert notice["key"].startswith("demo-")
    assert notice["rationale"].startswith("Demo illustration:")
    assert (notice["publicBody"], notice["voluntaryBody"]) == (
        "Example trust distributing council funds (demo)",
        "Example community group (demo)",
    )
    havering = data(demo, """{ tenant(slug: "havering") { annualReviews { achievements aspirations issues
        projects { project wentWell difficult differentNextTime strategicIssues } }
        consultations { responses { respondent summary } } } }""", admin)["tenant"]  # fmt: skip
    [review] = havering["annualReviews"]
    texts = [*review["achievements"], *review["aspirations"], *review["issues"]]
    texts += [answer for project in review["projects"] for answer in project.values()]
    assert len(texts) == 8
    assert all(t.startswith("Demo illustration:") for t in texts)
    [response] = havering["consultations"][0]["responses"]
    assert response["respondent"].endswith("(demo)")
    assert response["summary"].startswith("Demo illustration:")


# A period as a finding's detail states one ("less than the 3 months", "a review every 2 years"); a measured
# length ("ran 8.0 weeks") has a decimal point and is not a period anyone set.
PERIOD_IN_TEXT = re.compile(r"(?<![\d.])(\d+) (day|week|month|year)s?\b")


def periods_the_compacts_set() -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for compact in COMPACTS.values():
        for section in compact.sections:
            for c in section.commitments:
                found |= {(p.amount, p.unit.value) for p in (c.period, *(s.period for s in c.steps)) if p}
    return found


def periods_in(value: Any) -> list[tuple[int, str]]:
    """Every period object ({amount, unit}) anywhere in an answer."""
    if isinstance(value, dict):
        here = [(value["amount"], value["unit"])] if {"amount", "unit"} <= value.keys() else []
        return here + [p for v in value.values() for p in periods_in(v)]
    if isinstance(value, list):
        return [p for v in value for p in periods_in(v)]
    return []


def test_every_finding_for_every_tenant_names_a_commitment_up_its_own_chain_and_no_figure_no_compact_sets(
    demo: Server,
) -> None:
    admin = demo.token("platform-admin")
    tenants = data(demo, "{ tenants { slug parent { slug } } }")["tenants"]
    parent = {t["slug"]: (t["parent"] or {}).get("slug") for t in tenants}

    def chain(slug: str) -> list[str]:
        up: list[str] = []
        at: str | None = slug
        while at is not None:
            up.append(at)
            at = parent[at]
        return up

    set_by_compacts = periods_the_compacts_set()
    assert set_by_compacts == {(12, "WEEKS"), (3, "MONTHS")}
    period = "period { amount unit }"
    findings_seen = 0
    for day in DATES:
        for slug in parent:
            found = data(demo, f"""{{ compliance(tenant: "{slug}" {as_of(day)}) {{ includesPrivate
                findings {{ kind subject detail governedBy {{ kind {period} tenant {{ slug }} section {{ key }} }} }} ungoverned }}
                tenant(slug: "{slug}") {{ commitments{"(" + as_of(day) + ")" if day else ""} {{ {period} steps {{ {period} }} }}
                consultations {{ minimum {{ amount unit }} }} fundingNotices {{ minimum {{ amount unit }} }}
                disputes {{ steps {{ {period} }} }} }} }}""", admin)  # fmt: skip
            compliance = found["compliance"]
            assert compliance["includesPrivate"] is True
            for finding in compliance["findings"]:
                assert finding["governedBy"]["tenant"]["slug"] in chain(slug), (slug, day, finding)
                assert finding["governedBy"]["kind"] == finding["kind"]
                numbers = {
                    (int(n), unit.upper() + "S") for n, unit in PERIOD_IN_TEXT.findall(finding["detail"])
                }
                assert numbers <= set_by_compacts, (slug, day, finding["detail"])
                findings_seen += 1
            assert set(periods_in(found)) <= set_by_compacts, (slug, day)
            assert set(compliance["ungoverned"]) | {f["kind"] for f in compliance["findings"]} <= set(KINDS)
            for kind in KINDS:
                governs = data(demo, f'{{ governing(locality: "{slug}", kind: {kind} {as_of(day)}) {{ commitment {{ {period} tenant {{ slug }} }} }} }}')  # fmt: skip
                commitment = governs["governing"]["commitment"]
                assert commitment is None or commitment["tenant"]["slug"] in chain(slug)
                assert set(periods_in(governs)) <= set_by_compacts
                assert (commitment is None) == (kind in compliance["ungoverned"]), (slug, day, kind)
            if slug == "hertsmere":
                # Hertsmere's compact says nothing about champions, nor does any compact above it.
                assert all(f["kind"] != "CHAMPIONS" for f in compliance["findings"])
                assert "CHAMPIONS" in compliance["ungoverned"]
    assert findings_seen > 0


# Harlow has no review recorded, Essex none since 2006, Havering one on 15 March 2011 and none since.
WITHOUT_REVIEW: dict[str | None, list[str]] = {
    "2005-06-01": ["harlow"],
    "2010-06-01": ["essex", "harlow"],
    "2012-06-01": ["essex", "harlow", "havering"],
    None: ["essex", "harlow", "havering"],
}


@pytest.mark.parametrize("day", DATES)
def test_only_tenants_governed_by_an_annual_review_commitment_are_listed_without_one(
    demo: Server, day: str | None
) -> None:
    query = f"{{ tenantsWithoutAnnualReview{'(' + as_of(day) + ')' if day else ''} {{ tenant {{ slug }} }} }}"
    listed = [g["tenant"]["slug"] for g in data(demo, query)["tenantsWithoutAnnualReview"]]
    for slug in listed:
        governs = data(demo, f'{{ governing(locality: "{slug}", kind: ANNUAL_REVIEW {as_of(day)}) {{ commitment {{ key }} }} }}')  # fmt: skip
        assert governs["governing"]["commitment"] is not None, (slug, day)
    assert listed == WITHOUT_REVIEW[day]


def test_hertsmere_is_judged_by_its_own_three_months_notice(demo: Server) -> None:
    found = data(demo, '{ compliance(tenant: "hertsmere", asOf: "2012-06-01") { findings { kind subject detail governedBy { tenant { slug } section { key } } } ungoverned } }')  # fmt: skip
    assert found["compliance"] == {
        "findings": [
            {
                "kind": "FUNDING_NOTICE",
                "subject": "demo-notice-2012",
                "detail": "Example trust distributing council funds (demo) gave Example community group (demo) "
                "notice on 2012-01-09 for 2012-03-01, less than the 3 months set by hertsmere section "
                "compact-outcomes, and no exceptional circumstances are recorded",
                "governedBy": {"tenant": {"slug": "hertsmere"}, "section": {"key": "compact-outcomes"}},
            }
        ],
        "ungoverned": ["CHAMPIONS", "ANNUAL_REVIEW", "DISPUTE_PROCESS", "CODE_REVIEW"],
    }
