"""The `compacts` command: serve the API, run the projection worker, mint tokens, migrate."""

from __future__ import annotations

import importlib.util
import json
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from api.bootstrap import audit_store_of, vault_of
from api.serving import DEFAULT_SERVER, HTTPServer, processes_for
from domain import clock
from domain.actors import Actor, Role
from domain.commands import CreateTenant
from infra.database import Database
from infra.settings import ConfigurationError, Settings
from services.compacts import CompactService

if TYPE_CHECKING:
    import asyncpg

    from domain.diff import CompactDiff
    from domain.document import ParsedDocument
    from projections.tenant_directory import TenantRow
    from services.audit import AuditService
    from services.checkpoints import CheckpointScheduler

T = TypeVar("T")


def _logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def _json_logging(verbose: bool) -> None:
    """The long-running processes (serve, worker) log one JSON object a line on stderr, for collectors."""
    from infra.logs import log_as_json

    log_as_json(logging.DEBUG if verbose else logging.INFO)


def _start_tracing(settings: Settings) -> None:
    """Trace this process when OTEL_EXPORTER_OTLP_ENDPOINT names a collector."""
    from infra.tracing import start_tracing, tracer_provider

    provider = tracer_provider(settings)
    if provider is not None:
        start_tracing(provider)


# Exit codes scripts can rely on (click itself exits 2 for a usage error).
EXIT_FAILED = 1  # the command ran and what it checked does not hold
EXIT_NOT_FOUND = 3
EXIT_INVALID = 4
EXIT_CONFLICT = 5
EXIT_FORBIDDEN = 6
EXIT_CONFIGURATION = 7  # the environment does not configure the registry (`compacts config --check`)
_EXIT_FOR = {"NOT_FOUND": EXIT_NOT_FOUND, "CONFLICT": EXIT_CONFLICT, "FORBIDDEN": EXIT_FORBIDDEN}


@contextmanager
def _refusals() -> Iterator[None]:
    """A broken rule ends the command with its message on stderr and an exit code that names it."""
    from domain.errors import DomainError

    try:
        yield
    except DomainError as refused:
        click.echo(f"{refused.code}: {refused.message}", err=True)
        sys.exit(_EXIT_FOR.get(refused.code, EXIT_INVALID))


# What each tool needs beyond the runtime, by the extra that installs it (pyproject.toml).
EXTRAS = {"bench": ("httpx", "locust"), "soak": ("httpx", "hypothesis", "schemathesis")}


def _require_extra(tool: str) -> None:
    """Refuses, in one line, a tool whose extra is not installed, saying how to install it."""
    missing = [name for name in EXTRAS[tool] if importlib.util.find_spec(name) is None]
    if missing:
        raise click.ClickException(
            f"compacts {tool} needs {', '.join(missing)}: pip install 'compact-registry[{tool}]'"
        )


def _settings(*, serving: bool = False, host: str | None = None, port: int | None = None) -> Settings:
    """The validated settings; on any problem, each on its own line on stderr, and the command refuses."""
    try:
        settings = Settings.from_env().with_address(host, port)
    except ConfigurationError as refused:
        _refuse(refused.problems)
    problems = settings.problems(serving=serving)
    if problems:
        _refuse(problems)
    return settings


def _refuse(problems: list[str]) -> NoReturn:
    for problem in problems:
        click.echo(f"CONFIGURATION: {problem}", err=True)
    sys.exit(EXIT_CONFIGURATION)


def _emit(as_json: bool, data: object, text: str) -> None:
    click.echo(json.dumps(data, indent=2, default=str) if as_json else text)


def _current(db: Database) -> None:
    """Bring the read models up to date, projecting here when no worker is running."""
    from projections.worker import ProjectionWorker, progress, wait_until_current

    if all(at >= due for at, due in progress(db).values()):
        return
    runner = ProjectionWorker(db)
    runner.start()
    try:
        wait_until_current(db, timeout=120)
    finally:
        runner.stop()


