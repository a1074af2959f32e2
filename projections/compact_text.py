"""What a tenant's compact said on a date: every version with its whole set of sections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.compact import Compact
from domain.events import tenant_of
from projections.base import LATEST, ReadModelView

NAME = "compact_text"

INSERT_VERSION = """
INSERT INTO compact_versions
    (tenant_id, version, title, effective_on, rationale, recorded_at, recorded_by, recorded_as, position)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
INSERT_SECTION = """
INSERT INTO compact_sections (tenant_id, version, ordinal, key, heading, body, matters)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""
# An amendment's version starts as a copy of the one before, then its changes apply.
COPY_SECTIONS = """
INSERT INTO compact_sections (tenant_id, version, ordinal, key, heading, body, matters)
SELECT tenant_id, %(version)s, ordinal, key, heading, body, matters FROM compact_sections
WHERE tenant_id = %(tenant)s AND version = %(version)s - 1 AND NOT key = ANY(%(dropped)s)
"""
NEXT_ORDINAL = """
SELECT coalesce(max(ordinal), 0) + 1 FROM compact_sections WHERE tenant_id = %s AND version = %s
"""


class CompactTextView(ReadModelView):
    projection_name = NAME

    def published(self, event: Compact.CompactPublished, tracking: Tracking) -> None:
        tenant = tenant_of(event.originator_id)
        statements: list[tuple[str, Any]] = [
            (
                INSERT_VERSION,
                (tenant, 1, event.title, event.effective_on, None, event.timestamp, event.actor,
                 event.acting_as or None, tracking.notification_id),
            )
        ]  # fmt: skip
        for ordinal, s in enumerate(event.sections, start=1):
            statements.append(
                (INSERT_SECTION, (tenant, 1, ordinal, s["key"], s["heading"], s["text"], s["matters"]))
            )
        self.apply(tracking, *statements)

    def amended(self, event: Compact.CompactAmended, tracking: Tracking) -> None:
        tenant, version = tenant_of(event.originator_id), event.compact_version
        upserted = {s["key"]: s for s in event.upserted}
        with self.writing() as curs:
            curs.execute(
                "SELECT title FROM compact_versions WHERE tenant_id = %s AND version = %s",
                (tenant, version - 1),
            )
            row = curs.fetchone()
            assert row is not None, f"{tenant} amended before version {version - 1} was projected"
            curs.execute(
                INSERT_VERSION,
                (tenant, version, row["title"], event.effective_on, event.rationale, event.timestamp,
                 event.actor, event.acting_as or None, tracking.notification_id),
            )  # fmt: skip
            # Replaced sections keep their place; new ones go at the end.
            curs.execute(COPY_SECTIONS, {"tenant": tenant, "version": version, "dropped": [*event.removed]})
            for key, s in upserted.items():
                curs.execute(
                    "UPDATE compact_sections SET heading = %s, body = %s, matters = %s "
                    "WHERE tenant_id = %s AND version = %s AND key = %s RETURNING key",
                    (s["heading"], s["text"], s["matters"], tenant, version, key),
                )
                # A returned row, not rowcount: in a batch's pipeline, rowcount is not known yet.
                if curs.fetchone() is None:
                    curs.execute(NEXT_ORDINAL, (tenant, version))
                    ordinal_row = curs.fetchone()
                    assert ordinal_row is not None
                    ordinal = next(iter(ordinal_row.values()))
                    curs.execute(
                        INSERT_SECTION, (tenant, version, ordinal, key, s["heading"], s["text"], s["matters"])
                    )
            self.track(curs, tracking)


class CompactText(Projection[CompactTextView]):
    name = NAME
    topics = (get_topic(Compact.CompactPublished), get_topic(Compact.CompactAmended))

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Compact.CompactPublished, tracking: Tracking) -> None:
        self.view.published(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Compact.CompactAmended, tracking: Tracking) -> None:
        self.view.amended(domain_event, tracking)


# The read side.


@dataclass(frozen=True)
class SectionRow:
    key: str
    heading: str
    text: str
    matters: list[str]


@dataclass(frozen=True)
class CompactRow:
    tenant: str
    title: str
    version: int
    effective_on: date
    sections: list[SectionRow]


# Two versions on one date: the later wins.
IN_FORCE = """
SELECT w.tenant_id, v.version, v.title, v.effective_on
FROM unnest($1::text[]) AS w (tenant_id)
CROSS JOIN LATERAL (
    SELECT version, title, effective_on FROM compact_versions c
    WHERE c.tenant_id = w.tenant_id AND c.effective_on <= $2 AND c.recorded_at <= $3
    ORDER BY c.effective_on DESC, c.version DESC
    LIMIT 1
) AS v
"""
# LATERAL, so each version's sections are an index probe rather than a hash of every tenant's sections;
# OFFSET 0 keeps the planner from flattening the subquery back into a plain join.
SECTIONS = """
SELECT s.tenant_id, s.version, s.key, s.heading, s.body, s.matters
FROM unnest($1::text[], $2::int[]) AS w (tenant_id, version)
CROSS JOIN LATERAL (
    SELECT * FROM compact_sections c WHERE c.tenant_id = w.tenant_id AND c.version = w.version OFFSET 0
) AS s
ORDER BY s.tenant_id, s.ordinal
"""


async def compacts_in_force(
    conn: asyncpg.Connection, tenants: list[str], on: date, recorded: datetime = LATEST
) -> dict[str, CompactRow]:
    """The version of each tenant's compact in force on `on`, in two queries for any number of tenants."""
    versions = await conn.fetch(IN_FORCE, tenants, on, recorded)
    if not versions:
        return {}
    sections: dict[str, list[SectionRow]] = {v["tenant_id"]: [] for v in versions}
    rows = await conn.fetch(SECTIONS, [v["tenant_id"] for v in versions], [v["version"] for v in versions])
    for r in rows:
        sections[r["tenant_id"]].append(SectionRow(r["key"], r["heading"], r["body"], list(r["matters"])))
    return {
        v["tenant_id"]: CompactRow(
            v["tenant_id"], v["title"], v["version"], v["effective_on"], sections[v["tenant_id"]]
        )
        for v in versions
    }


@dataclass(frozen=True)
class VersionRow:
    version: int
    title: str
    effective_on: date
    rationale: str | None
    recorded_at: datetime
    recorded_by: str
    recorded_as: str | None  # the role it was recorded in; None for versions recorded before roles were kept


async def versions_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, list[VersionRow]]:
    """Every version of each tenant's compact, oldest first."""
    found: dict[str, list[VersionRow]] = {t: [] for t in tenants}
    rows = await conn.fetch(
        "SELECT * FROM compact_versions WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id, version",
        tenants,
    )
    for r in rows:
        found[r["tenant_id"]].append(
            VersionRow(
                r["version"],
                r["title"],
                r["effective_on"],
                r["rationale"],
                r["recorded_at"],
                r["recorded_by"],
                r["recorded_as"],
            )
        )
    return found


async def sections_of(
    conn: asyncpg.Connection, tenant: str, versions: list[int]
) -> dict[int, list[SectionRow]]:
    """The sections of some versions of one tenant's compact, in their order; a missing version is absent."""
    found: dict[int, list[SectionRow]] = {}
    rows = await conn.fetch(
        "SELECT version, key, heading, body, matters FROM compact_sections"
        " WHERE tenant_id = $1 AND version = ANY($2::int[]) ORDER BY version, ordinal",
        tenant,
        versions,
    )
    for r in rows:
        found.setdefault(r["version"], []).append(
            SectionRow(r["key"], r["heading"], r["body"], list(r["matters"]))
        )
    return found
