"""The tiered lookup over HTTP on a national, regional, county, district chain, and bitemporal reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from infra.database import Database
from tests.e2e.conftest import Server


def ok(server: Server, query: str, token: str | None = None) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def publish(server: Server, token: str, tenant: str, on: str, sections: str) -> None:
    ok(server, f'mutation {{ publishCompact(tenant: "{tenant}", title: "{tenant} compact", effectiveOn: "{on}", sections: [{sections}]) {{ version }} }}', token)  # fmt: skip


@pytest.fixture
def chain(server: Server, clean_db: Database) -> str:
    """England > East of England > Essex > Harlow, with compacts and amendments over several years."""
    admin = server.token("platform-admin")
    for slug, name, tier, parent in (
        ("england", "England", "NATIONAL", None),
        ("east", "East of England", "REGIONAL", "england"),
        ("essex", "Essex", "COUNTY", "east"),
        ("harlow", "Harlow", "DISTRICT", "essex"),
    ):
        parent_arg = f', parent: "{parent}"' if parent else ""
        ok(server, f'mutation {{ createTenant(slug: "{slug}", name: "{name}", tier: {tier}{parent_arg}) {{ slug }} }}', admin)  # fmt: skip
    publish(server, admin, "england", "2000-01-01", '{key: "1", heading: "Funding", text: "National funding rules.", matters: ["funding"]}, {key: "2", heading: "Volunteering", text: "National volunteering.", matters: ["volunteering"]}')  # fmt: skip
    publish(server, admin, "essex", "2002-06-01", '{key: "2", heading: "Volunteering", text: "Essex volunteering.", matters: ["volunteering"]}')  # fmt: skip
    publish(server, admin, "harlow", "2004-01-14", '{key: "1", heading: "Principles", text: "Shared principles.", matters: ["partnership"]}')  # fmt: skip
    # Harlow takes on funding in 2006; Essex drops volunteering in 2008.
    ok(server, 'mutation { amendCompact(tenant: "harlow", effectiveOn: "2006-04-01", rationale: "Review", upsertSections: [{key: "4.2", heading: "Funding", text: "Three months notice.", matters: ["finance"]}]) { version } }', admin)  # fmt: skip
    ok(server, 'mutation { amendCompact(tenant: "essex", effectiveOn: "2008-01-01", rationale: "Merged into codes", upsertSections: [{key: "3", heading: "Review", text: "Yearly.", matters: ["review"]}], removeSections: ["2"]) { version } }', admin)  # fmt: skip
    # Essex adopts a volunteering code in 2009, and merges it away in 2011.
    ok(server, 'mutation { adoptCode(tenant: "essex", key: "volunteering", title: "Volunteering", matters: ["volunteering"], adoptedOn: "2009-01-01") { key } }', admin)  # fmt: skip
    ok(server, 'mutation { adoptCode(tenant: "essex", key: "community", title: "Community", matters: ["community groups"], adoptedOn: "2009-01-01") { key } }', admin)  # fmt: skip
    ok(server, 'mutation { mergeCode(tenant: "essex", key: "volunteering", into: "community", on: "2011-01-01") { key } }', admin)  # fmt: skip
    return admin


LOOKUP = '{ lookup(locality: "harlow", matter: "%s", asOf: "%s"%s) { answeredBy { slug } sections { key } codes { key } trail { tenant { slug } covered reason } explanation } }'


def lookup(server: Server, matter: str, on: str, extra: str = "") -> dict[str, Any]:
    return dict(ok(server, LOOKUP % (matter, on, extra))["lookup"])


def test_funding_moves_from_national_to_harlow_when_harlow_amends(server: Server, chain: str) -> None:
    before = lookup(server, "finance", "2006-03-31")
    assert before["answeredBy"] == {"slug": "england"}
    assert [(s["tenant"]["slug"], s["covered"]) for s in before["trail"]] == [
        ("harlow", False), ("essex", False), ("east", False), ("england", True)
    ]  # fmt: skip
    assert before["trail"][0]["reason"] == (
        "Harlow's compact in force on 2006-03-31 has no section on funding and no adopted code covering it."
    )
    assert before["trail"][2]["reason"] == "East of England had no compact in force on 2006-03-31."
    assert before["sections"] == [{"key": "1"}]
    after = lookup(server, "funding", "2006-04-01")
    assert after["answeredBy"] == {"slug": "harlow"}
    assert [s["tenant"]["slug"] for s in after["trail"]] == ["harlow"]
    assert after["sections"] == [{"key": "4.2"}]
    assert after["explanation"] == "Harlow's own compact covers funding on 2006-04-01."


def test_before_any_local_compact_the_walk_goes_up(server: Server, chain: str) -> None:
    early = lookup(server, "volunteering", "2001-01-01")
    assert early["answeredBy"] == {"slug": "england"}
    assert early["trail"][0]["reason"] == "Harlow had no compact in force on 2001-01-01."


def test_volunteering_follows_essex_sections_then_codes_then_national(server: Server, chain: str) -> None:
    assert lookup(server, "volunteering", "2007-12-31")["answeredBy"] == {"slug": "essex"}
    # Essex removed its section in 2008 and had no code until 2009.
    assert lookup(server, "volunteering", "2008-06-01")["answeredBy"] == {"slug": "england"}
    with_code = lookup(server, "volunteering", "2009-01-01")
    assert with_code["answeredBy"] == {"slug": "essex"}
    assert (with_code["sections"], with_code["codes"]) == ([], [{"key": "volunteering"}])
    # Merged into the community code, which takes on volunteering from the merger.
    merged = lookup(server, "volunteering", "2011-01-01")
    assert merged["answeredBy"] == {"slug": "essex"}
    assert merged["codes"] == [{"key": "community"}]


def test_uniform_at_starts_at_the_national_compact_and_falls_back(server: Server, chain: str) -> None:
    national = lookup(server, "funding", "2007-01-01", ", uniformAt: NATIONAL")
    assert national["answeredBy"] == {"slug": "england"}
    assert [s["tenant"]["slug"] for s in national["trail"]] == ["england"]
    fallback = lookup(server, "partnership", "2007-01-01", ", uniformAt: REGIONAL")
    assert fallback["answeredBy"] == {"slug": "harlow"}
    assert [s["tenant"]["slug"] for s in fallback["trail"]] == ["east", "england", "harlow"]


def test_nothing_covers_procurement(server: Server, chain: str) -> None:
    answer = lookup(server, "procurement", "2010-01-01")
    assert answer["answeredBy"] is None
    assert len(answer["trail"]) == 4
    assert answer["explanation"] == "No compact from Harlow up to England covered procurement on 2010-01-01."


def test_unknown_matter_and_locality_get_their_codes(server: Server, chain: str) -> None:
    bad = server.graphql('{ lookup(locality: "harlow", matter: "fundng") { explanation } }').json()["errors"][
        0
    ]
    assert bad["extensions"]["code"] == "BAD_USER_INPUT"
    assert "did you mean 'funding'" in bad["message"]
    missing = server.graphql('{ lookup(locality: "atlantis", matter: "funding") { explanation } }').json()
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_an_amendment_recorded_late_shows_in_as_of_but_not_at_an_earlier_recorded_at(
    server: Server, chain: str
) -> None:
    before_recording = datetime.now(UTC).isoformat()
    # Recorded today, effective in 2005: a correction the registry learned of late.
    ok(server, 'mutation { amendCompact(tenant: "harlow", effectiveOn: "2007-01-01", rationale: "Late correction", upsertSections: [{key: "5", heading: "Procurement", text: "Open tenders.", matters: ["procurement"]}]) { version } }', chain)  # fmt: skip
    now_known = ok(
        server, '{ tenant(slug: "harlow") { compact(asOf: "2007-06-01") { version sections { key } } } }'
    )
    assert now_known["tenant"]["compact"] == {
        "version": 3,
        "sections": [{"key": "1"}, {"key": "4.2"}, {"key": "5"}],
    }
    as_recorded = ok(server, f'{{ tenant(slug: "harlow") {{ compact(asOf: "2007-06-01", recordedAt: "{before_recording}") {{ version }} }} }}')  # fmt: skip
    assert as_recorded["tenant"]["compact"] == {"version": 2}
    assert lookup(server, "procurement", "2007-06-01")["answeredBy"] == {"slug": "harlow"}
    assert (
        lookup(server, "procurement", "2007-06-01", f', recordedAt: "{before_recording}"')["answeredBy"]
        is None
    )
    naive = server.graphql(
        '{ tenant(slug: "harlow") { compact(recordedAt: "2010-01-01T00:00:00") { version } } }'
    ).json()
    assert naive["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_versions_and_a_word_by_word_diff(server: Server, chain: str) -> None:
    ok(server, 'mutation { amendCompact(tenant: "harlow", effectiveOn: "2010-01-01", rationale: "Clearer notice", upsertSections: [{key: "4.2", heading: "Funding", text: "Twelve weeks written notice.", matters: ["funding"]}], removeSections: ["1"]) { version } }', chain)  # fmt: skip
    tenant = ok(server, '{ tenant(slug: "harlow") { compactVersions { version effectiveOn rationale recordedBy } compactDiff(from: 2, to: 3) { fromVersion toVersion added { key } removed { key } changed { key marked before { text } after { text } } } } }')["tenant"]  # fmt: skip
    # The public sees the role a version was recorded in, never the person's address.
    assert tenant["compactVersions"] == [
        {
            "version": 1,
            "effectiveOn": "2004-01-14",
            "rationale": None,
            "recordedBy": "A platform administrator",
        },
        {
            "version": 2,
            "effectiveOn": "2006-04-01",
            "rationale": "Review",
            "recordedBy": "A platform administrator",
        },
        {
            "version": 3,
            "effectiveOn": "2010-01-01",
            "rationale": "Clearer notice",
            "recordedBy": "A platform administrator",
        },
    ]
    auditor = server.token("auditor", tenants=("harlow",), sub="auditor@harlow.example")
    member = ok(server, '{ tenant(slug: "harlow") { compactVersions { recordedBy } } }', auditor)["tenant"]
    assert [v["recordedBy"] for v in member["compactVersions"]] == ["tester@example.org"] * 3
    assert tenant["compactDiff"] == {
        "fromVersion": 2,
        "toVersion": 3,
        "added": [],
        "removed": [{"key": "1"}],
        "changed": [
            {
                "key": "4.2",
                "marked": "[-Three months-] {+Twelve weeks written+} notice.",
                "before": {"text": "Three months notice."},
                "after": {"text": "Twelve weeks written notice."},
            }
        ],
    }
    missing = server.graphql(
        '{ tenant(slug: "harlow") { compactDiff(from: 1, to: 9) { fromVersion } } }'
    ).json()
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"