def _migrated(db: Database, settings: Settings) -> None:
    """Bring the database up to date; one this release cannot migrate ends the command with the reason."""
    from infra.migrate import MigrationRefused
    from projections.catalogue import migrate

    try:
        migrate(db, settings.reader_password)
    except MigrationRefused as refused:
        click.echo(f"CONFLICT: {refused}", err=True)
        sys.exit(EXIT_CONFLICT)


def _database() -> Database:
    from infra.database import resolve_database

    settings = _settings()
    db = resolve_database(settings.database_url, settings.home)
    _migrated(db, settings)
    return db


async def _read(db: Database, fetch: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
    """Run `fetch(conn)` in a read transaction that sees what a platform admin sees."""
    import asyncpg

    from api.reading import reading

    pool = await asyncpg.create_pool(**db.asyncpg_kwargs(), min_size=1, max_size=1)
    try:
        async with reading(pool, OPERATOR) as conn:
            return await fetch(conn)
    finally:
        await pool.close()


DOCUMENTS = click.option(
    "--documents",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of compact documents to import in place of the demo's own summaries.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """The Compact Registry: Local Compacts of many councils, as events, served over GraphQL.

    With no DATABASE_URL, every command uses an embedded PostgreSQL in COMPACTS_HOME (./.compacts).

    \b
    Start here:
      compacts serve --demo          the API with the demo's nine tenants to explore
      compacts tenants list          who is on the platform
      compacts import FILE --tenant SLUG --dry-run
                                     what a compact document would publish
      compacts token --sub S --role editor --tenant SLUG
                                     a token for an integrator or an officer

    Exit codes: 0 done, 1 a check failed, 2 usage, 3 not found, 4 refused input, 5 conflict, 6 forbidden,
    7 configuration refused (see `compacts config --check`).
    """


@main.command()
@click.option("--host", help="Address to listen on.  [default: COMPACTS_HOST, else 127.0.0.1]")
@click.option("--port", type=int, help="Port to listen on.  [default: COMPACTS_PORT, else 8000]")
@click.option("--no-worker", is_flag=True, help="Leave projections to separate `compacts worker` processes.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="API processes; 0 is one per core. With more than one, or under granian, the projection worker "
    "runs in this parent process.",
)
@click.option(
    "--server",
    "http_server",
    type=click.Choice([s.value for s in HTTPServer]),
    default=None,
    help=f"The HTTP server: uvicorn, or granian.  [default: {DEFAULT_SERVER.value} with --workers other "
    "than 1, else uvicorn]",
)
@click.option("--demo", is_flag=True, help="Record the demo localities first (once; skipped if present).")
@DOCUMENTS
@click.option("--verbose", is_flag=True, help="Log at debug level.")
def serve(
    host: str | None,
    port: int | None,
    no_worker: bool,
    workers: int,
    http_server: str | None,
    demo: bool,
    documents: Path | None,
    verbose: bool,
) -> None:
    """Serve the GraphQL API, with the projection worker in the same process unless --no-worker."""
    import uvicorn

    from api.app import create_app
    from api.serving import serve_processes
    from infra.database import resolve_database
    from infra.tokens import load_keys

    _json_logging(verbose)
    settings = _settings(serving=True, host=host, port=port)
    db = resolve_database(settings.database_url, settings.home)
    _migrated(db, settings)
    if demo or documents:
        _load_demo(db, documents)
        # Answer the first request with the demo already in the read models.
        _current(db)
    keys = load_keys(settings)
    where = "DATABASE_URL" if settings.database_url else f"embedded PostgreSQL in {settings.home}"
    address = f"{settings.scheme}://{settings.host}:{settings.port}"
    processes = processes_for(workers)
    chosen = (
        HTTPServer(http_server) if http_server else (DEFAULT_SERVER if workers != 1 else HTTPServer.UVICORN)
    )
    click.echo(f"Compact Registry on {address}/graphql (data: {where})")
    click.echo(f"Health: {address}/health")
    click.echo("A token for writing: compacts token --sub you@example.org --role platform-admin")
    if processes > 1 or chosen is not HTTPServer.UVICORN:
        click.echo(f"{processes} API processes under {chosen.value}")
        serve_processes(
            settings, db, workers=processes, server=chosen, run_worker=not no_worker, verbose=verbose
        )
        return
    app = create_app(settings, db, keys, run_worker=not no_worker)
    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting normally instead lets the
    # embedded server's exit hook stop PostgreSQL rather than leave it running.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="debug" if verbose else "info",
        # No banner naming the server software, and X-Forwarded-For believed only from the proxies the
        # operator names: uvicorn would otherwise trust it from 127.0.0.1, so anyone on the host could
        # claim any address and get a fresh rate-limit bucket with each request.
        server_header=False,
        # uvicorn's own records go to the process's JSON log lines (infra/logs.py), not its plain text.
        log_config=None,
        proxy_headers=settings.forwarded_allow_ips is not None,
        forwarded_allow_ips=settings.forwarded_allow_ips or "",
        ssl_certfile=settings.tls_cert_file,
        ssl_keyfile=settings.tls_key_file,
    )


@main.command()
@click.option("--verbose", is_flag=True, help="Log at debug level.")
def worker(verbose: bool) -> None:
    """Run the projection worker and webhook deliveries alone (several may run; each has one holder)."""
    from prometheus_client import REGISTRY

    from api.bootstrap import delivery_worker_of
    from api.worker_http import serve_worker_http, worker_app
    from infra.database import resolve_database
    from projections.state import ReadSideCollector, ReadSideState
    from projections.worker import ProjectionWorker

    _json_logging(verbose)
    settings = _settings()
    _start_tracing(settings)
    db = resolve_database(settings.database_url, settings.home)
    _migrated(db, settings)
    runner = ProjectionWorker(db)
    deliveries = delivery_worker_of(db, settings)
    scheduler = _scheduler(db, settings)
    read_side = ReadSideState(db)
    REGISTRY.register(ReadSideCollector(read_side))
    if settings.worker_metrics_port:
        app = worker_app(read_side, runner.is_running, settings.ready_lag_seconds)
        serve_worker_http(settings.host, settings.worker_metrics_port, app)
        click.echo(f"metrics and health on http://{settings.host}:{settings.worker_metrics_port}/metrics")

    def stop(_signum: int, _frame: FrameType | None) -> None:
        runner.stopping.set()
        deliveries.stopping.set()
        if scheduler:
            scheduler.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo("projection worker running; stop with Ctrl-C")
    if scheduler:
        scheduler.start()
    deliveries.start()
    try:
        runner.run_forever()
    finally:
        deliveries.stop()


def _load_demo(db: Database, documents: Path | None = None) -> None:
    from api.demo import load_demo
    from services.registry import Registry

    registry = Registry.connect(db)
    try:
        loaded = load_demo(registry, say=lambda m: click.echo(f"demo: {m}"), documents=documents)
    finally:
        registry.close()
    click.echo("demo: recorded" if loaded else "demo: already present, left as it is")


@main.command()
@DOCUMENTS
def demo(documents: Path | None) -> None:
    """Record the demo localities (England, two regions, Essex, Hertfordshire and four districts)."""
    _logging(False)
    db = _database()
    _load_demo(db, documents)
    _current(db)


@contextmanager
def _audit() -> Iterator[AuditService]:
    """The audit service as the operator: the command line runs with platform-admin rights."""
    from infra.database import resolve_database
    from infra.tokens import load_keys
    from services.audit import AuditService
    from services.registry import Registry

    settings = _settings()
    registry = Registry.connect(resolve_database(settings.database_url, settings.home))
    try:
        yield AuditService(registry, audit_store_of(registry), load_keys(settings))
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
@click.argument("slug", required=False)
@click.option("--all", "every", is_flag=True, help="Every tenant, in parallel; one JSON line per tenant.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 256),
    help="Processes verifying at once with --all (default: one per core).",
)
def verify(slug: str | None, every: bool, jobs: int | None) -> None:
    """Recompute the tenant's chain from the event store; exit 1 when anything does not hold."""
    if (slug is None) != every:
        raise click.UsageError(
            "Name one tenant (compacts verify SLUG) or verify them all (compacts verify --all)."
        )
    if slug is not None:
        with _audit() as audit:
            result = audit.verify_history(OPERATOR, slug)
        click.echo(json.dumps(asdict(result), indent=2))
        sys.exit(0 if result.ok else EXIT_FAILED)
    from api.parallel_verify import default_jobs, verify_all

    failed = 0
    for tenant, found in verify_all(_settings(), jobs or default_jobs()):
        failed += not found.ok
        click.echo(json.dumps({"tenant": tenant, **asdict(found)}))
    sys.exit(EXIT_FAILED if failed else 0)


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

    from projections.queries.annual_report import annual_report
    from projections.tenant_directory import tenants_by_slug

    async def fetch(conn: asyncpg.Connection) -> str | None:
        found = (await tenants_by_slug(conn, [slug])).get(slug)
        if found is None:
            return None
        made = await annual_report(conn, slug, found.name, year, members=True)
        return made.to_html() if form == "html" else made.to_markdown()

    from infra.database import resolve_database

    # A report reads; it leaves migrations to the processes that own the schema.
    settings = _settings()
    db = resolve_database(settings.database_url, settings.home)
    _current(db)
    text = asyncio.run(_read(db, fetch))
    if text is None:
        click.echo(f"There is no tenant '{slug}'.", err=True)
        sys.exit(3)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"{out}: the {year} report of {slug}")


@main.group()
def tenants() -> None:
    """List, show and create tenants (the tiers: national, regional, county, district)."""


def _tenant_dict(row: TenantRow) -> dict[str, str | None]:
    return {"slug": row.slug, "name": row.name, "tier": row.tier, "parent": row.parent}


@tenants.command("list")
@click.option(
    "--tier", type=click.Choice(["NATIONAL", "REGIONAL", "COUNTY", "DISTRICT"]), help="Only this tier."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def tenants_list(tier: str | None, as_json: bool) -> None:
    """Every tenant, by slug, with its tier and parent."""
    import asyncio

    from projections.tenant_directory import list_tenants

    db = _database()
    _current(db)
    rows = asyncio.run(_read(db, lambda conn: list_tenants(conn, tier)))
    lines = [f"{r.slug:<24} {r.tier:<9} {r.parent or '-':<24} {r.name}" for r in rows]
    header = f"{'SLUG':<24} {'TIER':<9} {'PARENT':<24} NAME"
    _emit(as_json, [_tenant_dict(r) for r in rows], "\n".join([header, *lines]) if rows else "no tenants yet")


@tenants.command("show")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def tenants_show(slug: str, as_json: bool) -> None:
    """One tenant: its place in the tiers, its compact in force today and its register."""
    import asyncio

    from projections.compact_text import compacts_in_force
    from projections.register_of_parties import parties_on
    from projections.tenant_directory import children_of, tenants_by_slug

    db = _database()
    _current(db)
    today = clock.today()

    async def fetch(conn: asyncpg.Connection) -> dict[str, Any] | None:
        found = (await tenants_by_slug(conn, [slug])).get(slug)
        if found is None:
            return None
        compact = (await compacts_in_force(conn, [slug], today)).get(slug)
        return {
            **_tenant_dict(found),
            "children": [c.slug for c in (await children_of(conn, [slug]))[slug]],
            "compact": None
            if compact is None
            else {
                "title": compact.title,
                "version": compact.version,
                "effective_on": compact.effective_on.isoformat(),
                "sections": [s.key for s in compact.sections],
            },
            "parties": [p.name for p in (await parties_on(conn, [slug], today))[slug]],
        }

    shown = asyncio.run(_read(db, fetch))
    if shown is None:
        click.echo(f"NOT_FOUND: There is no tenant '{slug}'.", err=True)
        sys.exit(EXIT_NOT_FOUND)
    compact = shown["compact"]
    text = "\n".join(
        [
            f"{shown['name']} ({shown['slug']}), {shown['tier']}, parent: {shown['parent'] or 'none'}",
            f"children: {', '.join(shown['children']) or 'none'}",
            f"compact: {compact['title']}, version {compact['version']} from {compact['effective_on']}, "
            f"{len(compact['sections'])} sections"
            if compact
            else "compact: none in force today",
            f"parties ({len(shown['parties'])}): {', '.join(shown['parties']) or 'none'}",
        ]
    )
    _emit(as_json, shown, text)


@tenants.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--tier", required=True, type=click.Choice(["NATIONAL", "REGIONAL", "COUNTY", "DISTRICT"]))
@click.option("--parent", help="The parent tenant's slug (every tier but NATIONAL has one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def tenants_create(slug: str, name: str, tier: str, parent: str | None, as_json: bool) -> None:
    """Place a new tenant in the tiers, as the platform's operator."""
    from domain.tenancy import Tier
    from services.registry import Registry
    from services.tenants import TenantService

    db = _database()
    registry = Registry.connect(db)
    try:
        with _refusals():
            recorded = TenantService(registry).create_tenant(
                OPERATOR, CreateTenant(slug=slug, name=name, tier=Tier(tier), parent=parent)
            )
    finally:
        registry.close()
    data = {"slug": slug, "name": name, "tier": tier, "parent": parent, "position": recorded.notification_id}
    _emit(as_json, data, f"created {slug} ({tier}{', under ' + parent if parent else ''})")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--tenant", required=True, help="The tenant whose compact this is.")
@click.option(
    "--effective-on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The date it takes effect (default today).",
)
@click.option(
    "--dry-run", is_flag=True, help="Show the sections and matters it would publish; store nothing."
)
@click.option("--yes", is_flag=True, help="Amend without asking, after showing the differences.")
@click.option(
    "--vocabulary",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='Extra keywords per matter, as JSON: {"funding": ["grant aid"]}.',
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def import_document(
    file: Path,
    tenant: str,
    effective_on: datetime | None,
    dry_run: bool,
    yes: bool,
    vocabulary: Path | None,
    as_json: bool,
) -> None:
    """Read a compact document (plain text or Markdown) and publish it, or amend the current text to it.

    The importer finds the title, numbered and unnumbered headings, lists, tables, the glossary and
    appendices, and proposes the matters each section covers. Check them with --dry-run first.
    """
    from domain.document import decode, parse_document

    with _refusals():
        extra = json.loads(vocabulary.read_text(encoding="utf-8")) if vocabulary else None
        parsed = parse_document(decode(file.read_bytes()), vocabulary=extra)
    listing = _listing(parsed)
    if dry_run:
        _emit(as_json, listing, _dry_run(parsed))
        return
    on = effective_on.date() if effective_on else clock.today()
    done, position = _publish_or_amend(parsed, tenant, on, file.name, yes=yes, as_json=as_json)
    if position is None:
        _emit(as_json, {**listing, "changed": False}, "the current text already reads like this")
        return
    _emit(
        as_json,
        {**listing, "tenant": tenant, "effective_on": on.isoformat(), "action": done, "position": position},
        f"{tenant}: {parsed.title} {done}, {len(parsed.to_sections())} sections, "
        f"in effect from {on.isoformat()}",
    )


def _listing(parsed: ParsedDocument) -> dict[str, object]:
    """What the importer read, section by section, as `--json` prints it."""
    return {
        "title": parsed.title,
        "shape": parsed.shape,
        "warnings": list(parsed.warnings),
        "sections": [
            {
                "key": s.key,
                "heading": s.heading,
                "kind": s.kind,
                "matters": list(s.matters),
                "planned": list(s.planned),
                "commitments": [c.as_dict() for c in s.commitments],
                "characters": len(s.text),
            }
            for s in parsed.sections
        ],
    }


def _publish_or_amend(
    parsed: ParsedDocument, tenant: str, on: date, source: str, *, yes: bool, as_json: bool
) -> tuple[str, int | None]:
    """Publishes the document as version 1, or amends the current text to it after showing the differences
    (and asking, unless `yes`). What was done, and the event's position: None if the text is unchanged."""
    from services.importer import ImportService
    from services.registry import Registry

    registry = Registry.connect(_database())
    try:
        importer = ImportService(registry, CompactService(registry, vault_of(registry)))
        with _refusals():
            plan = importer.plan(OPERATOR, tenant=tenant, title=parsed.title, sections=parsed.to_sections())
            if not plan.publishes:
                assert plan.diff is not None
                click.echo(_describe(plan.diff), err=as_json)
                if plan.changes_nothing:
                    return "unchanged", None
                if not yes and not click.confirm(
                    f"Amend version {plan.current_version} of {tenant}?", err=True
                ):
                    sys.exit(EXIT_FAILED)
            recorded = importer.apply(OPERATOR, plan, effective_on=on, source=source)
    finally:
        registry.close()
    done = "published" if plan.publishes else f"amended from version {plan.current_version}"
    return done, recorded.notification_id


def _dry_run(parsed: ParsedDocument) -> str:
    """What an import would publish: each section with its matters, what it only plans, and each
    commitment proposed with the compact's own words it was read from, for the officer to check."""
    lines = [
        f"{parsed.title}: {len(parsed.sections)} sections, read as {parsed.shape} (nothing stored: --dry-run)"
    ]
    lines += [f"warning: {w}" for w in parsed.warnings]
    for s in parsed.sections:
        planned = f" (only planned: {', '.join(s.planned)})" if s.planned else ""
        lines.append(f"  {s.key:<10} {s.heading[:60]:<60} {', '.join(s.matters)}{planned}")
        for c in s.commitments:
            period = f", {c.period.describe()}" if c.period else ", no figure"
            bound = f", binds {'; '.join(c.bound)}" if c.bound else ""
            lines.append(f"      {c.firmness.value} {c.kind.value} '{c.key}'{period}{bound}: {c.summary}")
            if c.quote:
                lines.append(f'        "{c.quote[:300]}"')
    return "\n".join(lines)


def _describe(diff: CompactDiff) -> str:
    lines = [f"+ {s.key} {s.heading}" for s in diff.added]
    lines += [f"- {s.key} {s.heading}" for s in diff.removed]
    lines += [f"~ {c.key} {c.after.heading}: {c.marked[:200]}" for c in diff.changed]
    return "\n".join(lines) or "no differences"


@main.command()
@click.option(
    "--projection", "names", multiple=True, help="Only this read model (repeat for several); default all."
)
@click.option("--tenant", help="Compare only this tenant's rows (the replay is always whole).")
@click.option("--check", is_flag=True, help="Compare and report only; leave the live tables as they are.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def rebuild(names: tuple[str, ...], tenant: str | None, check: bool, as_json: bool) -> None:
    """Replay read models from the event store into shadow tables, compare, and swap them in.

    Readers keep reading the live tables until one short transaction swaps the rebuilt ones in;
    running workers keep projecting until the last catch-up, then carry on from the swapped tables.
    Exit 1 when --check finds differences.
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from projections import rebuild as rebuilding

    _logging(False)
    db = _database()
    with Progress(
        TextColumn("replaying events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=as_json,
    ) as bar:  # fmt: skip
        task = bar.add_task("replay", total=None)
        try:
            found = rebuilding.rebuild(
                db,
                list(names) or None,
                swap=not check,
                tenant=tenant,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        except ValueError as refused:
            click.echo(f"BAD_USER_INPUT: {refused}", err=True)
            sys.exit(EXIT_INVALID)
    data = {"swapped": not check, "differences": [asdict(d) for d in found]}
    lines = [
        f"{d.table}: {d.differing_rows} rows differ (live {d.live_rows}, rebuilt {d.replayed_rows})"
        for d in found
    ]
    verdict = "the live read models equal a full replay" if not found else "\n".join(lines)
    if not check:
        verdict += "\nthe rebuilt tables are now the live ones"
    _emit(as_json, data, verdict)
    if check and found:
        sys.exit(EXIT_FAILED)


@main.command("check-read-models")
def check_read_models() -> None:
    """Replay every event by the bulk path into a scratch database and compare each read model with the
    live one, which the worker kept event by event. Exit 1 when any differs."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from infra.database import resolve_database
    from projections import rebuild

    _logging(False)
    settings = _settings()
    live = resolve_database(settings.database_url, settings.home)
    with Progress(
        TextColumn("replaying events"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as bar:  # fmt: skip
        task = bar.add_task("replay", total=None)
        differences = rebuild.check(
            live, live, lambda done, total: bar.update(task, completed=done, total=total)
        )
    if not differences:
        click.echo(f"every read model ({len(rebuild.READ_MODELS)} tables) equals a full replay")
        return
    for d in differences:
        click.echo(
            f"{d.table}: {d.differing_rows} rows differ (live {d.live_rows}, replayed {d.replayed_rows})"
        )
    sys.exit(1)


def _scheduler(db: Database, settings: Settings) -> CheckpointScheduler | None:
    from api.serving import checkpoint_scheduler

    return checkpoint_scheduler(db, settings)


@main.command()
def migrate() -> None:
    """Apply the numbered migrations the database has not had, then the schema, roles and grants; exit.

    Safe while other processes start: they wait for one another (an advisory lock). A database made by
    0.1.0, before migrations were numbered, gets the first recorded as its baseline. Read models whose
    shape changed are then rebuilt with `compacts rebuild`.
    """
    from infra.database import resolve_database
    from infra.migrate import status

    _logging(False)
    settings = _settings()
    db = resolve_database(settings.database_url, settings.home)
    _migrated(db, settings)
    for done in status(db):
        how = "recorded as the baseline of a database made before 0.2.0" if done.baseline else "applied"
        click.echo(
            f"{done.version:04d}_{done.name}: {how} {done.applied_at:%Y-%m-%d %H:%M:%S %Z} by {done.release}"
        )
    click.echo("schema is up to date")


@main.command()
@click.option("--check", is_flag=True, help="Print only the problems; exit 7 when there is any.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def config(check: bool, as_json: bool) -> None:
    """Print the configuration the environment gives, secrets redacted; --check finds every problem.

    Each variable is shown with its effective value and whether the environment set it or it is the
    default. --check applies the rules `compacts serve` applies at start-up (production's among them).
    """
    settings, problems = Settings.parse()
    problems += settings.problems(serving=True)
    if check:
        if problems:
            _refuse(problems)
        click.echo(f"no problems: this configuration starts in {settings.mode} mode")
        return
    shown = settings.shown()
    data = {name: {"value": value, "set": given} for name, value, given in shown}
    lines = [f"{name}={value}{'' if given else '  (default)'}" for name, value, given in shown]
    lines += [f"problem: {p}" for p in problems]
    _emit(as_json, {"settings": data, "problems": problems}, "\n".join(lines))


@main.command()
@click.option(
    "--quick", is_flag=True, help="Fewer requests and smaller sizes: checks the output, not the figures."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the metrics as JSON here."
)
@click.option(
    "--only",
    type=click.Choice(["append", "lag", "scale", "page", "replay", "verify"]),
    help="One benchmark and its baseline alone (mutation and lookup need append's run).",
)
def bench(quick: bool, out: Path | None, only: str | None) -> None:
    """Measure against baselines in one run (its own scratch database; never inside the tests)."""
    _require_extra("bench")
    from api.tools import bench as benchmarks
    from infra.database import resolve_database

    logging.basicConfig(level=logging.WARNING)
    # One line per request would drown the table.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = _settings()
    server = resolve_database(settings.database_url, settings.home)
    metrics = benchmarks.run(
        server, settings, quick=quick, out=out, say=lambda m: click.echo(m, err=True), only=only
    )
    click.echo(benchmarks.as_table(metrics))


@main.command()
@click.option("--quick", is_flag=True, help="Smaller counts and a 30 s load instead of 5 minutes.")
def soak(quick: bool) -> None:
    """Faults and load against real API and worker processes; one row per scenario, exit 1 on a FAIL."""
    _require_extra("soak")
    from api.tools import soak as soaking
    from infra.database import resolve_database

    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = _settings()
    server = resolve_database(settings.database_url, settings.home)
    click.echo(soaking.HEADER)
    outcomes = soaking.run(server, settings.home / "soak", quick=quick, say=click.echo)
    failed = [o.scenario for o in outcomes if not o.passed]
    click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} scenarios passed")
    sys.exit(EXIT_FAILED if failed else 0)


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

    settings = _settings()
    keys = load_keys(settings)
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
