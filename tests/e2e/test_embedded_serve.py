"""`compacts serve` with no DATABASE_URL: its embedded PostgreSQL keeps tenants across restarts."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import start_server, stop_server


@pytest.fixture
def home() -> Iterator[Path]:
    """A data folder outside pytest's own temporary root, which pytest keeps private (mode 0700) to
    its user: the embedded server runs as another user when the tests run as root."""
    folder = Path(tempfile.mkdtemp(prefix="compacts-embedded-"))
    yield folder / "home"
    shutil.rmtree(folder, ignore_errors=True)


def test_tenants_survive_a_restart_and_health_reports_a_dead_database(home: Path) -> None:
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
