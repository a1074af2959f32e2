"""The `compacts` command: serve the API, run the projection worker, mint tokens, migrate."""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from types import FrameType
from typing import Any

import click

from domain.actors import Actor, Role
from infra.database import Database
from infra.settings import Settings


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """The Compact Registry: Local Compacts of many councils, as events, served over GraphQL.

    With no DATABASE_URL, every command uses an embedded PostgreSQL in COMPACTS_HOME (./.compacts).
    """


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--no-worker", is_flag=True, help="Leave projections to separate `compacts worker` processes.")
@click.option("--demo", is_flag=True, help="Record the demo localities first (once; skipped if present).")
@click.option("--verbose", is_flag=True, help="Log at debug level.")
def serve(host: str, port: int, no_worker: bool, demo: bool, verbose: bool) -> None:
    """Serve the GraphQL API, with the projection worker in the same process unless --no-worker."""
    import uvicorn

    from api.app import create_app
    from infra.database import resolve_database
    from infra.migrate import migrate
    from infra.tokens import load_keys

    _logging(verbose)
    settings = Settings.from_env()
    db = resolve_database(settings.database_url, settings.home)
    migrate(db)
    if demo:
        _load_demo(db)
    keys = load_keys(settings.home, production=settings.production)
    app = create_app(settings, db, keys, run_worker=not no_worker)
    where = "DATABASE_URL" if settings.database_url else f"embedded PostgreSQL in {settings.home}"
    click.echo(f"Compact Registry on http://{host}:{port}/graphql (data: {where})")
    click.echo(f"Health: http://{host}:{port}/health")
    click.echo("A token for writing: compacts token --sub you@example.org --role platform-admin")
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting normally instead lets the
    # embedded server's exit hook stop PostgreSQL rather than leave it running.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    uvicorn.run(app, host=host, port=port, log_level="debug" if verbose else "info")


@main.command()
@click.option("--verbose", is_flag=True, help="Log at debug level.")
def worker(verbose: bool) -> None:
    """Run the projection worker alone (several may run at once; each read model has one holder)."""
    from infra.database import resolve_database
    from infra.migrate import migrate
    from projections.worker import ProjectionWorker

    _logging(verbose)
    settings = Settings.from_env()
    db = resolve_database(settings.database_url, settings.home)
    migrate(db)
    runner = ProjectionWorker(db)
    scheduler = _scheduler(db, settings)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        runner.stopping.set()
        if scheduler:
            scheduler.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo("projection worker running; stop with Ctrl-C")
    if scheduler:
        scheduler.start()
    runner.run_forever()


def _load_demo(db: Database) -> None:
    from infra.demo import load_demo
    from services.registry import Registry

    registry = Registry.connect(db)
    try:
        loaded = load_demo(registry, say=lambda m: click.echo(f"demo: {m}"))
    finally:
        registry.close()
    click.echo("demo: recorded" if loaded else "demo: already present, left as it is")


@main.command()
def demo() -> None:
    """Record the demo localities (England, two regions, Essex, Hertfordshire and five districts)."""
    from infra.database import resolve_database
    from infra.migrate import migrate as run_migrate

    _logging(False)
    settings = Settings.from_env()
    db = resolve_database(settings.database_url, settings.home)
    run_migrate(db)
    _load_demo(db)


@contextmanager
def _audit() -> Iterator[Any]:
    """The audit service as the operator: the command line runs with platform-admin rights."""
    from infra.database import resolve_database
    from infra.tokens import load_keys
    from services.audit import AuditService
    from services.registry import Registry

    settings = Settings.from_env()
    registry = Registry.connect(resolve_database(settings.database_url, settings.home))
    try:
        yield AuditService(registry, load_keys(settings.home, production=settings.production))
    finally:
        registry.close()


OPERATOR = Actor(sub="operator", roles=frozenset({Role.PLATFORM_ADMIN}))


@main.command()
@click.argument("slug")
def checkpoint(slug: str) -> None:
    """Sign the tenant's current head hash, once its chain verifies from the event store."""
    with _audit() as audit:
        made = audit.checkpoint(OPERATOR, slug)
    click.echo(json.dumps(asdict(made), indent=2))


@main.command()
@click.argument("slug")
def witness(slug: str) -> None:
    """Record the latest checkpoint of each of the tenant's children in its own history."""
    with _audit() as audit:
        children = audit.witness(OPERATOR, slug)
    click.echo(f"{slug} witnessed: {', '.join(children) or 'nothing new'}")


@main.command()
@click.argument("slug")
def verify(slug: str) -> None:
    """Recompute the tenant's chain from the event store; exit 1 when anything does not hold."""
    with _audit() as audit:
        result = audit.verify_history(OPERATOR, slug)
    click.echo(json.dumps(asdict(result), indent=2))
    sys.exit(0 if result.ok else 1)


@main.command()
@click.argument("slug")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export(slug: str, file: Path) -> None:
    """Write the tenant's history as a bundle anyone can check offline (compacts verify-bundle)."""
    with _audit() as audit:
        manifest = audit.export(OPERATOR, slug, file)
    click.echo(f"{file}: {manifest['events']} events of {slug}, head {manifest['head_hash']}")


