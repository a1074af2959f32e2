"""What a tenant's compact said on a date: every version with its whole set of sections and commitments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypedDict

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow

from domain.commitments import Commitment, CommitmentKind, DisputeStep, Firmness, Period
from domain.compact import Compact, Section
from domain.events import tenant_of
from projections.base import LATEST, ProjectionSpec, ReadModelView, Statement, Table, json_objects

NAME = "compact_text"

INSERT_VERSION = """
INSERT INTO compact_versions
    (tenant_id, version, title, effective_on, rationale, recorded_at, recorded_by, recorded_as, position,
     draft, consultation_closes_on, adopted_on, adopted_recorded_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
INSERT_SECTION = """
INSERT INTO compact_sections (tenant_id, version, ordinal, key, heading, body, matters, planned)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
"""
INSERT_COMMITMENT = """
INSERT INTO compact_commitments
    (tenant_id, version, key, section_key, ordinal, kind, firmness, summary, bound, period_amount,
     period_unit, exceptions, steps, quote)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
# An amendment's version starts as a copy of the one before, then its changes apply.
COPY_SECTIONS = """
INSERT INTO compact_sections (tenant_id, version, ordinal, key, heading, body, matters, planned)
SELECT tenant_id, %(version)s, ordinal, key, heading, body, matters, planned FROM compact_sections
WHERE tenant_id = %(tenant)s AND version = %(version)s - 1 AND NOT key = ANY(%(dropped)s)
"""
COPY_COMMITMENTS = """
INSERT INTO compact_commitments
    (tenant_id, version, key, section_key, ordinal, kind, firmness, summary, bound, period_amount,
     period_unit, exceptions, steps, quote)
SELECT tenant_id, %(version)s, key, section_key, ordinal, kind, firmness, summary, bound, period_amount,
       period_unit, exceptions, steps, quote
FROM compact_commitments
WHERE tenant_id = %(tenant)s AND version = %(version)s - 1 AND NOT section_key = ANY(%(dropped)s)
"""
NEXT_ORDINAL = """
SELECT coalesce(max(ordinal), 0) + 1 FROM compact_sections WHERE tenant_id = %s AND version = %s
"""
# A draft's adoption puts every version recorded as a draft into force from that day.
ADOPTED = """
UPDATE compact_versions SET adopted_on = %s, adopted_recorded_at = %s
WHERE tenant_id = %s AND draft AND adopted_on IS NULL
"""
# Each section's commitments are numbered after its own place, so they read in the document's order.
COMMITMENTS_PER_SECTION = 100


def _section_row(tenant: str, version: int, ordinal: int, s: Section) -> tuple[object, ...]:
    return (tenant, version, ordinal, s.key, s.heading, s.text, list(s.matters), list(s.planned))


def _commitment_row(
    tenant: str, version: int, section: str, ordinal: int, c: Commitment
) -> tuple[object, ...]:
    period = c.period
    return (
        tenant, version, c.key, section, ordinal, c.kind.value, c.firmness.value, c.summary, list(c.bound),
        period.amount if period else None, period.unit.value if period else None, list(c.exceptions),
        json.dumps([step.as_dict() for step in c.steps]), c.quote,
    )  # fmt: skip


class CompactTextView(ReadModelView):
    projection_name = NAME

    def published(self, event: Compact.CompactPublished, tracking: Tracking) -> None:
        tenant = tenant_of(event.originator_id)
        statements: list[Statement] = [
            (
                INSERT_VERSION,
                (tenant, 1, event.title, event.effective_on, None, event.timestamp, event.actor,
                 event.acting_as or None, tracking.notification_id, event.draft, event.consultation_closes_on,
                 None, None),
            )
        ]  # fmt: skip
        for ordinal, s in enumerate(map(Section.from_dict, event.sections), start=1):
            statements.append((INSERT_SECTION, _section_row(tenant, 1, ordinal, s)))
            for i, c in enumerate(s.commitments):
                row = _commitment_row(tenant, 1, s.key, ordinal * COMMITMENTS_PER_SECTION + i, c)
                statements.append((INSERT_COMMITMENT, row))
        self.apply(tracking, *statements)

    def amended(self, event: Compact.CompactAmended, tracking: Tracking) -> None:
        tenant, version = tenant_of(event.originator_id), event.compact_version
        upserted = {s.key: s for s in map(Section.from_dict, event.upserted)}
        with self.writing() as curs:
            curs.execute(
                "SELECT title, draft, consultation_closes_on, adopted_on, adopted_recorded_at "
                "FROM compact_versions WHERE tenant_id = %s AND version = %s",
                (tenant, version - 1),
            )
            row = curs.fetchone()
            assert row is not None, f"{tenant} amended before version {version - 1} was projected"
            curs.execute(
                INSERT_VERSION,
                (tenant, version, row["title"], event.effective_on, event.rationale, event.timestamp,
                 event.actor, event.acting_as or None, tracking.notification_id, row["draft"],
                 row["consultation_closes_on"], row["adopted_on"], row["adopted_recorded_at"]),
            )  # fmt: skip
            # Replaced sections keep their place; new ones go at the end. Their commitments come with them.
            changed = [*event.removed, *upserted]
            curs.execute(COPY_SECTIONS, {"tenant": tenant, "version": version, "dropped": [*event.removed]})
            curs.execute(COPY_COMMITMENTS, {"tenant": tenant, "version": version, "dropped": changed})
            for key, s in upserted.items():
                ordinal = self._upsert_section(curs, tenant, version, key, s)
                for i, c in enumerate(s.commitments):
                    row_values = _commitment_row(
                        tenant, version, key, ordinal * COMMITMENTS_PER_SECTION + i, c
                    )
                    curs.execute(INSERT_COMMITMENT, row_values)
            self.track(curs, tracking)

    def _upsert_section(self, curs: Cursor[DictRow], tenant: str, version: int, key: str, s: Section) -> int:
        """Replace the section in its place, or add it at the end; its ordinal either way."""
        curs.execute(
            "UPDATE compact_sections SET heading = %s, body = %s, matters = %s, planned = %s "
            "WHERE tenant_id = %s AND version = %s AND key = %s RETURNING ordinal",
            (s.heading, s.text, list(s.matters), list(s.planned), tenant, version, key),
        )
        # A returned row, not rowcount: in a batch's pipeline, rowcount is not known yet.
        found = curs.fetchone()
        if found is not None:
            return int(found["ordinal"])
        curs.execute(NEXT_ORDINAL, (tenant, version))
        ordinal_row = curs.fetchone()
        assert ordinal_row is not None
        ordinal = int(next(iter(ordinal_row.values())))
        curs.execute(INSERT_SECTION, _section_row(tenant, version, ordinal, s))
        return ordinal

    def adopted(self, event: Compact.CompactAdopted, tracking: Tracking) -> None:
        self.apply(tracking, (ADOPTED, (event.on, event.timestamp, tenant_of(event.originator_id))))


class CompactText(Projection[CompactTextView]):
    name = NAME
    topics = (
        get_topic(Compact.CompactPublished),
        get_topic(Compact.CompactAmended),
        get_topic(Compact.CompactAdopted),
    )

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Compact.CompactPublished, tracking: Tracking) -> None:
        self.view.published(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Compact.CompactAmended, tracking: Tracking) -> None:
        self.view.amended(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Compact.CompactAdopted, tracking: Tracking) -> None:
        self.view.adopted(domain_event, tracking)


# Its tables (compact_text.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    CompactText,
    CompactTextView,
    tables=(
        Table("compact_versions", order_by="tenant_id, version"),
        Table("compact_sections", order_by="tenant_id, version, key"),
        Table("compact_commitments", order_by="tenant_id, version, key"),
    ),
)


# The read side.

# A version is in force on $2 (as known at $3) once it has taken effect, and, if it was published as a
# draft, once the draft has been adopted. Shared by every query that asks what was in force.
IN_FORCE_ON = """
    {v}.effective_on <= $2 AND {v}.recorded_at <= $3
    AND (NOT {v}.draft OR ({v}.adopted_on <= $2 AND {v}.adopted_recorded_at <= $3))
"""


@dataclass(frozen=True)
class CommitmentRow:
    section: str
    commitment: Commitment


@dataclass(frozen=True)
class SectionRow:
    key: str
    heading: str
    text: str
    matters: list[str]
    planned: list[str] = field(default_factory=list)
    commitments: list[Commitment] = field(default_factory=list)


@dataclass(frozen=True)
class CompactRow:
    tenant: str
    title: str
    version: int
    effective_on: date
    sections: list[SectionRow]
    draft: bool = False
    consultation_closes_on: date | None = None
    adopted_on: date | None = None


# Two versions on one date: the later wins.
IN_FORCE = f"""
SELECT w.tenant_id, v.version, v.title, v.effective_on, v.draft, v.consultation_closes_on, v.adopted_on
FROM unnest($1::text[]) AS w (tenant_id)
CROSS JOIN LATERAL (
    SELECT version, title, effective_on, draft, consultation_closes_on, adopted_on FROM compact_versions c
    WHERE c.tenant_id = w.tenant_id AND {IN_FORCE_ON.format(v="c")}
    ORDER BY c.effective_on DESC, c.version DESC
    LIMIT 1
) AS v
"""
# The draft out for consultation on $2: the latest version published as a draft and not yet adopted then.
DRAFT = """
SELECT w.tenant_id, v.version, v.title, v.effective_on, v.draft, v.consultation_closes_on, v.adopted_on
FROM unnest($1::text[]) AS w (tenant_id)
CROSS JOIN LATERAL (
    SELECT version, title, effective_on, draft, consultation_closes_on, adopted_on FROM compact_versions c
    WHERE c.tenant_id = w.tenant_id AND c.draft AND c.effective_on <= $2 AND c.recorded_at <= $3
      AND NOT coalesce(c.adopted_on <= $2 AND c.adopted_recorded_at <= $3, false)
    ORDER BY c.version DESC
    LIMIT 1
) AS v
"""
# LATERAL, so each version's sections are an index probe rather than a hash of every tenant's sections;
# OFFSET 0 keeps the planner from flattening the subquery back into a plain join.
SECTIONS = """
SELECT s.tenant_id, s.version, s.key, s.heading, s.body, s.matters, s.planned
FROM unnest($1::text[], $2::int[]) AS w (tenant_id, version)
CROSS JOIN LATERAL (
    SELECT * FROM compact_sections c WHERE c.tenant_id = w.tenant_id AND c.version = w.version OFFSET 0
) AS s
ORDER BY s.tenant_id, s.ordinal
"""
COMMITMENTS = """
SELECT m.*
FROM unnest($1::text[], $2::int[]) AS w (tenant_id, version)
CROSS JOIN LATERAL (
    SELECT * FROM compact_commitments c WHERE c.tenant_id = w.tenant_id AND c.version = w.version OFFSET 0
) AS m
ORDER BY m.tenant_id, m.ordinal
"""


class CommitmentColumns(TypedDict):
    """The columns of compact_commitments that make a commitment, as asyncpg or to_jsonb give them."""

    section_key: str
    key: str
    kind: str
    firmness: str
    summary: str
    bound: list[str]
    period_amount: int | None
    period_unit: str | None
    exceptions: list[str]
    steps: str | list[dict[str, object]]  # jsonb: its text from asyncpg, decoded inside to_jsonb
    quote: str


def commitment_of(r: CommitmentColumns) -> Commitment:
    """A commitment from its row in compact_commitments."""
    steps = r["steps"] if isinstance(r["steps"], list) else json_objects(r["steps"])
    return Commitment(
        key=r["key"],
        kind=CommitmentKind(r["kind"]),
        firmness=Firmness(r["firmness"]),
        summary=r["summary"],
        bound=tuple(r["bound"]),
        period=Period.from_dict({"amount": r["period_amount"], "unit": r["period_unit"]})
        if r["period_amount"] is not None
        else None,
        exceptions=tuple(r["exceptions"]),
        steps=tuple(DisputeStep.from_dict(s) for s in steps),
        quote=r["quote"],
    )


async def _with_sections(conn: asyncpg.Connection, versions: list[asyncpg.Record]) -> dict[str, CompactRow]:
    if not versions:
        return {}
    tenants, numbers = [v["tenant_id"] for v in versions], [v["version"] for v in versions]
    held: dict[tuple[str, str], list[Commitment]] = {}
    for r in await conn.fetch(COMMITMENTS, tenants, numbers):
        held.setdefault((r["tenant_id"], r["section_key"]), []).append(commitment_of(r))
    sections: dict[str, list[SectionRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(SECTIONS, tenants, numbers):
        sections[r["tenant_id"]].append(
            SectionRow(
                r["key"],
                r["heading"],
                r["body"],
                list(r["matters"]),
                list(r["planned"]),
                held.get((r["tenant_id"], r["key"]), []),
            )
        )
    return {
        v["tenant_id"]: CompactRow(
            v["tenant_id"],
            v["title"],
            v["version"],
            v["effective_on"],
            sections[v["tenant_id"]],
            v["draft"],
            v["consultation_closes_on"],
            v["adopted_on"],
        )
        for v in versions
    }


async def compacts_in_force(
    conn: asyncpg.Connection, tenants: list[str], on: date, recorded: datetime = LATEST
) -> dict[str, CompactRow]:
    """The version of each tenant's compact in force on `on`, in three queries for any number of tenants."""
    return await _with_sections(conn, list(await conn.fetch(IN_FORCE, tenants, on, recorded)))


async def drafts_on(
    conn: asyncpg.Connection, tenants: list[str], on: date, recorded: datetime = LATEST
) -> dict[str, CompactRow]:
    """Each tenant's draft compact out for consultation on `on` (not yet adopted then), if it has one."""
    return await _with_sections(conn, list(await conn.fetch(DRAFT, tenants, on, recorded)))


@dataclass(frozen=True)
class VersionRow:
    version: int
    title: str
    effective_on: date
    rationale: str | None
    recorded_at: datetime
    recorded_by: str
    recorded_as: str | None  # the role it was recorded in; None for versions recorded before roles were kept
    draft: bool = False
    adopted_on: date | None = None


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
                r["draft"],
                r["adopted_on"],
            )
        )
    return found


