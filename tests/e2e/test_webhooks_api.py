"""Webhooks through the real app: created over GraphQL, delivered to a real receiver, verified by signature."""

from __future__ import annotations

import time
from typing import Any

import pytest

from api.tools.webhook_receiver import Receiver, verified
from domain.clock import today
from infra.database import Database
from tests.conftest import count_events
from tests.e2e.conftest import Server

WEBHOOK = (
    "id url events includePrivate status deliveries { id event status attempts lastAttemptAt responseStatus }"
)


def ok(
    server: Server, query: str, token: str | None, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    body = server.graphql(query, variables, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def error(
    server: Server, query: str, token: str | None, variables: dict[str, Any] | None = None
) -> tuple[str, str]:
    first = server.graphql(query, variables, token=token).json()["errors"][0]
    return str(first["extensions"]["code"]), str(first["message"])


CREATE = (
    "mutation ($tenant: String!, $url: String!, $events: [String!]!, $private: Boolean! = false) {"
    " createWebhook(tenant: $tenant, url: $url, events: $events, includePrivate: $private)"
    " { secret webhook { " + WEBHOOK + " } } }"
)


def wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def amend(server: Server, token: str, text: str) -> None:
    # Today: the session's other tests amend Harlow on this server too, and an amendment never goes back.
    ok(server, f"""mutation {{ amendCompact(tenant: "harlow", effectiveOn: "{today().isoformat()}", rationale: "{text}",
        upsertSections: [{{key: "1", heading: "Principles", text: "{text}", matters: ["partnership"]}}]) {{ version }} }}""", token)  # fmt: skip


def test_an_editor_creates_a_webhook_and_each_amendment_arrives_signed_and_logged(
    hooked: tuple[Server, Database],
) -> None:
    server, _db = hooked
    editor = server.token("editor", sub="editor@harlow.example", tenants=("harlow",))
    with Receiver() as receiver:
        created = ok(
            server, CREATE, editor, {"tenant": "harlow", "url": receiver.url, "events": ["CompactAmended"]}
        )
        secret = created["createWebhook"]["secret"]
        hook = created["createWebhook"]["webhook"]
        assert secret.startswith("whsec_")
        assert (hook["url"], hook["events"], hook["status"], hook["deliveries"]) == (
            receiver.url, ["CompactAmended"], "ACTIVE", [],
        )  # fmt: skip
        # Read back at once: the read model includes its own write.
        listed = ok(server, f'{{ webhooks(tenant: "harlow") {{ {WEBHOOK} }} }}', editor)["webhooks"]
        assert [w["id"] for w in listed] == [hook["id"]]

        receiver.fail_next = 2  # the receiver fails twice, then recovers
        amend(server, editor, "First change.")
        amend(server, editor, "Second change.")
        wait_for(lambda: len(receiver.accepted()) == 2)
        bodies = [verified(secret, r) for r in receiver.accepted()]
        assert [(b["type"], b["data"]["event"]["rationale"]) for b in bodies] == [
            ("CompactAmended", "First change."),
            ("CompactAmended", "Second change."),
        ]
        assert all(verified(secret, r)["type"] == "CompactAmended" for r in receiver.all())

        def logged() -> list[dict[str, Any]]:
            found = ok(server, f'{{ webhooks(tenant: "harlow") {{ {WEBHOOK} }} }}', editor)["webhooks"]
            return list(found[0]["deliveries"])

        wait_for(lambda: all(d["status"] == "DELIVERED" for d in logged()))
        log = logged()
        assert [(d["event"], d["status"], d["attempts"], d["responseStatus"]) for d in log] == [
            ("CompactAmended", "DELIVERED", 1, 204),
            ("CompactAmended", "DELIVERED", 3, 204),
        ]
        assert {d["id"] for d in log} == {r.headers["webhook-id"] for r in receiver.all()}

    # The secret is in no event as it was shown: the history holds it sealed.
    history = ok(
        server, '{ history(tenant: "harlow", first: 50) { edges { node { type payload } } } }', editor
    )
    # This webhook's own creation (the session's other tests make webhooks for Harlow on this server too).
    created_events = [
        e["node"]
        for e in history["history"]["edges"]
        if e["node"]["type"] == "WebhookCreated" and e["node"]["payload"].get("url") == receiver.url
    ]
    assert len(created_events) == 1
    assert secret not in str(created_events[0]["payload"])
    assert created_events[0]["payload"]["secret"].startswith("sealed:v1:")

    assert ok(server, "mutation ($id: ID!) { deleteWebhook(id: $id) }", editor, {"id": hook["id"]}) == {
        "deleteWebhook": True
    }
    assert ok(server, '{ webhooks(tenant: "harlow") { id } }', editor) == {"webhooks": []}
    assert error(server, "mutation ($id: ID!) { deleteWebhook(id: $id) }", editor, {"id": hook["id"]}) == (
        "NOT_FOUND",
        f"There is no webhook '{hook['id']}'.",
    )


def test_only_the_tenants_editors_and_platform_admins_may_see_or_make_its_webhooks(
    hooked: tuple[Server, Database],
) -> None:
    server, db = hooked
    variables = {"tenant": "harlow", "url": "http://127.0.0.1:9/hooks", "events": ["*"]}
    before = count_events(db)
    assert error(server, CREATE, None, variables) == (
        "UNAUTHENTICATED",
        "Sign in to create a webhook: send a bearer token of an editor of 'harlow'.",
    )
    for token in (
        server.token("editor", sub="other@harrow.example", tenants=("harrow",)),
        server.token("auditor", sub="auditor@harlow.example", tenants=("harlow",)),
    ):
        assert error(server, CREATE, token, variables) == (
            "FORBIDDEN",
            "Your token does not allow you to create a webhook for 'harlow'.",
        )
        assert error(server, '{ webhooks(tenant: "harlow") { id } }', token)[0] == "FORBIDDEN"
        assert error(server, 'mutation { deleteWebhook(id: "harlow:webhook-0") }', token)[0] == "FORBIDDEN"
    assert count_events(db) == before
    admin = server.token("platform-admin", sub="admin@example.org")
    made = ok(server, CREATE, admin, variables)["createWebhook"]["webhook"]
    ok(server, "mutation ($id: ID!) { deleteWebhook(id: $id) }", admin, {"id": made["id"]})


@pytest.mark.parametrize(
    ("url", "events", "message"),
    [
        (
            "ftp://example.org/hooks",
            ["*"],
            "'ftp://example.org/hooks' is not an http or https URL; webhooks are sent only over HTTP(S).",
        ),
        (
            "http://127.0.0.1:9/hooks",
            ["*"],
            "The host '127.0.0.1' resolves to 127.0.0.1, a loopback address; webhooks are sent only to public addresses (an operator may allow others with COMPACTS_WEBHOOK_ALLOW_PRIVATE).",
        ),
        (
            "http://169.254.169.254/latest",
            ["*"],
            "The host '169.254.169.254' resolves to 169.254.169.254, a link-local address; webhooks are sent only to public addresses (an operator may allow others with COMPACTS_WEBHOOK_ALLOW_PRIVATE).",
        ),
        (
            "http://10.0.0.8/hooks",
            ["*"],
            "The host '10.0.0.8' resolves to 10.0.0.8, a private address; webhooks are sent only to public addresses (an operator may allow others with COMPACTS_WEBHOOK_ALLOW_PRIVATE).",
        ),
        ("https://example.org/hooks", [], "Name at least one event, or '*' for every event of the tenant."),
    ],
)
def test_a_refused_target_or_event_list_says_why_and_stores_nothing(
    server: Server, clean_db: Database, url: str, events: list[str], message: str
) -> None:
    admin = server.token("platform-admin")
    ok(server, 'mutation { createTenant(slug: "harlow", name: "Harlow", tier: NATIONAL) { slug } }', admin)
    before = count_events(clean_db)
    variables = {"tenant": "harlow", "url": url, "events": events}
    assert error(server, CREATE, admin, variables) == ("BAD_USER_INPUT", message)
    assert count_events(clean_db) == before


def test_the_schema_serves_the_webhook_types(hooked: tuple[Server, Database]) -> None:
    server, _db = hooked
    sdl = server.graphql('{ __type(name: "Delivery") { fields { name } } }').json()["data"]["__type"][
        "fields"
    ]
    assert [f["name"] for f in sdl] == [
        "id",
        "event",
        "status",
        "attempts",
        "lastAttemptAt",
        "responseStatus",
    ]
