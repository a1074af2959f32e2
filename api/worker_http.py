"""The worker's own HTTP server: /metrics, /health/live and /health/ready on COMPACTS_WORKER_METRICS_PORT."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.exposition import ThreadingWSGIServer

from api.health import readiness
from projections.state import ReadSideState


class _Quiet(WSGIRequestHandler):
    """Scrapes and probes every few seconds are not worth a log line each."""

    def log_message(self, format: str, *args: object) -> None:
        return


def worker_app(
    read_side: ReadSideState, alive: Callable[[], bool], max_lag_seconds: float
) -> WSGIApplication:
    """The WSGI app: live while the projection loop runs, ready while the read side is within its lag."""

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            body = generate_latest(REGISTRY)
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [body]
        if path == "/health/live":
            ok = alive()
            return _json(start_response, ok, {"status": "ok" if ok else "stopped"})
        if path == "/health/ready":
            found = readiness(read_side.snapshot(), max_lag_seconds)
            return _json(start_response, alive() and found["status"] == "ready", dict(found))
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"Not found: the worker serves /metrics, /health/live and /health/ready.\n"]

    return app


def _json(start_response: StartResponse, ok: bool, body: dict[str, object]) -> list[bytes]:
    start_response("200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def serve_worker_http(host: str, port: int, app: WSGIApplication) -> WSGIServer:
    """Serve `app` from a daemon thread until the process ends (or `shutdown()`)."""
    server = make_server(host, port, app, ThreadingWSGIServer, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="worker-http", daemon=True).start()
    return server
