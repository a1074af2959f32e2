"""A compact's own commitments over HTTP: imported, read back, found by the tier walk, drafts, champions."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from infra.database import Database
from tests.e2e.conftest import Server
from tests.unit.test_document_import import SEEDS, seeds_folder


def ok(server: Server, query: str, token: str | None = None) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def error(server: Server, query: str, token: str | None) -> tuple[str, str]:
    first = server.graphql(query, token=token).json()["errors"][0]
    return str(first["extensions"]["code"]), str(first["message"])


@pytest.fixture
def tiers(server: Server, clean_db: Database) -> str:
    """England, the East of England, Hertfordshire, Hertsmere; London and Havering; an admin token."""
    admin = server.token("platform-admin")
    for slug, name, tier, parent in (
        ("england", "England", "NATIONAL", None),
        ("east", "East of England", "REGIONAL", "england"),
        ("hertfordshire", "Hertfordshire", "COUNTY", "east"),
        ("hertsmere", "Hertsmere", "DISTRICT", "hertfordshire"),
        ("london", "London", "REGIONAL", "england"),
        ("havering", "Havering", "DISTRICT", "london"),
    ):
        parent_arg = f', parent: "{parent}"' if parent else ""
        ok(server, f'mutation {{ createTenant(slug: "{slug}", name: "{name}", tier: {tier}{parent_arg}) {{ slug }} }}', admin)  # fmt: skip
    return admin


def test_an_imported_compact_keeps_its_commitment_and_the_walk_finds_it(
    server: Server, tiers: str, db: Database
) -> None:
    env = {**os.environ, "DATABASE_URL": db.url, "COMPACTS_HOME": str(server.home)}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "import", str(seeds_folder() / SEEDS["hertsmere"]), "--tenant", "hertsmere",
         "--effective-on", "2012-01-01", "--yes"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    read = ok(server, """{ tenant(slug: "hertsmere") { commitments(asOf: "2012-06-01") {
        key kind firmness bound exceptions period { amount unit } section { key heading } tenant { slug } } } }""")  # fmt: skip
    assert read["tenant"]["commitments"] == [
        {
            "key": "funding-notice",
            "kind": "FUNDING_NOTICE",
            "firmness": "IN_FORCE",
            "bound": ["public bodies", "bodies distributing funds on behalf of the public sector"],
            "exceptions": ["exceptional circumstances"],
            "period": {"amount": 3, "unit": "MONTHS"},
            "section": {"key": "compact-outcomes", "heading": "Compact outcomes"},
            "tenant": {"slug": "hertsmere"},
        }
    ]
    governing = ok(server, """{ notice: governing(locality: "hertsmere", kind: FUNDING_NOTICE, asOf: "2012-06-01") {
            commitment { key tenant { slug } } trail { tenant { slug } covered } explanation }
        champions: governing(locality: "hertsmere", kind: CHAMPIONS, asOf: "2012-06-01") {
            commitment { key } trail { tenant { slug } covered reason } explanation } }""")  # fmt: skip
    assert governing["notice"] == {
        "commitment": {"key": "funding-notice", "tenant": {"slug": "hertsmere"}},
        "trail": [{"tenant": {"slug": "hertsmere"}, "covered": True}],
        "explanation": "Hertsmere's own compact commits to notice of funding changes on 2012-06-01.",
    }
    champions = governing["champions"]
    assert champions["commitment"] is None
    assert [s["tenant"]["slug"] for s in champions["trail"]] == [
        "hertsmere",
        "hertfordshire",
        "east",
        "england",
    ]
    assert champions["trail"][1]["reason"] == "Hertfordshire had no compact in force on 2012-06-01."
    # Hertsmere's compact says nothing about champions: compliance lists it ungoverned and finds nothing.
    compliance = ok(server, """{ compliance(tenant: "hertsmere", asOf: "2012-06-01") { findings { kind }
        ungoverned } }""")  # fmt: skip
    assert compliance["compliance"]["findings"] == []
    assert "CHAMPIONS" in compliance["compliance"]["ungoverned"]
    assert "FUNDING_NOTICE" not in compliance["compliance"]["ungoverned"]


def test_a_district_inherits_a_commitment_its_county_makes_and_a_planned_one_is_passed_over(
    server: Server, tiers: str
) -> None:
    admin = tiers
    ok(server, """mutation { publishCompact(tenant: "hertfordshire", title: "County compact", effectiveOn: "2010-01-01",
        sections: [{key: "6", heading: "Next steps", text: "We will develop a way to resolve disagreements.",
                    matters: ["review"], planned: ["disputes"],
                    commitments: [{key: "dispute-process", kind: DISPUTE_PROCESS, firmness: PLANNED,
                                   summary: "A way to resolve disagreements will be developed."}]},
                   {key: "5", heading: "Consultation", text: "Twelve weeks.", matters: ["consultation"],
                    commitments: [{key: "consultation-period", kind: CONSULTATION_PERIOD, summary: "Twelve weeks.",
                                   period: {amount: 12, unit: WEEKS}}]}]) { version } }""", admin)  # fmt: skip
    ok(server, """mutation { publishCompact(tenant: "hertsmere", title: "District compact", effectiveOn: "2010-01-01",
        sections: [{key: "1", heading: "Principles", text: "We work together.", matters: ["partnership"]}]) { version } }""", admin)  # fmt: skip
    found = ok(server, """{ c: governing(locality: "hertsmere", kind: CONSULTATION_PERIOD, asOf: "2011-01-01") {
            commitment { key period { amount unit } tenant { slug } section { key } } explanation }
        d: governing(locality: "hertsmere", kind: DISPUTE_PROCESS, asOf: "2011-01-01") {
            commitment { key } trail { reason } }
        l: lookup(locality: "hertfordshire", matter: "disputes", asOf: "2011-01-01") { answeredBy { slug } trail { reason } } }""")  # fmt: skip
    assert found["c"] == {
        "commitment": {
            "key": "consultation-period",
            "period": {"amount": 12, "unit": "WEEKS"},
            "tenant": {"slug": "hertfordshire"},
            "section": {"key": "5"},
        },
        "explanation": "Hertsmere's compact does not commit to consultation periods on 2011-01-01, so the next "
        "level up that does answers: Hertfordshire.",
    }
    assert found["d"]["commitment"] is None
    assert found["d"]["trail"][1]["reason"] == (
        "Hertfordshire's compact in force on 2011-01-01 only plans a dispute process (section 6); "
        "a plan governs nothing."
    )
    # A matter a section only promises does not count as covered.
    assert found["l"]["answeredBy"] is None
    assert found["l"]["trail"][0]["reason"] == (
        "Hertfordshire's compact in force on 2011-01-01 has no section on disputes and no adopted code covering "
        "it (only promised, in section 6)."
    )


def test_a_draft_is_out_for_consultation_and_in_force_only_once_adopted(server: Server, tiers: str) -> None:
    admin = tiers
    draft = ok(server, """mutation { publishCompact(tenant: "havering", title: "Compact for Havering (draft)",
        effectiveOn: "2009-12-01", draft: true, consultationClosesOn: "2010-03-07",
        sections: [{key: "5.3", heading: "Compact Champions", text: "Public bodies name a champion.", matters: ["champions"]}])
        { status consultationClosesOn version } }""", admin)["publishCompact"]  # fmt: skip
    assert draft == {"status": "DRAFT", "consultationClosesOn": "2010-03-07", "version": 1}
    before = ok(server, """{ tenant(slug: "havering") { compact(asOf: "2010-01-15") { version }
        draftCompact(asOf: "2010-01-15") { status title } }
        lookup(locality: "havering", matter: "champions", asOf: "2010-01-15") { answeredBy { slug } trail { reason } } }""")  # fmt: skip
    assert before["tenant"] == {
        "compact": None,
        "draftCompact": {"status": "DRAFT", "title": "Compact for Havering (draft)"},
    }
    assert before["lookup"]["answeredBy"] is None
    assert before["lookup"]["trail"][0]["reason"] == "Havering had no compact in force on 2010-01-15."
    code, message = error(server, 'mutation { adoptCompact(tenant: "havering", adoptedOn: "2010-03-01") { version } }', admin)  # fmt: skip
    assert (code, message) == (
        "BAD_USER_INPUT",
        "The consultation on the draft is open until 2010-03-07; adopt it after it closes.",
    )
    adopted = ok(server, 'mutation { adoptCompact(tenant: "havering", adoptedOn: "2010-04-01") { status adoptedOn } }', admin)  # fmt: skip
    assert adopted["adoptCompact"] == {"status": "IN_FORCE", "adoptedOn": "2010-04-01"}
    after = ok(server, """{ tenant(slug: "havering") { compact(asOf: "2010-04-01") { version } draftCompact(asOf: "2010-04-01") { version } }
        lookup(locality: "havering", matter: "champions", asOf: "2010-04-01") { answeredBy { slug } } }""")  # fmt: skip
    assert after == {
        "tenant": {"compact": {"version": 1}, "draftCompact": None},
        "lookup": {"answeredBy": {"slug": "havering"}},
    }


def test_a_party_names_several_champions_and_is_referred_to_the_board_without_a_dispute(
    server: Server, tiers: str
) -> None:
    admin = tiers
    ok(server, """mutation { publishCompact(tenant: "havering", title: "Compact", effectiveOn: "2010-04-01",
        sections: [{key: "1", heading: "Champions", text: "Champions.", matters: ["champions"]}]) { version } }""", admin)  # fmt: skip
    ok(server, 'mutation { signCompact(tenant: "havering", party: "LBH", sector: STATUTORY, signedOn: "2010-04-01") { name } }', admin)  # fmt: skip
    for role in ("Cabinet member", "Officer"):
        appointed = ok(server, f"""mutation {{ appointChampion(tenant: "havering", party: "LBH", name: "{role} champion",
            appointedOn: "2010-05-01", role: "{role}") {{ role party }} }}""", admin)["appointChampion"]  # fmt: skip
        assert appointed == {"role": role, "party": "LBH"}
    champions = ok(server, '{ tenant(slug: "havering") { champions(asOf: "2010-06-01") { role } } }')
    assert champions["tenant"]["champions"] == [{"role": "Cabinet member"}, {"role": "Officer"}]
    code, message = error(server, 'mutation { standDownChampion(tenant: "havering", party: "LBH", on: "2011-01-01") }', admin)  # fmt: skip
    assert (code, message) == (
        "NOT_FOUND",
        "'LBH' has no current champion to stand down; its champions' roles: Cabinet member, Officer.",
    )
    referral = ok(server, """mutation { referPartyToBoard(tenant: "havering", party: "lbh", on: "2011-02-01",
        finding: "Working outside the commitments") { party dispute referredOn } }""", admin)  # fmt: skip
    assert referral["referPartyToBoard"] == {"party": "LBH", "dispute": None, "referredOn": "2011-02-01"}
    member = server.token("auditor", tenants=("havering",))
    assert ok(server, '{ tenant(slug: "havering") { boardReferrals { party } } }', member)["tenant"] == {
        "boardReferrals": [{"party": "LBH"}]
    }
    assert ok(server, '{ tenant(slug: "havering") { boardReferrals { party } } }')["tenant"] == {
        "boardReferrals": []
    }
