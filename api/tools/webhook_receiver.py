"""A webhook receiver on loopback for the tests and the soak: records each request, and fails when told to."""

from __future__ import annotations

import ssl
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook as Verifier


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: str
    answered: int


class Receiver:
    """Answers 204, or 503 while `failing` (or for the next `fail_next` requests)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.received: list[Received] = []
        self.failing = False
        self.fail_next = 0
        # Seconds each answer takes: deliveries are then still going on when a worker is killed.
        self.delay = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                if receiver.delay:
                    time.sleep(receiver.delay)
                with receiver._lock:
                    fail = receiver.failing or receiver.fail_next > 0
                    receiver.fail_next = max(0, receiver.fail_next - 1)
                    status = 503 if fail else 204
                    receiver.received.append(
                        Received({k.lower(): v for k, v in self.headers.items()}, body, status)
                    )
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the tests read what was received

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}/hooks"
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="webhook-receiver", daemon=True
        )

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.answered == 204]

    def all(self) -> list[Received]:
        with self._lock:
            return list(self.received)


def verified(secret: str, received: Received) -> dict[str, Any]:
    """The body, once its signature verifies with the Standard Webhooks reference verifier; else it raises."""
    payload: dict[str, Any] = Verifier(secret).verify(received.body, received.headers)
    return payload
