"""Every GraphQL example in docs/ runs against the demo and answers without an error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, fresh_database
from tests.e2e.conftest import Server, start_server, stop_server

DOCS = ROOT / "docs"
BLOCK = re.compile(r"```graphql\n(.*?)```", re.DOTALL)
AS = re.compile(r"^# as: (\S+) (\S+)\n")


def examples(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with fresh_database() as database:
        running = start_server(tmp_path_factory.mktemp("docs"), {"DATABASE_URL": database.url}, ("--demo",))
        yield running
        stop_server(running)


def run(server: Server, query: str, token: str | None) -> dict[str, Any]:
    matched = AS.match(query)
    if matched:
        token = server.token(matched.group(1), tenants=(matched.group(2),))
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, (query, body)
    return dict(body["data"])


def test_every_doc_with_graphql_has_its_examples_run_here() -> None:
    with_examples = sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md") if examples(p))
    assert with_examples == ["getting-started/council-officer.md", "getting-started/integrator.md"]


def test_the_integrator_guide_answers_from_the_demo(demo: Server) -> None:
    answers = [run(demo, q, None) for q in examples(DOCS / "getting-started/integrator.md")]
    assert len(answers) == 10
    tiers, harlow, funding, complaints, uniform = answers[:5]
    assert [t["slug"] for t in tiers["tenants"]] == ["harlow", "harrow", "havering", "hertsmere"]
    assert harlow["tenant"]["compact"]["title"] == "The Harlow Compact"
    # Harlow's own compact covers funding; only the county's covers disputes.
    assert funding["lookup"]["answeredBy"]["slug"] == "harlow"
    assert complaints["lookup"]["answeredBy"]["slug"] == "essex"
    assert [(s["tenant"]["slug"], s["covered"]) for s in complaints["lookup"]["trail"]] == [
        ("harlow", False),
        ("essex", True),
    ]
    assert uniform["lookup"]["answeredBy"]["slug"] == "england"
    dashboards = answers[-2]
    assert [(a["tenant"]["slug"], a["codeTitle"]) for a in dashboards["codeAdoptions"]] == [
        ("havering", "Equality and Diversity")
    ]
    # Havering reviewed in April 2011; the other districts not in the twelve months to 2012.
    assert [(g["tenant"]["slug"], g["lastReviewOn"]) for g in dashboards["tenantsWithoutAnnualReview"]] == [
        ("harlow", "2005-01-20"),
        ("harrow", None),
        ("hertsmere", None),
    ]
    private = answers[-1]
    assert private["tenant"]["disputes"][0]["key"] == "grant-conditions-2010"
    assert private["verifyHistory"]["ok"] is True


# After the integrator's guide, which reads the demo as it was recorded.
def test_the_officer_guide_runs_in_order(demo: Server) -> None:
    admin = demo.token("platform-admin")
    answers = [run(demo, q, admin) for q in examples(DOCS / "getting-started/council-officer.md")]
    assert len(answers) == 7
    assert answers[1]["publishCompact"]["version"] == 1
    findings = answers[-1]["compliance"]["findings"]
    assert [f["subject"] for f in findings] == ["Epping Forest District Council"]
    assert findings[0]["rule"]["title"] == "Every signed party has a Compact Champion"
