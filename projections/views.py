"""How a read model's view reaches PostgreSQL: the worker's store settings, factory and tracking tables."""

from __future__ import annotations

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment

from infra.database import Database
from infra.event_store import APPLICATION_NAME, store_env
from projections.base import ProjectionSpec, ReadModelView


def worker_env(db: Database, *, create_tables: bool = False) -> dict[str, str]:
    """The worker processes events one at a time, so its pools stay small: one connection kept, and one
    opened for each other lane of a bulk batch (`projections.worker.apply_in_bulk`) while it catches up."""
    env = store_env(db, create_tables=create_tables)
    env.update(
        {
            "POSTGRES_POOL_SIZE": "1",
            "POSTGRES_MAX_OVERFLOW": "3",
            # A catch-up batch computes thousands of rows between its statements (the tenant history's
            # hashes, above all): on a loaded machine that passed the library's 5 s, which ended the
            # transaction, and the batch was tried again from the start, for ever.
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "60",
        }
    )
    return env


def construct_view(factory: PostgresFactory, spec: ProjectionSpec) -> ReadModelView:
    return spec.view(datastore=factory.datastore, tracking_table_name=spec.tracking_table)


def create_view_tables(db: Database, specs: tuple[ProjectionSpec, ...]) -> None:
    """Create every projection's tracking table (its read tables are made by its `.sql` file)."""
    factory = _factory(db, create_tables=True)
    try:
        for spec in specs:
            construct_view(factory, spec).create_table()
    finally:
        factory.close()


def _factory(db: Database, *, create_tables: bool = False, schema: str = "") -> PostgresFactory:
    env = Environment(APPLICATION_NAME, worker_env(db, create_tables=create_tables))
    if schema:
        env["POSTGRES_SCHEMA"] = schema
    factory = InfrastructureFactory.construct(env=env)
    assert isinstance(factory, PostgresFactory)
    return factory
