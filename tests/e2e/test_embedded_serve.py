"""`compacts serve` with no DATABASE_URL: its embedded PostgreSQL keeps tenants across restarts."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import start_server, stop_server


def test_tenants_survive_a_restart_and_health_reports_a_dead_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = start_server(home, {})
    try:
        admin = server.token("platform-admin")
        created = server.graphql(
            'mutation { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }',
            token=admin,
        )
        assert created.json() == {"data": {"createTenant": {"slug": "england"}}}
    finally:
        stop_server(server)
    # SIGTERM is a clean stop: the embedded PostgreSQL goes down with the server that started it.
    assert not (home / "pgdata" / "postmaster.pid").exists()

    again = start_server(home, {})
    try:
        assert again.graphql("{ tenants { slug name } }").json() == {
            "data": {"tenants": [{"slug": "england", "name": "England"}]}
        }
        # SIGINT is PostgreSQL's fast shutdown; the postmaster's pid heads postmaster.pid.
        postmaster = int((home / "pgdata" / "postmaster.pid").read_text().split()[0])
        os.kill(postmaster, signal.SIGINT)
        assert httpx.get(f"{again.url}/health", timeout=10).status_code == 503
    finally:
        stop_server(again)


@pytest.fixture(autouse=True)
def _no_shared_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
