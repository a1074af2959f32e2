"""A dispute through all three stages over HTTP, late at one, read in compliance and hidden from others."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from infra.database import Database
from tests.conftest import count_events
from tests.e2e.conftest import Server


def ok(server: Server, query: str, token: str | None = None) -> dict[str, Any]:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body
    return dict(body["data"])


def error(server: Server, query: str, token: str | None) -> tuple[str, str]:
    first = server.graphql(query, token=token).json()["errors"][0]
    return str(first["extensions"]["code"]), str(first["message"])


@pytest.fixture
def tenants(server: Server, clean_db: Database) -> dict[str, str]:
    """England (with two signed parties) and London, each with an editor; plus an auditor of England."""
    admin = server.token("platform-admin")
    ok(server, 'mutation { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }', admin)
    ok(server, 'mutation { createTenant(slug: "london", name: "London", tier: REGIONAL, parent: "england") { slug } }', admin)  # fmt: skip
    ok(server, f"""mutation {{ publishCompact(tenant: "england", title: "Compact", effectiveOn: "2020-01-01",
        sections: [{{key: "1", heading: "Keeping it", text: "Three stages.", matters: ["disputes"],
                     commitments: [{ENGLAND_COMMITMENTS}]}}]) {{ version }} }}""", admin)  # fmt: skip
    ok(server, """mutation { publishCompact(tenant: "london", title: "Compact", effectiveOn: "2020-01-01",
        sections: [{key: "1", heading: "Disputes", text: "Three stages.", matters: ["disputes"]}]) { version } }""", admin)  # fmt: skip
    for party, sector in (("Council", "STATUTORY"), ("CVS", "VOLUNTARY_COMMUNITY")):
        ok(server, f'mutation {{ signCompact(tenant: "england", party: "{party}", sector: {sector}, signedOn: "2020-02-01") {{ name }} }}', admin)  # fmt: skip
    return {
        "editor": server.token("editor", tenants=("england",)),
        "auditor": server.token("auditor", sub="auditor@example.org", tenants=("england",)),
        "other": server.token("editor", "auditor", sub="london@example.org", tenants=("london",)),
    }


DISPUTE_FIELDS = "key status stage stages { stage startedOn deadlineOn endedOn handledBy overdue }"
# The scripted national compact's own commitments: each figure the checks below use is one it sets.
ENGLAND_COMMITMENTS = """
    {key: "dispute-process", kind: DISPUTE_PROCESS, summary: "Three steps with time limits.",
     steps: [{stage: BETWEEN_PARTIES, period: {amount: 10, unit: DAYS}},
             {stage: INVESTIGATION, period: {amount: 20, unit: DAYS}},
             {stage: MEDIATION, period: {amount: 30, unit: DAYS}}]},
    {key: "consultation-period", kind: CONSULTATION_PERIOD, summary: "Twelve weeks.", period: {amount: 12, unit: WEEKS}},
    {key: "funding-notice", kind: FUNDING_NOTICE, summary: "Three months, save in exceptional circumstances.",
     bound: ["public bodies"], period: {amount: 3, unit: MONTHS}, exceptions: ["exceptional circumstances"]},
    {key: "champions", kind: CHAMPIONS, summary: "Every partner names a champion.", bound: ["all partners"]},
    {key: "annual-review", kind: ANNUAL_REVIEW, summary: "Reviewed every year."}
