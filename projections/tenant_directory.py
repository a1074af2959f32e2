"""Which tenants exist, at which tier, under which parent: the directory and its ancestor closure."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic

from domain.tenancy import Tenant
from projections.base import ProjectionSpec, ReadModelView, Table

NAME = "tenant_directory"

INSERT_TENANT = """
INSERT INTO tenants (tenant_id, name, tier, parent_id, created_at, created_by, position)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""

# The new tenant is its own ancestor at depth 0; its parent's chain follows one level deeper.
INSERT_ANCESTORS = """
INSERT INTO tenant_ancestors (tenant_id, ancestor_id, depth)
SELECT %(id)s, %(id)s, 0
UNION ALL
SELECT %(id)s, ancestor_id, depth + 1 FROM tenant_ancestors WHERE tenant_id = %(parent)s
"""


class TenantDirectoryView(ReadModelView):
    projection_name = NAME

    def tenant_created(self, event: Tenant.TenantCreated, tracking: Tracking) -> None:
        self.apply(
            tracking,
            (
                INSERT_TENANT,
                (
                    event.slug,
                    event.name,
                    event.tier,
                    event.parent,
                    event.timestamp,
                    event.actor,
                    tracking.notification_id,
                ),
            ),
            (INSERT_ANCESTORS, {"id": event.slug, "parent": event.parent}),
        )


class TenantDirectory(Projection[TenantDirectoryView]):
    name = NAME
    topics = (get_topic(Tenant.TenantCreated),)

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Tenant.TenantCreated, tracking: Tracking) -> None:
        self.view.tenant_created(domain_event, tracking)


# Its tables (tenant_directory.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    TenantDirectory,
    TenantDirectoryView,
    tables=(
        Table("tenants", order_by="tenant_id"),
        Table("tenant_ancestors", order_by="tenant_id, depth"),
    ),
)


# The read side: plain SQL over the tables above, run by the API as the read-only role.


@dataclass(frozen=True)
class TenantRow:
    slug: str
    name: str
    tier: str
    parent: str | None


_COLUMNS = "tenant_id, name, tier, parent_id"


def _row(record: asyncpg.Record) -> TenantRow:
    return TenantRow(record["tenant_id"], record["name"], record["tier"], record["parent_id"])


async def list_tenants(conn: asyncpg.Connection, tier: str | None) -> list[TenantRow]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM tenants WHERE $1::text IS NULL OR tier = $1 ORDER BY tenant_id",
        tier,
    )
    return [_row(r) for r in rows]


# One index probe per slug. `tenant_id = ANY($1)` under the API's generic plans (which cannot know how
# many slugs will come) scanned the whole table once it was a few pages long.
BY_SLUG = f"""
SELECT t.* FROM unnest($1::text[]) AS s (slug)
CROSS JOIN LATERAL (SELECT {_COLUMNS} FROM tenants WHERE tenant_id = s.slug LIMIT 1) AS t
"""


async def tenants_by_slug(conn: asyncpg.Connection, slugs: list[str]) -> dict[str, TenantRow]:
    rows = await conn.fetch(BY_SLUG, slugs)
    return {r["tenant_id"]: _row(r) for r in rows}


async def children_of(conn: asyncpg.Connection, slugs: list[str]) -> dict[str, list[TenantRow]]:
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM tenants WHERE parent_id = ANY($1::text[]) ORDER BY tenant_id",
        slugs,
    )
    children: dict[str, list[TenantRow]] = {slug: [] for slug in slugs}
    for r in rows:
        children[r["parent_id"]].append(_row(r))
    return children
