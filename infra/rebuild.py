"""Replay every event into a scratch database and compare its read models with the live ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from infra.database import Database, scratch_database
from infra.migrate import migrate
from projections.worker import ProjectionWorker, wait_until_current

# Every read model, with the columns that order its rows for a comparison.
READ_MODELS: dict[str, str] = {
    "tenants": "tenant_id",
    "tenant_ancestors": "tenant_id, depth",
    "compact_versions": "tenant_id, version",
    "compact_sections": "tenant_id, version, key",
    "party_memberships": "tenant_id, party_key, membership",
    "party_contacts": "tenant_id, party_key",
    "champion_appointments": "tenant_id, party_key, appointment",
    "codes": "tenant_id, key",
    "code_matters": "tenant_id, key, matter",
    "code_endorsements": "tenant_id, key, party",
    "steering_terms": "tenant_id, term",
    "amendment_proposals": "tenant_id, key",
    "annual_reviews": "tenant_id, held_on",
    "annual_review_projects": "tenant_id, held_on, project",
    "compact_rules": "tenant_id",
    "disputes": "tenant_id, key",
    "dispute_stages": "tenant_id, key, stage",
    "board_referrals": "tenant_id, key, party",
    "consultations": "tenant_id, key",
    "consultation_responses": "tenant_id, key, respondent",
    "funding_notices": "tenant_id, key",
    "tenant_events": "tenant_id, position",
}
# The event store and the keys the projections need to open sealed personal data.
COPIED = {
    "registry_events": "originator_id, originator_version, topic, state, notification_id",
    "person_keys": "subject, key, created_at",
}


@dataclass(frozen=True)
class Difference:
    table: str
    live_rows: int
    replayed_rows: int
    differing_rows: int


def _copy(source: Database, target: Database) -> int:
    """Stream the event store (and person keys) into the scratch database, in order."""
    copied = 0
    with psycopg.connect(source.psycopg_conninfo()) as src, psycopg.connect(target.psycopg_conninfo()) as dst:
        for table, columns in COPIED.items():
            cols = sql.SQL(columns)
            out = sql.SQL("COPY (SELECT {} FROM {} ORDER BY 1, 2) TO STDOUT (FORMAT BINARY)").format(
                cols, sql.Identifier(table)
            )
            into = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(sql.Identifier(table), cols)
            with src.cursor().copy(out) as reading, dst.cursor().copy(into) as writing:
                for block in reading:
                    writing.write(block)
        dst.execute(
            "SELECT setval('registry_events_notification_id_seq', coalesce(max(notification_id), 1))"
            " FROM registry_events"
        )
        row = dst.execute("SELECT count(*) FROM registry_events").fetchone()
        copied = int(row[0]) if row else 0
    return copied


def _rows(db: Database, table: str) -> list[tuple[object, ...]]:
    query = sql.SQL("SELECT * FROM {} ORDER BY {}").format(sql.Identifier(table), sql.SQL(READ_MODELS[table]))
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        return conn.execute(query).fetchall()


def check(live: Database, server: Database, progress: Callable[[int, int], None]) -> list[Difference]:
    """Replay everything into a scratch database; the tables whose rows differ from the live ones."""
    with scratch_database(server, "replay") as replay:
        migrate(replay)
        _copy(live, replay)
        worker = ProjectionWorker(replay)
        worker.start()
        try:
            wait_until_current(replay, on_progress=progress)
        finally:
            worker.stop()
        differences = []
        for table in READ_MODELS:
            # Rows hold arrays and JSON, which do not hash: compare their printed forms.
            ours, theirs = _rows(live, table), _rows(replay, table)
            differing = len({repr(r) for r in ours} ^ {repr(r) for r in theirs})
            if differing:
                differences.append(Difference(table, len(ours), len(theirs), differing))
        return differences
