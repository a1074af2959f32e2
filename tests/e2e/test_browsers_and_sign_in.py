"""Over real HTTP: browsers from the allowed origins only, and a slow council sign-in that holds up no one else."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key

from infra.database import Database
from tests.e2e.conftest import Server, start_server, stop_server

ALLOWED = "https://compact.harlow.gov.uk"
IDP = "https://login.harlow.example"
# How long the provider may keep its answer back; the registry waits for it longer than that.
HOLD_SECONDS = 20


class SlowProvider:
    """A council's sign-in whose key set is held back until the test lets it go."""

    def __init__(self) -> None:
        self.key: RSAPrivateKey = generate_private_key(public_exponent=65537, key_size=2048)
        self.asked = threading.Event()
        self.release = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                provider.asked.set()
                provider.release.wait(HOLD_SECONDS)
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key()))
                body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_port}/jwks"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def token(self) -> str:
        now = int(time.time())
        claims = {
            "iss": IDP,
            "aud": "compact-registry",
            "iat": now,
            "exp": now + 600,
            "sub": "officer@harlow",
        }
        return jwt.encode(
            {**claims, "roles": ["auditor"]}, self.key, algorithm="RS256", headers={"kid": "k1"}
        )


@pytest.fixture(scope="module")
def provider() -> Iterator[SlowProvider]:
    slow = SlowProvider()
    yield slow
    slow.release.set()
    slow.http.shutdown()


@pytest.fixture(scope="module")
def browsers(
    db: Database, provider: SlowProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server with one allowed origin and a council's sign-in."""
    running = start_server(
        tmp_path_factory.mktemp("browsers"),
        {
            "DATABASE_URL": db.url,
            "COMPACTS_CORS_ORIGINS": ALLOWED,
            "COMPACTS_IDP_ISSUER": IDP,
            "COMPACTS_IDP_JWKS_URL": provider.url,
            "COMPACTS_IDP_JWKS_TIMEOUT": str(HOLD_SECONDS + 10),
        },
        ("--no-worker",),
    )
    yield running
    stop_server(running)


def preflight(server: Server, origin: str) -> httpx.Response:
    return httpx.options(
        f"{server.url}/graphql",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
        timeout=10,
    )


def test_a_page_from_an_allowed_origin_may_send_a_token_json_and_an_idempotency_key(browsers: Server) -> None:
    answer = preflight(browsers, ALLOWED)
    assert answer.status_code in (200, 204)
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "POST" in answer.headers["access-control-allow-methods"]
    posted = httpx.post(
        f"{browsers.url}/graphql",
        json={"query": "{ matters { key } }"},
        headers={"Origin": ALLOWED},
        timeout=10,
    )
    assert posted.headers["access-control-allow-origin"] == ALLOWED
    assert posted.json()["data"]["matters"]


def test_a_page_from_any_other_origin_is_not_allowed(browsers: Server) -> None:
    answer = preflight(browsers, "https://elsewhere.example")
    assert "access-control-allow-origin" not in answer.headers
    posted = httpx.post(
        f"{browsers.url}/graphql",
        json={"query": "{ matters { key } }"},
        headers={"Origin": "https://elsewhere.example"},
        timeout=10,
    )
    assert "access-control-allow-origin" not in posted.headers


def test_no_origin_is_allowed_unless_the_operator_names_it(server: Server) -> None:
    answer = preflight(server, ALLOWED)
    assert "access-control-allow-origin" not in answer.headers
    assert "access-control-allow-headers" not in answer.headers


def test_the_api_keeps_answering_while_the_sign_in_is_slow_to_hand_over_its_keys(
    browsers: Server, provider: SlowProvider
) -> None:
    signed_in: dict[str, httpx.Response] = {}

    def send() -> None:
        signed_in["answer"] = browsers.graphql("{ matters { key } }", token=provider.token())

    waiting = threading.Thread(target=send)
    waiting.start()
    try:
        assert provider.asked.wait(30), "the registry never asked the sign-in for its keys"
        # While the key set is held back, other requests are answered: the fetch is off the event loop.
        assert httpx.get(f"{browsers.url}/health", timeout=10).status_code == 200
        public = browsers.graphql("{ matters { key } }")
        assert public.json()["data"]["matters"]
        assert waiting.is_alive()
        assert not provider.release.is_set()
    finally:
        provider.release.set()
        waiting.join(60)
    answer = signed_in["answer"]
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"]["matters"]
