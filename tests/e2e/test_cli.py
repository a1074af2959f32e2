"""The `compacts` admin commands as a script uses them: JSON out, exit codes that name the outcome."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from infra.database import Database
from tests.conftest import count_events, fresh_database
from tests.unit.test_document_import import SEEDS, seeds_folder


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    with fresh_database() as db:
        yield db


def compacts(db: Database, home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db.url, "COMPACTS_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env, capture_output=True, text=True, input=stdin, timeout=120, check=False,
    )  # fmt: skip


def as_json(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_import_dry_run_lists_what_it_would_publish_and_stores_nothing(
    database: Database, tmp_path: Path
) -> None:
    seed = seeds_folder() / SEEDS["essex"]
    listing = as_json(
        compacts(database, tmp_path, "import", str(seed), "--tenant", "essex", "--dry-run", "--json")
    )
    assert listing["title"] == "The Compact for Essex"
    assert [s["key"] for s in listing["sections"]] == ["1", "2", "3", "4", "5", "5-2", "6"]
    assert count_events(database) == 0
    text = compacts(database, tmp_path, "import", str(seed), "--tenant", "essex", "--dry-run")
    assert text.returncode == 0
    lines = text.stdout.splitlines()
    assert lines[0] == "The Compact for Essex: 7 sections, read as headings (nothing stored: --dry-run)"
    # Each proposed commitment is shown under its section, with the compact's own words it was read from.
    at = lines.index(next(line for line in lines if line.lstrip().startswith("6 ")))
    assert lines[at + 1].split(":")[0].split() == [
        "IN_FORCE",
        "ANNUAL_REVIEW",
        "'annual-review',",
        "no",
        "figure,",
        "binds",
        "partners",
    ]
    assert lines[at + 2].strip().startswith('"')
    assert any("PLANNED DISPUTE_PROCESS 'dispute-process'" in line for line in lines[at:])
    assert listing["shape"] == "headings"
    planned = next(s for s in listing["sections"] if s["key"] == "6")
    assert planned["planned"] == ["disputes"]
    assert [c["kind"] for c in planned["commitments"]] == ["ANNUAL_REVIEW", "DISPUTE_PROCESS"]


def test_tenants_import_and_amend_from_the_command_line(database: Database, tmp_path: Path) -> None:
    for slug, name, tier, parent in (
        ("england", "England", "NATIONAL", None),
        ("east-of-england", "East of England", "REGIONAL", "england"),
        ("essex", "Essex", "COUNTY", "east-of-england"),
        ("harlow", "Harlow", "DISTRICT", "essex"),
    ):
        created = as_json(
            compacts(database, tmp_path, "tenants", "create", slug, name, "--tier", tier,
                     *(("--parent", parent) if parent else ()), "--json")
        )  # fmt: skip
        assert (created["slug"], created["parent"]) == (slug, parent)
    taken = compacts(
        database, tmp_path, "tenants", "create", "harlow", "Harlow", "--tier", "DISTRICT", "--parent", "essex"
    )
    assert (taken.returncode, taken.stderr.strip()) == (
        5,
        "CONFLICT: The slug 'harlow' is already taken by another tenant; choose another.",
    )
    listed = as_json(compacts(database, tmp_path, "tenants", "list", "--json"))
    assert [(t["slug"], t["tier"]) for t in listed] == [
        ("east-of-england", "REGIONAL"),
        ("england", "NATIONAL"),
        ("essex", "COUNTY"),
        ("harlow", "DISTRICT"),
    ]

    seed = seeds_folder() / SEEDS["harlow"]
    published = as_json(
        compacts(
            database,
            tmp_path,
            "import",
            str(seed),
            "--tenant",
            "harlow",
            "--effective-on",
            "2004-01-14",
            "--json",
        )
    )
    assert (published["action"], published["effective_on"]) == ("published", "2004-01-14")
    shown = as_json(compacts(database, tmp_path, "tenants", "show", "harlow", "--json"))
    assert shown["compact"]["title"] == "The Harlow Compact"
    assert shown["compact"]["version"] == 1
    assert shown["compact"]["sections"][-1] == "next-steps"

    # A later edition as Markdown: one section changed, one added; the differences come first.
    edition = tmp_path / "harlow-2006.md"
    edition.write_text(
        "# The Harlow Compact\n\n## Making it work\n\nThe compact group reviews the compact every year.\n\n"
        "## Disputes\n\nDisagreements go first to the parties, then to mediation.\n",
        encoding="utf-8",
    )
    refused = compacts(database, tmp_path, "import", str(edition), "--tenant", "harlow", stdin="n\n")
    assert refused.returncode == 1
    assert "+ disputes Disputes" in refused.stdout
    assert "~ making-it-work Making it work:" in refused.stdout
    amended = compacts(
        database,
        tmp_path,
        "import",
        str(edition),
        "--tenant",
        "harlow",
        "--effective-on",
        "2006-04-01",
        "--yes",
    )
    assert amended.returncode == 0, amended.stderr
    assert amended.stdout.splitlines()[-1] == (
        "harlow: The Harlow Compact amended from version 1, 2 sections, in effect from 2006-04-01"
    )
    shown = as_json(compacts(database, tmp_path, "tenants", "show", "harlow", "--json"))
    assert (shown["compact"]["version"], shown["compact"]["sections"]) == (2, ["making-it-work", "disputes"])


def test_refusals_exit_with_their_code_and_store_nothing(database: Database, tmp_path: Path) -> None:
    before = count_events(database)
    binary = tmp_path / "compact.pdf"
    binary.write_bytes(b"%PDF-1.4\x00\x00\x01")
    done = compacts(database, tmp_path, "import", str(binary), "--tenant", "harlow")
    assert done.returncode == 4
    assert done.stderr.startswith("BAD_USER_INPUT: The file looks like a binary file")
    missing = compacts(database, tmp_path, "tenants", "show", "nowhere")
    assert (missing.returncode, missing.stderr.strip()) == (3, "NOT_FOUND: There is no tenant 'nowhere'.")
    seed = seeds_folder() / SEEDS["hertsmere"]
    unknown = compacts(database, tmp_path, "import", str(seed), "--tenant", "hertsmere", "--yes")
    assert (unknown.returncode, unknown.stderr.strip()) == (3, "NOT_FOUND: There is no tenant 'hertsmere'.")
    assert count_events(database) == before


def test_rebuild_from_the_command_line_checks_then_swaps(database: Database, tmp_path: Path) -> None:
    checked = compacts(database, tmp_path, "rebuild", "--check", "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout) == {"swapped": False, "differences": []}
    with psycopg.connect(database.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("UPDATE tenants SET name = 'Tampered' WHERE tenant_id = 'harlow'")
    differs = compacts(database, tmp_path, "rebuild", "--check", "--projection", "tenant_directory")
    assert differs.returncode == 1
    assert differs.stdout.splitlines() == ["tenants: 2 rows differ (live 4, rebuilt 4)"]
    swapped = as_json(compacts(database, tmp_path, "rebuild", "--projection", "tenant_directory", "--json"))
    assert swapped["swapped"] is True
    assert [d["table"] for d in swapped["differences"]] == ["tenants"]
    assert as_json(compacts(database, tmp_path, "tenants", "show", "harlow", "--json"))["name"] == "Harlow"
    unknown = compacts(database, tmp_path, "rebuild", "--projection", "codes")
    assert unknown.returncode == 4