@main.command("verify-bundle")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A JWKS fetched from the registry out of band; without it the bundle's own keys are used.",
)
def verify_bundle(file: Path, trust: Path | None) -> None:
    """Check a bundle with no database: exit 0 only when every file, link and checkpoint holds."""
    from infra import chain

    sys.exit(chain.main([str(file), *([str(trust)] if trust else [])]))


@main.command()
@click.argument("slug")
@click.argument("year", type=click.IntRange(1900, 2200))
@click.option(
    "--format", "form", type=click.Choice(["markdown", "html"]), default="markdown", show_default=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def report(slug: str, year: int, form: str, out: Path | None) -> None:
    """Render the tenant's annual report for YEAR (1 January to 31 December), disputes in numbers."""
    import asyncio

    import asyncpg

    from api.reading import reading
    from infra.database import resolve_database
    from projections.annual_report import annual_report
    from projections.tenant_directory import tenants_by_slug

    settings = Settings.from_env()
    db = resolve_database(settings.database_url, settings.home)

    async def read() -> str | None:
        pool = await asyncpg.create_pool(**db.asyncpg_kwargs(), min_size=1, max_size=1)
        try:
            async with reading(pool, OPERATOR) as tx:
                found = (await tenants_by_slug(tx, [slug])).get(slug)
                if found is None:
                    return None
                made = await annual_report(tx, slug, found.name, year, members=True)
        finally:
            await pool.close()
        return made.to_html() if form == "html" else made.to_markdown()

    text = asyncio.run(read())
    if text is None:
        click.echo(f"There is no tenant '{slug}'.", err=True)
        sys.exit(3)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"{out}: the {year} report of {slug}")


@main.command("check-read-models")
def check_read_models() -> None:
    """Replay every event into a scratch database and compare each read model with the live one."""
    from infra import rebuild
    from infra.database import resolve_database
    from projections.catalogue import PROJECTIONS

    _logging(False)
    settings = Settings.from_env()
    live = resolve_database(settings.database_url, settings.home)
    with click.progressbar(length=len(PROJECTIONS), label="replaying") as bar:
        shown = 0

        def progress(done: int, _total: int) -> None:
            nonlocal shown
            bar.update(done - shown)
            shown = done

        differences = rebuild.check(live, live, progress)
    if not differences:
        click.echo(f"every read model ({len(rebuild.READ_MODELS)} tables) equals a full replay")
        return
    for d in differences:
        click.echo(
            f"{d.table}: {d.differing_rows} rows differ (live {d.live_rows}, replayed {d.replayed_rows})"
        )
    sys.exit(1)


def _scheduler(db: Database, settings: Settings) -> Any:
    """The checkpoint scheduler, where this process has a key to sign with."""
    from infra.tokens import load_keys
    from services.audit import AuditService
    from services.checkpoints import CheckpointScheduler
    from services.registry import Registry

    if settings.checkpoint_seconds <= 0:
        return None
    try:
        keys = load_keys(settings.home, production=settings.production)
    except SystemExit:
        return None  # a production worker without a signing key still projects
    if keys.signing_key is None:
        return None
    return CheckpointScheduler(AuditService(Registry.connect(db), keys), settings.checkpoint_seconds)


@main.command()
def migrate() -> None:
    """Create or update the database's tables, roles and grants, then exit."""
    from infra.database import resolve_database
    from infra.migrate import migrate as run_migrate

    _logging(False)
    settings = Settings.from_env()
    run_migrate(resolve_database(settings.database_url, settings.home))
    click.echo("schema is up to date")


@main.command()
@click.option("--quick", is_flag=True, help="Fewer requests; the same sizes.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the metrics as JSON here."
)
def bench(quick: bool, out: Path | None) -> None:
    """Measure against baselines in one run (its own scratch database; never inside the tests)."""
    from infra import bench as benchmarks
    from infra.database import resolve_database

    logging.basicConfig(level=logging.WARNING)
    # One line per request would drown the table.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = Settings.from_env()
    server = resolve_database(settings.database_url, settings.home)
    metrics = benchmarks.run(
        server, settings.home, quick=quick, out=out, say=lambda m: click.echo(m, err=True)
    )
    click.echo(benchmarks.as_table(metrics))


@main.command()
@click.option("--sub", required=True, help="Who the token is for (recorded as the actor of every write).")
@click.option(
    "--role",
    "roles",
    required=True,
    multiple=True,
    type=click.Choice([r.value for r in Role]),
    help="A role; repeat for several.",
)
@click.option(
    "--tenant", "tenants", multiple=True, help="A tenant slug the roles apply to; repeat for several."
)
@click.option(
    "--ttl",
    default=3600,
    show_default=True,
    type=int,
    help="Seconds until it expires; negative mints an expired token.",
)
def token(sub: str, roles: tuple[str, ...], tenants: tuple[str, ...], ttl: int) -> None:
    """Print a JWT that this instance accepts."""
    from infra.tokens import load_keys, mint_token

    settings = Settings.from_env()
    keys = load_keys(settings.home, production=settings.production)
    if keys.signing_key is None:
        click.echo("No signing key is configured (COMPACTS_JWT_PRIVATE_KEY_FILE).", err=True)
        sys.exit(2)
    click.echo(
        mint_token(
            keys,
            sub=sub,
            roles=list(roles),
            tenants=list(tenants),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            ttl=ttl,
        )
    )


if __name__ == "__main__":
    main()
