"""A compact's life over HTTP: publish, sign, appoint, amend twice, withdraw, and read it back by date."""

from __future__ import annotations

from typing import Any

import pytest

from infra.database import Database
from tests.conftest import count_events
from tests.e2e.conftest import Server


def ok(server: Server, query: str, token: str | None = None) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def error_code(server: Server, query: str, token: str) -> str:
    return str(server.graphql(query, token=token).json()["errors"][0]["extensions"]["code"])


@pytest.fixture
def harlow(server: Server, clean_db: Database) -> str:
    ok(
        server,
        'mutation { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }',
        server.token("platform-admin"),
    )
    return server.token("editor", tenants=("england",))


def test_a_compact_is_read_back_as_written_on_every_date(server: Server, harlow: str) -> None:
    editor = harlow
    published = ok(server, """mutation { publishCompact(tenant: "england", title: "The Compact", effectiveOn: "2004-01-14",
        sections: [{key: "1", heading: "Funding", text: "Three months' notice.", matters: ["Finance"]},
                   {key: "2", heading: "Volunteering", text: "Volunteers are valued.", matters: ["volunteering"]}])
        { title version effectiveOn sections { key heading text matters } } }""", editor)  # fmt: skip
    assert published["publishCompact"] == {
        "title": "The Compact",
        "version": 1,
        "effectiveOn": "2004-01-14",
        "sections": [
            {"key": "1", "heading": "Funding", "text": "Three months' notice.", "matters": ["funding"]},
            {
                "key": "2",
                "heading": "Volunteering",
                "text": "Volunteers are valued.",
                "matters": ["volunteering"],
            },
        ],
    }
    for party, sector in (
        ("Harlow Council", "STATUTORY"),
        ("Harlow CVS", "VOLUNTARY_COMMUNITY"),
        ("Acme Ltd", "PRIVATE"),
    ):
        signed = ok(server, f'mutation {{ signCompact(tenant: "england", party: "{party}", sector: {sector}, '
                            f'signedOn: "2004-02-01") {{ name sector signedOn }} }}', editor)  # fmt: skip
        assert signed["signCompact"] == {"name": party, "sector": sector, "signedOn": "2004-02-01"}
    champion = ok(server, 'mutation { appointChampion(tenant: "england", party: "harlow cvs", name: "Jo Bloggs", '
                          'appointedOn: "2004-03-01") { name party appointedOn } }', editor)  # fmt: skip
    assert champion["appointChampion"] == {
        "name": "Jo Bloggs",
        "party": "Harlow CVS",
        "appointedOn": "2004-03-01",
    }
    ok(server, """mutation { amendCompact(tenant: "england", effectiveOn: "2005-03-01", rationale: "Annual review",
        upsertSections: [{key: "3", heading: "Disputes", text: "Mediation first.", matters: ["complaints"]}]) { version } }""", editor)  # fmt: skip
    second = ok(server, """mutation { amendCompact(tenant: "england", effectiveOn: "2006-03-01", rationale: "Merged sections",
        upsertSections: [{key: "1", heading: "Funding", text: "Twelve weeks' notice.", matters: ["funding"]}],
        removeSections: ["2"]) { version effectiveOn sections { key text } } }""", editor)  # fmt: skip
    assert second["amendCompact"] == {
        "version": 3,
        "effectiveOn": "2006-03-01",
        "sections": [{"key": "1", "text": "Twelve weeks' notice."}, {"key": "3", "text": "Mediation first."}],
    }
    bme = ok(server, 'mutation { adoptCode(tenant: "england", key: "bme", title: "BME Groups", matters: ["Community groups"], adoptedOn: "2004-04-01") { key title status matters adoptedOn } }', editor)  # fmt: skip
    assert bme["adoptCode"] == {
        "key": "bme",
        "title": "BME Groups",
        "status": "ADOPTED",
        "matters": ["community-groups"],
        "adoptedOn": "2004-04-01",
    }
    ok(server, 'mutation { adoptCode(tenant: "england", key: "equality", title: "Equality and Diversity", matters: ["diversity"], adoptedOn: "2004-05-01") { key } }', editor)  # fmt: skip
    merged = ok(server, 'mutation { mergeCode(tenant: "england", key: "bme", into: "equality", on: "2006-06-01") { status supersededBy } }', editor)  # fmt: skip
    assert merged["mergeCode"] == {"status": "SUPERSEDED", "supersededBy": "equality"}
    assert ok(server, 'mutation { withdrawParty(tenant: "england", party: "Acme Ltd", on: "2007-01-01", reason: "Closed") }', editor) == {"withdrawParty": True}  # fmt: skip

    history = ok(server, """{ tenant(slug: "england") {
        before: compact(asOf: "2004-01-13") { version }
        v1: compact(asOf: "2005-02-28") { version sections { key } }
        v2: compact(asOf: "2005-03-01") { version sections { key } }
        now: compact { version }
        p2006: parties(asOf: "2006-12-31") { name }
        p2007: parties(asOf: "2007-01-01") { name sector }
        champions(asOf: "2004-03-01") { name party }
        codes2005: codes(asOf: "2005-01-01") { key status matters }
        codesNow: codes { key status matters supersededBy } } }""")["tenant"]  # fmt: skip
    assert history["before"] is None
    assert history["v1"] == {"version": 1, "sections": [{"key": "1"}, {"key": "2"}]}
    assert history["v2"] == {"version": 2, "sections": [{"key": "1"}, {"key": "2"}, {"key": "3"}]}
    assert history["now"] == {"version": 3}
    assert [p["name"] for p in history["p2006"]] == ["Acme Ltd", "Harlow CVS", "Harlow Council"]
    assert history["p2007"] == [
        {"name": "Harlow CVS", "sector": "VOLUNTARY_COMMUNITY"},
        {"name": "Harlow Council", "sector": "STATUTORY"},
    ]
    assert history["champions"] == [{"name": "Jo Bloggs", "party": "Harlow CVS"}]
    assert history["codes2005"] == [
        {"key": "bme", "status": "ADOPTED", "matters": ["community-groups"]},
        {"key": "equality", "status": "ADOPTED", "matters": ["equality"]},
    ]
    assert history["codesNow"] == [
        {"key": "bme", "status": "SUPERSEDED", "matters": ["community-groups"], "supersededBy": "equality"},
        {
            "key": "equality",
            "status": "ADOPTED",
            "matters": ["community-groups", "equality"],
            "supersededBy": None,
        },
    ]