"""


def test_a_dispute_runs_through_three_stages_late_at_one_and_compliance_names_it(
    server: Server, tenants: dict[str, str], db: Database
) -> None:
    editor = tenants["editor"]
    raised = ok(server, f"""mutation {{ raiseDispute(tenant: "england", key: "late-grant", raisedBy: "cvs",
        against: "Council", commitment: "Timely payment", summary: "Paid late", raisedOn: "2021-01-01")
        {{ raisedBy against {DISPUTE_FIELDS} }} }}""", editor)["raiseDispute"]  # fmt: skip
    assert raised["raisedBy"] == "CVS"
    assert raised["stages"] == [
        {"stage": "BETWEEN_PARTIES", "startedOn": "2021-01-01", "deadlineOn": "2021-01-11", "endedOn": None,
         "handledBy": None, "overdue": True},
    ]  # fmt: skip

    # Skipping a stage is refused and stores nothing.
    before = count_events(db)
    code, message = error(server, """mutation { escalateDispute(tenant: "england", key: "late-grant", to: MEDIATION,
        on: "2021-01-05", handledBy: "West London", reason: "Stuck") { key } }""", editor)  # fmt: skip
    assert (code, message) == (
        "BAD_USER_INPUT",
        "The dispute 'late-grant' is at BETWEEN_PARTIES; it cannot go to MEDIATION: the next step is "
        "INVESTIGATION (its steps: BETWEEN_PARTIES, INVESTIGATION, MEDIATION).",
    )
    assert count_events(db) == before

    # The first stage runs 21 days past its 10: late. The next two end within theirs.
    ok(server, """mutation { escalateDispute(tenant: "england", key: "late-grant", to: INVESTIGATION, on: "2021-02-01",
        handledBy: "Relationship manager", reason: "No agreement") { key } }""", editor)  # fmt: skip
    compliance = ok(server, """{ compliance(tenant: "england", asOf: "2021-03-01") { includesPrivate
        findings { kind subject detail dueOn explanation governedBy { key tenant { slug } section { key } summary } } } }""",
        tenants["auditor"])["compliance"]  # fmt: skip
    assert compliance["includesPrivate"] is True
    late = [f for f in compliance["findings"] if f["kind"] == "DISPUTE_PROCESS"]
    assert late == [
        {
            "kind": "DISPUTE_PROCESS",
            "subject": "late-grant",
            "detail": "the INVESTIGATION step began on 2021-02-01 and was due to end by 2021-02-21 (8 days late)",
            "dueOn": "2021-02-21",
            "explanation": "England's own compact commits to a dispute process on 2021-01-01.",
            "governedBy": {
                "key": "dispute-process",
                "tenant": {"slug": "england"},
                "section": {"key": "1"},
                "summary": "Three steps with time limits.",
            },
        }
    ]
    ok(server, """mutation { escalateDispute(tenant: "england", key: "late-grant", to: MEDIATION, on: "2021-02-15",
        handledBy: "West London partnership", reason: "Investigation did not settle it") { key } }""", editor)  # fmt: skip
    ok(server, """mutation { referPartyToBoard(tenant: "england", dispute: "late-grant", party: "council", on: "2021-02-20",
        finding: "Payments outside the agreed terms") { party dispute } }""", editor)  # fmt: skip
    resolved = ok(server, f"""mutation {{ resolveDispute(tenant: "england", key: "late-grant", on: "2021-03-01",
        outcome: "Paid with interest") {{ outcome closedOn referrals {{ party }} {DISPUTE_FIELDS} }} }}""", editor)["resolveDispute"]  # fmt: skip
    assert resolved["status"] == "RESOLVED"
    assert resolved["stage"] == "MEDIATION"
    assert resolved["referrals"] == [{"party": "Council"}]
    assert [(s["stage"], s["endedOn"], s["overdue"]) for s in resolved["stages"]] == [
        ("BETWEEN_PARTIES", "2021-02-01", True),
        ("INVESTIGATION", "2021-02-15", False),
        ("MEDIATION", "2021-03-01", False),
    ]
    assert error(server, """mutation { escalateDispute(tenant: "england", key: "late-grant", to: MEDIATION,
        on: "2021-03-02", handledBy: "x", reason: "y") { key } }""", editor)[0] == "BAD_USER_INPUT"  # fmt: skip
    after = ok(server, '{ compliance(tenant: "england", asOf: "2021-03-02") { findings { kind } } }', editor)
    assert "DISPUTE_PROCESS" not in {f["kind"] for f in after["compliance"]["findings"]}

    # Another tenant's editor and auditor, and the public, never see it: not by field, alias or report.
    for token in (tenants["other"], None):
        body = server.graphql(
            """{ a: tenant(slug: "england") { disputes { key } } b: tenant(slug: "england") { slug disputes(asOf: "2021-02-01") { key summary } }
                 r: annualReport(tenant: "england", year: 2021) { disputes { raised } markdown html }
                 c: compliance(tenant: "england", asOf: "2021-03-01") { includesPrivate findings { subject detail } }
                 tenants { slug disputes { key } } }""",
            token=token,
        ).json()  # fmt: skip
        assert "errors" not in body, body
        data = body["data"]
        assert data["a"]["disputes"] == []
        assert data["b"]["disputes"] == []
        assert data["r"]["disputes"] is None
        assert data["c"]["includesPrivate"] is False
        text = json.dumps(body)
        for secret in ("late-grant", "Paid late", "Timely payment", "West London", "Paid with interest"):
            assert secret not in text
        assert error(server, '{ history(tenant: "england") { edges { node { type } } } }', token)[0] in {
            "FORBIDDEN",
            "UNAUTHENTICATED",
        }
    # Nor may another tenant's editor move it.
    assert error(server, """mutation { resolveDispute(tenant: "england", key: "late-grant", on: "2021-03-05",
        outcome: "x") { key } }""", tenants["other"])[0] == "FORBIDDEN"  # fmt: skip


def test_a_consultation_and_a_short_notice_show_in_compliance_until_explained_and_the_report_renders(
    server: Server, tenants: dict[str, str], db: Database
) -> None:
    editor = tenants["editor"]
    opened = ok(server, """mutation { openConsultation(tenant: "england", key: "refresh", title: "Compact refresh",
        consulted: ["Voluntary sector"], opensOn: "2021-06-01", closesOn: "2021-07-01")
        { weeks minimum { amount unit text } short shortReason responses { respondent } governedBy { key } } }""",
        editor)["openConsultation"]  # fmt: skip
    assert opened == {
        "weeks": 4.3,
        "minimum": {"amount": 12, "unit": "WEEKS", "text": "12 weeks"},
        "short": True,
        "shortReason": None,
        "responses": [],
        "governedBy": {"key": "consultation-period"},
    }
    code, message = error(server, """mutation { closeConsultation(tenant: "england", key: "refresh", on: "2021-05-01")
        { key } }""", editor)  # fmt: skip
    assert (code, message) == (
        "BAD_USER_INPUT",
        "The consultation 'refresh' opens on 2021-06-01; it cannot close before it opened (2021-05-01).",
    )
    ok(server, """mutation { closeConsultation(tenant: "england", key: "refresh", on: "2021-07-01") { key } }""", editor)  # fmt: skip
    code, _ = error(server, """mutation { recordConsultationResponse(tenant: "england", key: "refresh",
        respondent: "CVS", receivedOn: "2021-07-02", summary: "Late") { key } }""", editor)  # fmt: skip
    assert code == "BAD_USER_INPUT"
    ok(server, """mutation { giveFundingNotice(tenant: "england", key: "advice", publicBody: "Council",
        voluntaryBody: "Advice Centre", change: ENDED, givenOn: "2021-06-01", effectiveOn: "2021-07-01",
        rationale: "Recommissioned") { short } }""", editor)  # fmt: skip
    # The commitment binds public bodies: a voluntary party's notice is not one it governs.
    code, message = error(server, """mutation { giveFundingNotice(tenant: "england", key: "wrong", publicBody: "CVS",
        voluntaryBody: "Advice Centre", change: ENDED, givenOn: "2021-06-01", effectiveOn: "2021-12-01",
        rationale: "r") { short } }""", editor)  # fmt: skip
    assert (code, message) == (
        "BAD_USER_INPUT",
        "CVS is not among those the funding-notice commitment binds (england section 1: public bodies).",
    )

    def rules_broken() -> list[str]:
        found = ok(
            server,
            '{ compliance(tenant: "england", asOf: "2021-08-01") { findings { kind subject } ungoverned } }',
        )
        assert found["compliance"]["ungoverned"] == ["CODE_REVIEW"]
        return sorted(f"{f['kind']}:{f['subject']}" for f in found["compliance"]["findings"])

    assert rules_broken() == [
        "ANNUAL_REVIEW:compact",
        "CHAMPIONS:CVS",
        "CHAMPIONS:Council",
        "CONSULTATION_PERIOD:refresh",
        "FUNDING_NOTICE:advice",
    ]
    ok(server, """mutation { explainShortConsultation(tenant: "england", key: "refresh", reason: URGENCY,
        explanation: "Budget deadline") { shortReason } }""", editor)  # fmt: skip
    ok(server, """mutation { recordExceptionalCircumstances(tenant: "england", key: "advice",
        circumstances: "Funder withdrew") { exceptionalCircumstances } }""", editor)  # fmt: skip
    assert rules_broken() == ["ANNUAL_REVIEW:compact", "CHAMPIONS:CVS", "CHAMPIONS:Council"]

    # The published report comes out of the command line too.
    env = {**os.environ, "DATABASE_URL": db.url, "COMPACTS_HOME": str(server.home)}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "report", "england", "2021", "--format", "html"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "<h1>England: annual report 2021</h1>" in done.stdout
    assert "2021-06-01: Council to Advice Centre, funding ended from 2021-07-01" in done.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "api.cli", "report", "nowhere", "2021"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (missing.returncode, missing.stderr.strip()) == (3, "There is no tenant 'nowhere'.")
