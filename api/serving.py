"""The API in several processes (one per core), under uvicorn or granian, the projection worker in one."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Any, cast

from infra.database import Database
from infra.settings import Settings, pass_on_database

if TYPE_CHECKING:
    # Only types: the command line imports this module, and litestar need not load for every command.
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from services.checkpoints import CheckpointScheduler

# Each process builds its own app from one of these factories; the processes share nothing but the database.
FACTORY = "api.serving:served"
GRANIAN_FACTORY = "api.serving:served_by_granian"
# granian names itself in a `server` header unless the app sends one; uvicorn's banner is off (server_header).
BANNER = (b"server", b"compact-registry")


class HTTPServer(StrEnum):
    """The HTTP servers the API runs under; `compacts bench` measures both behind the same app."""

    UVICORN = "uvicorn"
    GRANIAN = "granian"


# How long an API process may take to start before its supervisor gives up on it.
STARTUP_SECONDS = 60

# The faster of the two in `compacts bench` on this project's machine (docs/performance.md).
DEFAULT_SERVER = HTTPServer.GRANIAN


def processes_for(workers: int) -> int:
    """`--workers 0` is one process per core."""
    return workers if workers > 0 else os.cpu_count() or 1


def served() -> ASGIApp:
    """The app of one of several API processes, built from the environment its parent prepared.

    The parent resolved the database (starting the embedded server if it is one) and made the keys; this
    process only connects. It never runs the projection worker, which the parent keeps.
    """
    from api.app import create_app
    from infra.tokens import load_keys

    settings = Settings.from_env()
    if settings.database_url is None:
        raise SystemExit("an API process was started without the database its parent resolved")
    app: ASGIApp = create_app(
        settings, Database(settings.database_url), load_keys(settings), run_worker=False
    )
    if settings.forwarded_allow_ips is not None:
        # uvicorn reads X-Forwarded-For itself; under granian the same middleware does it, from the same list.
        from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

        trusted = settings.forwarded_allow_ips
        app = cast("ASGIApp", ProxyHeadersMiddleware(cast(Any, app), trusted_hosts=trusted))
    return app


def checkpoint_scheduler(db: Database, settings: Settings) -> CheckpointScheduler | None:
    """The checkpoint scheduler, where this process has a key to sign with."""
    from api.bootstrap import audit_store_of
    from infra.tokens import load_keys
    from services.audit import AuditService
    from services.checkpoints import CheckpointScheduler as Scheduler
    from services.registry import Registry

    if settings.checkpoint_seconds <= 0:
        return None
    try:
        keys = load_keys(settings)
    except SystemExit:
        return None  # a production worker without a signing key still projects
    if keys.signing_key is None:
        return None
    registry = Registry.connect(db)
    return Scheduler(AuditService(registry, audit_store_of(registry), keys), settings.checkpoint_seconds)


def served_by_granian() -> ASGIApp:
    """`served`, answering with the registry's own name in place of granian's banner."""
    app = served()

    async def named(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), BANNER]
            await send(message)

        await app(scope, receive, send_named)

    return named


@contextmanager
def projecting(settings: Settings, db: Database, *, run_worker: bool) -> Iterator[None]:
    """The projection worker (and the checkpoint scheduler) in this process, while the API processes run.

    Only one process of a `serve` projects: the API processes never do, so there is one worker however many
    of them there are.
    """
    if not run_worker:
        yield
        return
    from projections.worker import ProjectionWorker

    worker = ProjectionWorker(db)
    scheduler = checkpoint_scheduler(db, settings)
    worker.start()
    if scheduler:
        scheduler.start()
    try:
        yield
    finally:
        if scheduler:
            scheduler.stop()
        worker.stop()


def serve_processes(
    settings: Settings, db: Database, *, workers: int, server: HTTPServer, run_worker: bool, verbose: bool
) -> None:
    """Run `workers` API processes under `server`, each building its app with `served`, until stopped."""
    # The API processes read their settings from the environment: they get the database this one resolved
    # (the embedded server's socket when none is configured), so they connect to it rather than start one.
    pass_on_database(db.url)
    with projecting(settings, db, run_worker=run_worker):
        if server is HTTPServer.GRANIAN:
            _granian(settings, workers, verbose)
        else:
            _uvicorn(settings, workers, verbose)


def _uvicorn(settings: Settings, workers: int, verbose: bool) -> None:
    import uvicorn

    # uvicorn re-raises SIGTERM after its graceful shutdown; exiting normally instead lets the embedded
    # server's exit hook stop PostgreSQL rather than leave it running.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    uvicorn.run(
        FACTORY,
        factory=True,
        workers=workers,
        host=settings.host,
        port=settings.port,
        log_level="debug" if verbose else "info",
        server_header=False,
        # No line per request, as under granian: a proxy in front logs requests, and here it cost a share of
        # the lookup's time in a profile.
        access_log=False,
        proxy_headers=False,  # `served` adds them, from the same list, for either server
        # A process still importing the app cannot answer the supervisor's ping; on a busy machine that
        # took longer than uvicorn's 5 s, and it killed and restarted its processes over and over.
        timeout_worker_healthcheck=STARTUP_SECONDS,
        ssl_certfile=settings.tls_cert_file,
        ssl_keyfile=settings.tls_key_file,
    )


def _granian(settings: Settings, workers: int, verbose: bool) -> None:
    from granian.constants import Interfaces, Loops
    from granian.log import LogLevels
    from granian.server import Server

    Server(
        GRANIAN_FACTORY,
        factory=True,
        address=settings.host,
        port=settings.port,
        interface=Interfaces.ASGI,
        workers=workers,
        loop=Loops.uvloop if sys.platform != "win32" else Loops.asyncio,
        log_level=LogLevels.debug if verbose else LogLevels.info,
        ssl_cert=settings.tls_cert_file,
        ssl_key=settings.tls_key_file,
        # Workers that die are started again, as a supervisor would.
        respawn_failed_workers=True,
    ).serve()