def test_codes_in_development_are_seen_only_by_the_tenants_members(server: Server, harlow: str) -> None:
    editor = harlow
    ok(server, 'mutation { publishCompact(tenant: "england", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', editor)  # fmt: skip
    draft = ok(server, 'mutation { draftCode(tenant: "england", key: "volunteering", title: "Volunteering", matters: ["volunteers"], draftedOn: "2004-02-01", lead: "CVS") { status lead } }', editor)  # fmt: skip
    assert draft["draftCode"] == {"status": "IN_DEVELOPMENT", "lead": "CVS"}
    query = '{ tenant(slug: "england") { codes { key status } } }'
    assert ok(server, query)["tenant"]["codes"] == []
    outsider = server.token("auditor", tenants=("wales",))
    assert ok(server, query, outsider)["tenant"]["codes"] == []
    assert ok(server, query, editor)["tenant"]["codes"] == [
        {"key": "volunteering", "status": "IN_DEVELOPMENT"}
    ]


def test_refused_compact_commands_get_their_code_and_store_nothing(
    server: Server, harlow: str, clean_db: Database
) -> None:
    editor = harlow
    ok(server, 'mutation { publishCompact(tenant: "england", title: "T", effectiveOn: "2004-01-01", '
               'sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', editor)  # fmt: skip
    ok(server, 'mutation { signCompact(tenant: "england", party: "P", sector: PRIVATE, signedOn: "2004-02-01") { name } }', editor)  # fmt: skip
    stored = count_events(clean_db)
    cases = {
        'mutation { signCompact(tenant: "england", party: "p", sector: PRIVATE, signedOn: "2004-03-01") { name } }': "CONFLICT",
        'mutation { withdrawParty(tenant: "england", party: "Q", on: "2004-03-01", reason: "x") }': "NOT_FOUND",
        'mutation { amendCompact(tenant: "england", effectiveOn: "2003-01-01", rationale: "x", removeSections: ["1"]) { version } }': "BAD_USER_INPUT",
        'mutation { amendCompact(tenant: "england", effectiveOn: "2005-01-01", rationale: "x", removeSections: ["9"]) { version } }': "NOT_FOUND",
        'mutation { appointChampion(tenant: "england", party: "P", name: "Jo", appointedOn: "2004-01-01") { name } }': "BAD_USER_INPUT",
        'mutation { publishCompact(tenant: "wales", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: ["fundng"]}]) { version } }': "FORBIDDEN",
    }  # fmt: skip
    for query, code in cases.items():
        assert error_code(server, query, editor) == code, query
    admin = server.token("platform-admin")
    unknown_matter = server.graphql('mutation { publishCompact(tenant: "wales", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: ["fundng"]}]) { version } }', token=admin).json()  # fmt: skip
    assert unknown_matter["errors"][0]["extensions"]["code"] == "NOT_FOUND"  # no tenant 'wales'
    assert count_events(clean_db) == stored


