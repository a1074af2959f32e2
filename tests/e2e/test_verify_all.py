"""`compacts verify --all`: every tenant checked in parallel processes, one line each, a failure named."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.tenancy import Tier
from infra.database import Database
from projections.worker import ProjectionWorker, wait_until_current
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import ROOT, fresh_database

ADMIN = Actor(sub="admin", roles=frozenset({Role.PLATFORM_ADMIN}))


@pytest.fixture(scope="module")
def three_tenants() -> Iterator[Database]:
    with fresh_database() as db:
        registry = Registry.connect(db)
        try:
            tenants = TenantService(registry)
            tenants.create_tenant(ADMIN, CreateTenant(slug="east", name="East", tier=Tier.NATIONAL))
            tenants.create_tenant(
                ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.REGIONAL, parent="east")
            )
            tenants.create_tenant(
                ADMIN, CreateTenant(slug="harlow", name="Harlow", tier=Tier.DISTRICT, parent="essex")
            )
        finally:
            registry.close()
        worker = ProjectionWorker(db)
        worker.start()
        try:
            wait_until_current(db, timeout=60)
        finally:
            worker.stop()
        yield db


def verify(db: Database, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db.url, "COMPACTS_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "verify", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def results(done: subprocess.CompletedProcess[str]) -> dict[str, tuple[bool, int, int | None]]:
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return {line["tenant"]: (line["ok"], line["checked"], line["first_bad_position"]) for line in lines}


def test_every_tenant_is_verified_in_parallel_processes_one_line_each(
    three_tenants: Database, tmp_path: Path
) -> None:
    done = verify(three_tenants, tmp_path, "--all", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    assert results(done) == {"east": (True, 1, None), "essex": (True, 1, None), "harlow": (True, 1, None)}


def test_naming_a_tenant_and_asking_for_all_at_once_or_neither_is_a_usage_error(
    three_tenants: Database, tmp_path: Path
) -> None:
    for args in ((), ("harlow", "--all")):
        done = verify(three_tenants, tmp_path, *args)
        assert done.returncode == 2
        assert (
            "Name one tenant (compacts verify SLUG) or verify them all (compacts verify --all)."
            in done.stderr
        )


def test_a_tampered_tenant_fails_the_run_and_the_others_still_verify(
    three_tenants: Database, tmp_path: Path
) -> None:
    with psycopg.connect(three_tenants.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(
            "UPDATE registry_events SET state = convert_to(replace(convert_from(state, 'UTF8'), 'Essex', 'Elsewhere'), 'UTF8')"
            " WHERE originator_id = 'essex:tenant'"
        )
    done = verify(three_tenants, tmp_path, "--all")
    assert done.returncode == 1
    assert results(done) == {"east": (True, 1, None), "essex": (False, 1, 1), "harlow": (True, 1, None)}
