"""Apply infra's schema (schema.sql: the event store and its own tables, the roles) under an advisory lock."""

from __future__ import annotations

import logging
from importlib import resources

import psycopg
from psycopg import sql

from infra.database import READER_ROLE, Database
from infra.event_store import create_event_store

log = logging.getLogger(__name__)

# Any fixed number will do; it only has to differ from the projection workers' lock keys.
MIGRATION_LOCK_KEY = 7_100_001


def schema_sql() -> str:
    return resources.files("infra").joinpath("schema.sql").read_text(encoding="utf-8")


def migrate(db: Database, reader_password: str | None = None) -> None:
    """Bring tables, roles and grants up to date; safe to run from many processes at once.

    The read models' tables and their tracking tables are the projections' own (projections/catalogue.py
    `migrate`, which calls this first). The reading role may sign in (the API's reads log in as it); with
    `reader_password` it needs that password, which a server that does not trust local connections
    requires.
    """
    with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        # Serialise concurrent starts: CREATE ... IF NOT EXISTS is not safe under a race.
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            conn.execute(schema_sql().encode())
            login = sql.SQL("ALTER ROLE {} WITH LOGIN").format(sql.Identifier(READER_ROLE))
            if reader_password:
                login = sql.SQL("{} PASSWORD {}").format(login, sql.Literal(reader_password))
            conn.execute(login)
            # The library's own statements (its row type) come after ours, so its CREATE TABLE IF NOT
            # EXISTS finds the event store already made.
            create_event_store(db)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    log.info("schema is up to date")