def test_contacts_are_private_and_missing_champions_are_listed(server: Server, harlow: str) -> None:
    editor = harlow
    ok(server, 'mutation { publishCompact(tenant: "england", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', editor)  # fmt: skip
    signed = ok(server, 'mutation { signCompact(tenant: "england", party: "Essex Police", sector: STATUTORY, signedOn: "2004-02-01", kind: POLICE, contact: {name: "Pat Lee", email: "pat@example.org"}) { name kind contact { name email } } }', editor)  # fmt: skip
    assert signed["signCompact"] == {
        "name": "Essex Police",
        "kind": "POLICE",
        "contact": {"name": "Pat Lee", "email": "pat@example.org"},
    }
    ok(server, 'mutation { signCompact(tenant: "england", party: "CVS", sector: VOLUNTARY_COMMUNITY, signedOn: "2004-02-01") { name } }', editor)  # fmt: skip
    ok(server, 'mutation { appointChampion(tenant: "england", party: "CVS", name: "Jo", appointedOn: "2004-03-01") { name } }', editor)  # fmt: skip
    query = (
        '{ tenant(slug: "england") { parties { name contact { name } } partiesWithoutChampion { name } } }'
    )
    public = ok(server, query)["tenant"]
    assert public["parties"] == [{"name": "CVS", "contact": None}, {"name": "Essex Police", "contact": None}]
    assert public["partiesWithoutChampion"] == [{"name": "Essex Police"}]
    assert (
        ok(server, query, server.token("editor", tenants=("wales",)))["tenant"]["parties"][1]["contact"]
        is None
    )
    assert ok(server, query, server.token("auditor", tenants=("england",)))["tenant"]["parties"][1][
        "contact"
    ] == {"name": "Pat Lee"}
    assert ok(server, 'mutation { standDownChampion(tenant: "england", party: "CVS", on: "2004-06-01") }', editor) == {"standDownChampion": True}  # fmt: skip
    names = ok(server, '{ tenant(slug: "england") { partiesWithoutChampion { name } } }')["tenant"][
        "partiesWithoutChampion"
    ]
    assert names == [{"name": "CVS"}, {"name": "Essex Police"}]


def test_the_steering_group_over_time(server: Server, harlow: str) -> None:
    editor = harlow
    first = ok(server, 'mutation { assignSteeringRole(tenant: "england", role: CHAIR, holder: "Ann", party: "HAVCO", since: "2009-01-01") { role holder party since } }', editor)  # fmt: skip
    assert first["assignSteeringRole"] == [
        {"role": "CHAIR", "holder": "Ann", "party": "HAVCO", "since": "2009-01-01"}
    ]
    ok(server, 'mutation { assignSteeringRole(tenant: "england", role: CODE_LEAD, holder: "Bo", code: "funding", since: "2009-02-01") { role } }', editor)  # fmt: skip
    ok(server, 'mutation { assignSteeringRole(tenant: "england", role: CHAIR, holder: "Cy", since: "2010-01-01") { role } }', editor)  # fmt: skip
    query = '{ tenant(slug: "england") { a: steeringGroup(asOf: "2009-06-01") { role holder code } b: steeringGroup { role holder } } }'
    group = ok(server, query)["tenant"]
    assert group["a"] == [
        {"role": "CHAIR", "holder": "Ann", "code": None},
        {"role": "CODE_LEAD", "holder": "Bo", "code": "funding"},
    ]
    assert group["b"] == [{"role": "CHAIR", "holder": "Cy"}, {"role": "CODE_LEAD", "holder": "Bo"}]
    assert error_code(server, 'mutation { endSteeringRole(tenant: "england", role: MEMBER, holder: "Zed", on: "2011-01-01") { role } }', editor) == "NOT_FOUND"  # fmt: skip


