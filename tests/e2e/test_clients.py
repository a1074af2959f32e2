"""The typed client examples in clients/: made from today's schema, type-checked, run against the demo."""

from __future__ import annotations

import filecmp
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import tasks
from tests.conftest import ROOT
from tests.e2e.conftest import Server
from tests.e2e.test_docs_examples import examples

CLIENTS = ROOT / "clients"
TYPESCRIPT = CLIENTS / "typescript"

# On one pytest-xdist worker: these tests install into the same node_modules and codegen environment.
pytestmark = pytest.mark.xdist_group("clients")


def differences(made: Path, committed: Path) -> list[str]:
    """Files that differ, or are in one tree only, between what a generator made and what is committed."""
    found: list[str] = []
    compared = filecmp.dircmp(made, committed, ignore=["__pycache__"])
    found += [f"only made: {name}" for name in compared.left_only]
    found += [f"only committed: {name}" for name in compared.right_only]
    found += [f"differs: {name}" for name in compared.diff_files]
    return found


def ran(*args: str | Path, cwd: Path) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def guides_lookup(demo: Server) -> dict[str, Any]:
    """The answer to the integrator guide's lookup (the walk from Harlow to Essex for champions)."""
    query = next(
        q for q in examples(ROOT / "docs/getting-started/integrator.md") if 'matter: "champions"' in q
    )
    body = demo.graphql(query).json()
    assert body["data"]["lookup"]["answeredBy"]["slug"] == "essex", body
    return dict(body["data"])


def test_the_committed_clients_are_what_their_generators_make_of_schema_graphql(tmp_path: Path) -> None:
    tasks.codegen_python(tmp_path)
    tasks.codegen_typescript(tmp_path / "gql")
    assert differences(tmp_path / "compacts_client", CLIENTS / "python" / "compacts_client") == []
    assert differences(tmp_path / "gql", TYPESCRIPT / "src" / "gql") == []


def test_the_python_client_runs_the_guides_lookup(demo: Server) -> None:
    printed = subprocess.run(
        [sys.executable, "lookup.py", f"{demo.url}/graphql", "harlow", "champions", "2012-01-01"],
        cwd=CLIENTS / "python",
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(printed.stdout) == guides_lookup(demo)
    assert printed.stderr.startswith("Essex answers.")


def test_the_typescript_client_type_checks_and_runs_the_guides_lookup_as_a_persisted_query(
    demo: Server,
) -> None:
    tasks.node_packages(TYPESCRIPT)
    # tsc type-checks the example against the generated types before it writes dist/.
    ran(TYPESCRIPT / "node_modules" / ".bin" / "tsc", cwd=TYPESCRIPT)
    lookup = (
        tasks.node_tool("node"),
        "dist/lookup.js",
        f"{demo.url}/graphql",
        "harlow",
        "champions",
        "2012-01-01",
    )
    first = subprocess.run(lookup, cwd=TYPESCRIPT, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(first.stdout) == guides_lookup(demo)
    # Once the registry has the document, the client sends its hash alone.
    again = subprocess.run(lookup, cwd=TYPESCRIPT, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(again.stdout) == guides_lookup(demo)
    assert again.stderr.startswith("Essex answers (sent as hash).")
