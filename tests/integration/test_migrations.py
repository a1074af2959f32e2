"""Numbered migrations of the tables that cannot be rebuilt: applied once, in order, one process at a time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import psycopg
import pytest

from api.tools.soak import OwnServer
from infra.database import READER_ROLE, Database, scratch_database
from infra.migrate import MIGRATION_LOCK_KEY, MigrationRefused, applied, migrate, migrations
from projections.catalogue import migrate as migrate_read_models
from tests.conftest import ROOT, _server
from tests.support import wait_until

# Sessions waiting for the migration lock in this database.
WAITING = """
SELECT count(*) FROM pg_locks
WHERE locktype = 'advisory' AND NOT granted AND objid = %s
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""


@pytest.fixture
def empty() -> Iterator[Database]:
    with scratch_database(_server(), "migrations") as db:
        yield db


def recorded(db: Database) -> list[tuple[int, str, bool]]:
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        return [(a.version, a.name, a.baseline) for a in applied(conn)]


def release_with(folder: Path, **more: str) -> Path:
    """This release's migrations copied into `folder`, with `more` (file name: SQL) beside them."""
    folder.mkdir()
    for entry in resources.files("infra").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            (folder / entry.name).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    for name, text in more.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_a_new_database_has_every_migration_applied_once_in_order(db: Database) -> None:
    assert recorded(db) == [(m.version, m.name, False) for m in migrations()]
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        checksums = [a.checksum for a in applied(conn)]
    assert checksums == [m.checksum for m in migrations()]