async def sections_of(
    conn: asyncpg.Connection, tenant: str, versions: list[int]
) -> dict[int, list[SectionRow]]:
    """The sections of some versions of one tenant's compact, in their order; a missing version is absent."""
    found: dict[int, list[SectionRow]] = {}
    rows = await conn.fetch(
        "SELECT version, key, heading, body, matters, planned FROM compact_sections"
        " WHERE tenant_id = $1 AND version = ANY($2::int[]) ORDER BY version, ordinal",
        tenant,
        versions,
    )
    for r in rows:
        found.setdefault(r["version"], []).append(
            SectionRow(r["key"], r["heading"], r["body"], list(r["matters"]), list(r["planned"]))
        )
    return found


async def commitments_by_key(
    conn: asyncpg.Connection, keys: list[tuple[str, int, str]]
) -> dict[tuple[str, int, str], CommitmentRow]:
    """Commitments by (tenant, version, key): those a consultation, notice or dispute was judged by."""
    found: dict[tuple[str, int, str], CommitmentRow] = {}
    rows = await conn.fetch(
        "SELECT m.* FROM unnest($1::text[], $2::int[], $3::text[]) AS w (tenant_id, version, key) "
        "JOIN compact_commitments m USING (tenant_id, version, key)",
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
    )
    for r in rows:
        found[(r["tenant_id"], r["version"], r["key"])] = CommitmentRow(r["section_key"], commitment_of(r))
    return found
