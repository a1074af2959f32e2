"""DATABASE_URL's options reach all three drivers: asyncpg, psycopg and eventsourcing's recorder pool.

A PostgreSQL of the test's own serves TLS with a certificate from the test's own authority, so a connection
with `sslmode=verify-full` succeeds only where `sslrootcert` reached the driver, and pg_stat_ssl and
pg_stat_activity show from the server's side that the connection is encrypted and carries its name.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import psycopg
import pytest

from api.tools.soak import OwnServer
from infra.availability import DatabaseUnavailable
from infra.database import Database
from infra.event_store import datastore_of
from services.registry import Registry
from tests.conftest import EMBEDDED_HOME
from tests.support import Certificates, certificates

# What the server says of the connection asking: its name, and whether it is encrypted.
WHO_AM_I = """
SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
WHERE a.pid = pg_backend_pid()
"""
NAME = "compacts-options-test"


def tls_capable_binaries() -> Path | None:
    """A PostgreSQL build with TLS: the embedded one has none, the machine's packaged server has."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    candidates += sorted(Path("/usr").glob("pgsql-*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "pg_config").exists() and (folder / "initdb").exists():
            configured = subprocess.run(
                [str(folder / "pg_config"), "--configure"], capture_output=True, text=True, check=False
            ).stdout
            if "openssl" in configured:
                return folder
    return None


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[OwnServer, Certificates]]:
    binaries = tls_capable_binaries()
    if binaries is None:
        # CI's machine has the packaged server; only a machine with nothing but Python may lack it.
        assert not os.environ.get("CI"), "CI needs a PostgreSQL build with TLS (Debian: postgresql-15)"
        pytest.skip("no PostgreSQL build with TLS on this machine (Debian: apt-get install postgresql-15)")
    made = certificates(tmp_path_factory.mktemp("certs"))
    # Beside the embedded test server, not in pytest's folder: pytest keeps that one to its own user, and
    # the server runs as another.
    server = OwnServer(EMBEDDED_HOME / "tls", binaries)
    # The server reads its certificate and key from its data folder, as the user it runs as.
    for source, name in ((made.cert, "server.crt"), (made.key, "server.key")):
        target = server.data / name
        shutil.copy(source, target)
        target.chmod(0o600)
        if server.user is not None:
            shutil.chown(target, server.user, server.user)
    with (server.data / "postgresql.conf").open("a") as conf:
        conf.write("ssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n")
    server.start()
    yield server, made
    server.remove()


def url(server: OwnServer, ca: Path, **extra: str) -> Database:
    options = {"sslmode": "verify-full", "sslrootcert": str(ca), "application_name": NAME, **extra}
    return Database(f"postgresql://postgres@127.0.0.1:{server.port}/postgres?{urlencode(options)}")


async def asyncpg_sees(db: Database) -> tuple[Any, ...]:
    conn = await asyncpg.connect(**db.asyncpg_kwargs())
    try:
        return tuple(await conn.fetchrow(WHO_AM_I))
    finally:
        await conn.close()


def psycopg_sees(db: Database) -> tuple[Any, ...]:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        row = conn.execute(WHO_AM_I).fetchone()
    assert row is not None
    return tuple(row)


def recorder_sees(db: Database) -> tuple[Any, ...]:
    registry = Registry.connect(db)
    try:
        with datastore_of(registry).transaction(commit=False) as cursor:
            cursor.execute(WHO_AM_I)
            row = cursor.fetchone()
    finally:
        registry.close()
    assert row is not None
    return (row["application_name"], row["ssl"])


def test_every_driver_connects_encrypted_verified_and_named_as_the_url_says(
    tls_server: tuple[OwnServer, Certificates],
) -> None:
    server, made = tls_server
    db = url(server, made.ca, connect_timeout="5")
    assert asyncio.run(asyncpg_sees(db)) == (NAME, True)
    assert psycopg_sees(db) == (NAME, True)
    assert recorder_sees(db) == (NAME, True)


def test_every_driver_refuses_a_server_its_root_certificate_does_not_vouch_for(
    tls_server: tuple[OwnServer, Certificates], tmp_path: Path
) -> None:
    server, _ = tls_server
    stranger = certificates(tmp_path / "other", authority="Someone else's CA")
    db = url(server, stranger.ca)
    with pytest.raises(ssl.SSLCertVerificationError):
        asyncio.run(asyncpg_sees(db))
    with pytest.raises(psycopg.OperationalError, match="certificate verify failed"):
        psycopg_sees(db)
    # The event store takes a server it cannot verify for one it cannot reach, and refuses to use it.
    with pytest.raises(DatabaseUnavailable):
        recorder_sees(db)


def test_sslmode_disable_reaches_every_driver_which_would_otherwise_prefer_tls(
    tls_server: tuple[OwnServer, Certificates],
) -> None:
    server, _ = tls_server
    # Each driver's default (prefer) would encrypt against this server: plain text means the option arrived.
    db = Database(
        f"postgresql://postgres@127.0.0.1:{server.port}/postgres?sslmode=disable&application_name={NAME}"
    )
    assert asyncio.run(asyncpg_sees(db)) == (NAME, False)
    assert psycopg_sees(db) == (NAME, False)
    assert recorder_sees(db) == (NAME, False)
