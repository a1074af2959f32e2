"""The real app over real HTTP: `compacts serve` in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from infra.database import Database
from infra.tokens import development_keys, mint_token
from tests.conftest import PROJECTED, fresh_database


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path
    # What verifies the server's certificate, when it serves HTTPS.
    verify: ssl.SSLContext | bool = True
    # Where its stderr (its log lines) went, when kept apart from its stdout.
    errors: Path | None = None

    def token(
        self, *roles: str, sub: str = "tester@example.org", tenants: tuple[str, ...] = (), ttl: int = 600
    ) -> str:
        return mint_token(
            development_keys(self.home),
            sub=sub,
            roles=list(roles),
            tenants=list(tenants),
            issuer="compact-registry",
            audience="compact-registry",
            ttl=ttl,
        )

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=30,
            verify=self.verify,
        )


def start_server(
    home: Path,
    env_overrides: dict[str, str],
    args: tuple[str, ...] = (),
    *,
    tls: ssl.SSLContext | None = None,
    apart: bool = False,
) -> Server:
    """`compacts serve` with the environment given; `tls` trusts its certificate when it serves HTTPS;
    `apart` keeps its stderr (its log lines) in a file of its own."""
    port = free_port()
    home.mkdir(parents=True, exist_ok=True)
    log = home / f"serve-{port}.log"
    errors = home / f"serve-{port}.err" if apart else None
    env = {**os.environ, "COMPACTS_HOME": str(home), **env_overrides}
    if "DATABASE_URL" not in env_overrides:
        env.pop("DATABASE_URL", None)
    with log.open("wb") as out, (errors or log).open("ab") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve", "--port", str(port), *args],
            env=env,
            stdout=out,
            stderr=err if apart else subprocess.STDOUT,
        )
    server = Server(
        f"{'https' if tls else 'http'}://127.0.0.1:{port}", home, process, log, tls or True, errors
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"compacts serve exited:\n{log.read_text()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1, verify=server.verify).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"compacts serve did not become healthy:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@pytest.fixture(scope="session")
def db() -> Iterator[Database]:
    """A database of the e2e tests' own: the server's in-process worker projects it alone."""
    with fresh_database() as database:
        yield database


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`compacts serve --demo` on a database of its own, shared by the tests that read the demo.

    The officer's guide (tests/e2e/test_docs_examples.py) adds a district of its own to it: tests that
    list every tenant run before that one, or allow for it.
    """
    with fresh_database() as database:
        running = start_server(tmp_path_factory.mktemp("demo"), {"DATABASE_URL": database.url}, ("--demo",))
        # `serve --demo` brings the read models up to date before it answers; wait in case it did not.
        deadline = time.monotonic() + 60
        last = '{ tenant(slug: "havering") { steeringGroup { role } } }'
        while True:
            tenant = (running.graphql(last).json().get("data") or {}).get("tenant")
            if tenant and len(tenant["steeringGroup"]) == 8:
                break
            assert time.monotonic() < deadline, "the demo was not projected in time"
            time.sleep(0.2)
        yield running
        stop_server(running)


@pytest.fixture(scope="session")
def server(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("home"), {"DATABASE_URL": db.url})
    PROJECTED.add(db.url)
    yield running
    PROJECTED.discard(db.url)
    stop_server(running)


def _ok(server: Server, query: str, token: str) -> None:
    body = server.graphql(query, token=token).json()
    assert "errors" not in body, body


@pytest.fixture(scope="session")
def hooked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Database]]:
    """A server of its own that may send to loopback receivers, retrying within a fraction of a second."""
    with fresh_database() as database:
        running = start_server(
            tmp_path_factory.mktemp("hooks"),
            {
                "DATABASE_URL": database.url,
                "COMPACTS_WEBHOOK_ALLOW_PRIVATE": "true",
                "COMPACTS_WEBHOOK_RETRY_SECONDS": "0.05",
            },
        )
        admin = running.token("platform-admin")
        _ok(
            running,
            'mutation { createTenant(slug: "harlow", name: "Harlow", tier: NATIONAL) { slug } }',
            admin,
        )
        _ok(
            running,
            'mutation { createTenant(slug: "harrow", name: "Harrow", tier: NATIONAL) { slug } }',
            admin,
        )
        _ok(running, """mutation { publishCompact(tenant: "harlow", title: "Harlow Compact", effectiveOn: "2020-01-01",
            sections: [{key: "1", heading: "Principles", text: "We work together.", matters: ["partnership"]}]) { version } }""", admin)  # fmt: skip
        yield running, database
        stop_server(running)
