"""Erasing a person: their key goes, every read model shows them erased, the history still verifies."""

from __future__ import annotations

from typing import Any

from infra.database import Database
from tests.e2e.conftest import Server


def ok(server: Server, query: str, token: str | None = None) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def test_an_erased_champion_and_contact_read_as_erased_and_the_chain_still_verifies(
    server: Server, clean_db: Database
) -> None:
    admin = server.token("platform-admin")
    ok(server, 'mutation { createTenant(slug: "harlow", name: "Harlow", tier: NATIONAL) { slug } }', admin)
    ok(server, 'mutation { publishCompact(tenant: "harlow", title: "T", effectiveOn: "2004-01-01", sections: [{key: "1", heading: "H", text: "t", matters: []}]) { version } }', admin)  # fmt: skip
    ok(server, 'mutation { signCompact(tenant: "harlow", party: "CVS", sector: PRIVATE, signedOn: "2004-02-01", contact: {name: "Pat Private", email: "pat@example.org"}) { name } }', admin)  # fmt: skip
    ok(server, 'mutation { appointChampion(tenant: "harlow", party: "CVS", name: "Jo Private", appointedOn: "2004-03-01") { name } }', admin)  # fmt: skip
    auditor = server.token("auditor", tenants=("harlow",))
    query = '{ tenant(slug: "harlow") { champions { name personId } parties { contact { name email personId } } } }'
    before = ok(server, query, auditor)["tenant"]
    assert before["champions"][0]["name"] == "Jo Private"
    assert before["parties"][0]["contact"]["name"] == "Pat Private"
    # The public never sees the ids.
    assert ok(server, query)["tenant"]["champions"][0]["personId"] is None
    # The history holds the personal data only sealed.
    history = str(
        ok(server, '{ history(tenant: "harlow", first: 10) { edges { node { type payload } } } }', auditor)
    )
    assert "ChampionAppointed" in history
    assert "Jo Private" not in history
    assert "Pat Private" not in history

    for subject in (before["champions"][0]["personId"], before["parties"][0]["contact"]["personId"]):
        assert ok(server, f'mutation {{ eraseDataSubject(subject: "{subject}") }}', admin) == {
            "eraseDataSubject": True
        }
    after = ok(server, query, auditor)["tenant"]
    assert after["champions"][0]["name"] == "[erased]"
    assert after["parties"][0]["contact"] == {
        "name": "[erased]",
        "email": None,
        "personId": before["parties"][0]["contact"]["personId"],
    }
    verified = ok(server, '{ verifyHistory(tenant: "harlow") { ok checked } }', auditor)["verifyHistory"]
    assert verified == {"ok": True, "checked": 8}  # two PersonErased events added, nothing rewritten
    again = server.graphql(
        f'mutation {{ eraseDataSubject(subject: "{before["champions"][0]["personId"]}") }}', token=admin
    ).json()
    assert again["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    editor = server.token("editor", tenants=("harlow",))
    refused = server.graphql('mutation { eraseDataSubject(subject: "harlow:person:x") }', token=editor).json()
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