def test_an_amendment_proposed_consulted_on_and_adopted_and_another_rejected(
    server: Server, harlow: str
) -> None:
    editor = harlow
    ok(server, 'mutation { publishCompact(tenant: "england", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', editor)  # fmt: skip
    proposed = ok(server, 'mutation { proposeAmendment(tenant: "england", key: "review-2005", effectiveOn: "2005-04-01", rationale: "Annual review", proposedOn: "2004-12-01", consultationClosesOn: "2005-03-01", upsertSections: [{key: "2", heading: "Consultation", text: "Twelve weeks.", matters: ["consultation"]}]) { key status consultationClosesOn upsertSections { key matters } } }', editor)  # fmt: skip
    assert proposed["proposeAmendment"] == {
        "key": "review-2005",
        "status": "PROPOSED",
        "consultationClosesOn": "2005-03-01",
        "upsertSections": [{"key": "2", "matters": ["consultation"]}],
    }
    assert error_code(server, 'mutation { adoptAmendment(tenant: "england", key: "review-2005", adoptedOn: "2005-02-01") { version } }', editor) == "BAD_USER_INPUT"  # fmt: skip
    adopted = ok(server, 'mutation { adoptAmendment(tenant: "england", key: "review-2005", adoptedOn: "2005-03-10") { version effectiveOn sections { key } } }', editor)  # fmt: skip
    assert adopted["adoptAmendment"] == {
        "version": 2,
        "effectiveOn": "2005-04-01",
        "sections": [{"key": "1"}, {"key": "2"}],
    }
    ok(server, 'mutation { proposeAmendment(tenant: "england", key: "drop-1", effectiveOn: "2006-01-01", rationale: "Tidy", proposedOn: "2005-06-01", removeSections: ["1"]) { key } }', editor)  # fmt: skip
    rejected = ok(server, 'mutation { rejectAmendment(tenant: "england", key: "drop-1", on: "2005-07-01", reason: "Not agreed") { status decidedOn rejectionReason } }', editor)  # fmt: skip
    assert rejected["rejectAmendment"] == {
        "status": "REJECTED",
        "decidedOn": "2005-07-01",
        "rejectionReason": "Not agreed",
    }
    review = ok(server, 'mutation { recordAnnualReview(tenant: "england", heldOn: "2005-01-20", achievements: ["Funding code adopted"], issues: ["Late notices"], amendments: ["review-2005"]) { heldOn achievements aspirations issues amendments } }', editor)  # fmt: skip
    assert review["recordAnnualReview"] == {
        "heldOn": "2005-01-20",
        "achievements": ["Funding code adopted"],
        "aspirations": [],
        "issues": ["Late notices"],
        "amendments": ["review-2005"],
    }
    listed = ok(server, '{ tenant(slug: "england") { amendmentProposals { key status } annualReviews { heldOn } compact(asOf: "2005-03-31") { version } } }')["tenant"]  # fmt: skip
    assert listed == {
        "amendmentProposals": [
            {"key": "review-2005", "status": "ADOPTED"},
            {"key": "drop-1", "status": "REJECTED"},
        ],
        "annualReviews": [{"heldOn": "2005-01-20"}],
        "compact": {"version": 1},
    }


