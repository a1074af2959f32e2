"""`compacts serve --workers N`: N API processes under either HTTP server, the projection worker in one process."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from infra.database import Database
from projections.worker import LOCK_NAMESPACE
from tests.conftest import fresh_database
from tests.e2e.conftest import start_server, stop_server

CREATE = 'mutation { createTenant(slug: "%s", name: "Spread", tier: NATIONAL) { slug } }'
# This database's holders only: other tests' servers hold the same locks in databases of their own.
HOLDERS = (
    "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def api_processes(pid: int) -> list[int]:
    """The serving processes `pid` started (not multiprocessing's resource tracker beside them)."""
    children = [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [c for c in children if b"resource_tracker" not in Path(f"/proc/{c}/cmdline").read_bytes()]


def projecting_pids(db: Database) -> list[int]:
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        return [row[0] for row in conn.execute(HOLDERS, (LOCK_NAMESPACE,)).fetchall()]


@pytest.mark.parametrize("http_server", ["granian", "uvicorn"])
def test_two_api_processes_answer_and_one_process_projects(tmp_path: Path, http_server: str) -> None:
    with fresh_database() as db:
        server = start_server(tmp_path, {"DATABASE_URL": db.url}, ("--workers", "2", "--server", http_server))
        try:
            assert len(api_processes(server.process.pid)) == 2
            admin = server.token("platform-admin")
            # Read-your-writes across the processes: each mutation waits for the one worker to project it.
            for n in range(6):
                made = server.graphql(CREATE % f"spread-{n}", token=admin)
                assert made.json() == {"data": {"createTenant": {"slug": f"spread-{n}"}}}
            answer = server.graphql("{ tenants { slug } }")
            # No banner names the server's software, whichever it is.
            assert answer.headers.get("server") in (None, "compact-registry")
            listed = answer.json()["data"]["tenants"]
            assert {t["slug"] for t in listed} == {f"spread-{n}" for n in range(6)}
            # Every read model is held by one session: the parent's worker, not one per API process.
            assert len(projecting_pids(db)) == 1
        finally:
            stop_server(server)