def test_two_processes_migrating_at_once_wait_for_each_other_and_apply_each_migration_once(
    empty: Database, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": empty.url, "COMPACTS_HOME": str(tmp_path)}
    with psycopg.connect(empty.psycopg_conninfo(), autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "api.cli", "migrate"],
                env=env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        try:
            # Both have reached the lock and neither has touched the database.
            wait_until(lambda: holder.execute(WAITING, (MIGRATION_LOCK_KEY,)).fetchone() == (2,), timeout=60)
            assert recorded(empty) == []
        finally:
            holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
        outputs = [p.communicate(timeout=120)[0].decode() for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert recorded(empty) == [(m.version, m.name, False) for m in migrations()]
    first = migrations()[0]
    for output in outputs:
        assert f"{first.label}: applied " in output
        assert output.rstrip().endswith("schema is up to date")


def test_a_migration_the_release_adds_runs_after_those_before_it_and_only_once(
    empty: Database, tmp_path: Path
) -> None:
    migrate(empty)
    count = len(migrations())
    index = f"{count + 1:04d}_checkpoints_by_signing_time.sql"
    release = release_with(
        tmp_path / "next", **{index: "CREATE INDEX checkpoints_signed_at ON checkpoints (signed_at);"}
    )
    ran = migrate(empty, source=release)
    assert [m.label for m in ran] == [index.removesuffix(".sql")]
    assert migrate(empty, source=release) == []
    assert [v for v, _, _ in recorded(empty)] == list(range(1, count + 2))
    with psycopg.connect(empty.psycopg_conninfo()) as conn:
        assert conn.execute("SELECT to_regclass('checkpoints_signed_at') IS NOT NULL").fetchone() == (True,)


def test_a_failing_migration_leaves_neither_its_changes_nor_its_record(
    empty: Database, tmp_path: Path
) -> None:
    migrate(empty)
    count = len(migrations())
    broken = {
        f"{count + 1:04d}_half_done.sql": "ALTER TABLE checkpoints ADD COLUMN note text; SELECT 1 / 0;",
    }
    with pytest.raises(psycopg.errors.DivisionByZero):
        migrate(empty, source=release_with(tmp_path / "broken", **broken))
    assert [v for v, _, _ in recorded(empty)] == list(range(1, count + 1))
    with psycopg.connect(empty.psycopg_conninfo()) as conn:
        columns = conn.execute(
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'checkpoints' AND column_name = 'note'"
        ).fetchone()
    assert columns == (0,)


def test_a_database_a_newer_release_migrated_is_refused_and_left_as_it_is(
    empty: Database, tmp_path: Path
) -> None:
    migrate(empty)
    with psycopg.connect(empty.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, release) VALUES (99, 'later', 'x', '9.0.0')"
        )
    before = recorded(empty)
    env = {**os.environ, "DATABASE_URL": empty.url, "COMPACTS_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "migrate"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 5
    assert done.stderr.strip().splitlines()[-1] == (
        "CONFLICT: The database records migration 0099_later, applied by release 9.0.0, which this release "
        f"({_release_of_this_code()}) does not have: run that release or a newer one; a database is never "
        "migrated back."
    )
    assert recorded(empty) == before


def _release_of_this_code() -> str:
    from importlib import metadata

    return metadata.version("compact-registry")


def test_an_edited_migration_is_refused(empty: Database, tmp_path: Path) -> None:
    migrate(empty)
    release = release_with(tmp_path / "edited")
    first = next(release.glob("0001_*.sql"))
    first.write_text(first.read_text() + "\n-- edited after release\n")
    with pytest.raises(MigrationRefused, match="differs from the one the database recorded"):
        migrate(empty, source=release)


def test_a_database_with_an_event_store_but_not_the_rest_of_0_1_0s_tables_is_refused(empty: Database) -> None:
    with psycopg.connect(empty.psycopg_conninfo(), autocommit=True) as conn:
        conn.execute("CREATE TABLE registry_events (originator_id text, originator_version bigint)")
    with pytest.raises(MigrationRefused) as refused:
        migrate(empty)
    assert str(refused.value) == (
        "The database has an event store but no person_keys, checkpoints, idempotent_requests, so no release "
        "of the registry made it; point DATABASE_URL at the registry's database, or restore it from a backup."
    )
    assert recorded(empty) == []


def test_migration_files_are_numbered_without_gaps(tmp_path: Path) -> None:
    # One past the next number this release would take.
    skipped = f"{len(migrations()) + 2:04d}_skipped_one.sql"
    release = release_with(tmp_path / "gap", **{skipped: "SELECT 1;"})
    with pytest.raises(ValueError, match="no gap"):
        migrations(release)
    shutil.rmtree(release)
    release = release_with(tmp_path / "named", **{"2-bad-name.sql": "SELECT 1;"})
    with pytest.raises(ValueError, match=r"NNNN_words\.sql"):
        migrations(release)


# Sessions of the server waiting for a lock another transaction holds.
BLOCKED = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"


def test_databases_of_a_new_server_migrating_at_once_all_make_or_find_its_roles(tmp_path: Path) -> None:
    # Roles belong to the server, and each database's migration lock is its own: on a new server, several
    # databases migrating at once each try to create the same roles. A transaction creating the reading
    # role, left open, holds them all at that point; once it commits, each must find the role made.
    server = OwnServer(tmp_path)
    try:
        server.start()
        admin = server.database
        names = [f"tenant_db_{n}" for n in range(3)]
        with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as conn:
            for name in names:
                conn.execute(f"CREATE DATABASE {name}")
        failures: list[BaseException] = []

        def migrating(name: str) -> None:
            try:
                migrate_read_models(admin.with_dbname(name))
            except BaseException as failed:  # reported below, from the test's own thread
                failures.append(failed)

        with psycopg.connect(admin.psycopg_conninfo()) as holder:
            holder.execute(f"CREATE ROLE {READER_ROLE} NOLOGIN")
            threads = [threading.Thread(target=migrating, args=(name,)) for name in names]
            for thread in threads:
                thread.start()
            with psycopg.connect(admin.psycopg_conninfo(), autocommit=True) as watcher:
                wait_until(lambda: watcher.execute(BLOCKED).fetchone() == (len(names),), timeout=60)
            holder.commit()
        for thread in threads:
            thread.join(120)
        assert failures == []
        for name in names:
            assert recorded(admin.with_dbname(name)) == [(m.version, m.name, False) for m in migrations()]
        with psycopg.connect(admin.with_dbname(names[0]).psycopg_conninfo()) as conn:
            row = conn.execute(
                "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", (READER_ROLE,)
            ).fetchone()
        assert row == (True,)
    finally:
        server.remove()