def test_the_register_pages_with_cursors_and_a_hard_cap(server: Server, harlow: str) -> None:
    editor = harlow
    ok(server, 'mutation { publishCompact(tenant: "england", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', editor)  # fmt: skip
    for name in ("Delta", "alpha", "Charlie", "bravo", "Echo"):
        ok(server, f'mutation {{ signCompact(tenant: "england", party: "{name}", sector: PRIVATE, signedOn: "2004-02-01") {{ name }} }}', editor)  # fmt: skip
    page = '{ tenant(slug: "england") { partyRegister(first: 2%s) { totalCount edges { cursor node { name } } pageInfo { hasNextPage endCursor } } } }'
    seen: list[str] = []
    after = ""
    while True:
        register = ok(server, page % after)["tenant"]["partyRegister"]
        assert register["totalCount"] == 5
        seen += [e["node"]["name"] for e in register["edges"]]
        if not register["pageInfo"]["hasNextPage"]:
            break
        after = f', after: "{register["pageInfo"]["endCursor"]}"'
    assert seen == ["alpha", "bravo", "Charlie", "Delta", "Echo"]
    too_big = page.replace("first: 2%s", "first: 101")
    forged = page % ', after: "not-a-cursor"'
    for query, says in ((too_big, "between 1 and 100"), (forged, "cursor")):
        error = server.graphql(query, token=editor).json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert says in error["message"]


def test_the_register_pages_back_from_the_end_with_last_and_before(server: Server, harlow: str) -> None:
    editor = harlow
    ok(server, 'mutation { publishCompact(tenant: "england", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', editor)  # fmt: skip
    for name in ("Delta", "alpha", "Charlie", "bravo", "Echo"):
        ok(server, f'mutation {{ signCompact(tenant: "england", party: "{name}", sector: PRIVATE, signedOn: "2004-02-01") {{ name }} }}', editor)  # fmt: skip
    page = '{ tenant(slug: "england") { partyRegister(last: 2%s) { totalCount edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }'
    pages: list[list[str]] = []
    before = ""
    while True:
        register = ok(server, page % before)["tenant"]["partyRegister"]
        assert register["totalCount"] == 5
        edges, info = register["edges"], register["pageInfo"]
        # Each page in name order, its cursors those of its first and last edges.
        pages.append([e["node"]["name"] for e in edges])
        assert (info["startCursor"], info["endCursor"]) == (edges[0]["cursor"], edges[-1]["cursor"])
        assert info["hasNextPage"] is bool(before)
        if not info["hasPreviousPage"]:
            break
        before = f', before: "{info["startCursor"]}"'
    assert pages == [["Delta", "Echo"], ["bravo", "Charlie"], ["alpha"]]
    # A forward page after a cursor says that others come before it; between two cursors, only those.
    first_two = ok(server, page.replace("last: 2%s", "first: 2"))["tenant"]["partyRegister"]
    assert first_two["pageInfo"]["hasPreviousPage"] is False
    after_alpha = first_two["edges"][0]["cursor"]
    later = ok(server, page.replace("last: 2%s", f'first: 2, after: "{after_alpha}"'))["tenant"][
        "partyRegister"
    ]
    assert [e["node"]["name"] for e in later["edges"]] == ["bravo", "Charlie"]
    assert later["pageInfo"]["hasPreviousPage"] is True
    echo = ok(server, page % "")["tenant"]["partyRegister"]["edges"][-1]["cursor"]
    between = page.replace("last: 2%s", f'first: 5, after: "{after_alpha}", before: "{echo}"')
    assert [e["node"]["name"] for e in ok(server, between)["tenant"]["partyRegister"]["edges"]] == ["bravo", "Charlie", "Delta"]  # fmt: skip
    both = page.replace("last: 2%s", "first: 2, last: 2")
    forged = page % ', before: "not-a-cursor"'
    for query, says in ((both, "not both"), (forged, "without `before`"), (page.replace("last: 2%s", "last: 0"), "between 1 and 100")):  # fmt: skip
        error = server.graphql(query, token=editor).json()["errors"][0]
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        assert says in error["message"]


def test_two_mutations_in_one_document_each_answer_from_the_state_after_their_own_write(
    server: Server, harlow: str
) -> None:
    ok(server, """mutation { publishCompact(tenant: "england", title: "The Compact", effectiveOn: "2004-01-14",
        sections: [{key: "1", heading: "Funding", text: "Notice.", matters: ["funding"]}]) { version } }""", harlow)  # fmt: skip
    both = ok(server, """mutation {
        a: signCompact(tenant: "england", party: "Council", sector: STATUTORY, signedOn: "2004-02-01") { name }
        b: signCompact(tenant: "england", party: "CVS", sector: VOLUNTARY_COMMUNITY, signedOn: "2004-02-01") { name }
    }""", harlow)  # fmt: skip
    assert both == {"a": {"name": "Council"}, "b": {"name": "CVS"}}
