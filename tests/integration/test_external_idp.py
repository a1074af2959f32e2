"""A council's own sign-in: RS256 tokens verified by kid from its JWKS URL, with its own claim names."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, generate_private_key

from domain.actors import Role
from infra.tokens import ExternalIssuer, InvalidToken, KeyRing, verify_token

ISSUER = "https://login.harlow.example"


def rsa() -> RSAPrivateKey:
    return generate_private_key(public_exponent=65537, key_size=2048)


class Keys:
    """The identity provider's published keys, which a test may rotate."""

    def __init__(self) -> None:
        self.published: dict[str, RSAPrivateKey] = {}

    def jwks(self) -> bytes:
        keys = []
        for kid, key in self.published.items():
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return json.dumps({"keys": keys}).encode()


@pytest.fixture
def provider() -> Iterator[tuple[Keys, str]]:
    keys = Keys()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = keys.jwks()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield keys, f"http://127.0.0.1:{server.server_port}/jwks"
    server.shutdown()


def ring(url: str, **claims: str) -> KeyRing:
    external = ExternalIssuer(
        issuer=ISSUER,
        audience="compact-registry",
        algorithms=("RS256",),
        # No cooldown between refetches here: the test rotates keys within a second.
        jwks=jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=5, cooldown_duration=0),
        **claims,
    )
    return KeyRing(None, {}, external)


def token(key: RSAPrivateKey, kid: str, **claims: Any) -> str:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": "compact-registry", "iat": now, "exp": now + 600}
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": kid})


def verify(keys: KeyRing, raw: str) -> Any:
    return verify_token(keys, raw, issuer="compact-registry", audience="compact-registry")


def test_a_token_from_the_councils_sign_in_is_read_with_its_own_claim_names(
    provider: tuple[Keys, str],
) -> None:
    published, url = provider
    key = rsa()
    published.published["k1"] = key
    keys = ring(url, sub_claim="email", roles_claim="realm_access.roles", tenants_claim="councils")
    actor = verify(
        keys,
        token(
            key, "k1", email="officer@harlow.example", realm_access={"roles": ["editor"]}, councils=["harlow"]
        ),
    )
    assert actor.sub == "officer@harlow.example"
    assert actor.roles == frozenset({Role.EDITOR})
    assert actor.tenants == frozenset({"harlow"})


def test_a_rotated_key_is_fetched_and_the_old_one_still_works_while_published(
    provider: tuple[Keys, str],
) -> None:
    published, url = provider
    old, new = rsa(), rsa()
    published.published["old"] = old
    keys = ring(url)
    assert verify(keys, token(old, "old", sub="a")).sub == "a"
    published.published["new"] = new
    assert verify(keys, token(new, "new", sub="b")).sub == "b"
    assert verify(keys, token(old, "old", sub="c")).sub == "c"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unknown kid", "do not verify this token"),
        ("wrong audience", "Audience doesn't match"),
        ("expired", "has expired"),
        ("no subject", "has no 'sub' claim"),
        ("signed by another key", "Signature verification failed"),
        ("hs256 with the public key", "alg value is not allowed"),
    ],
)
def test_bad_tokens_from_the_provider_are_refused(
    provider: tuple[Keys, str], case: str, expected: str
) -> None:
    published, url = provider
    key = rsa()
    published.published["k1"] = key
    now = int(time.time())
    raw = {
        "unknown kid": lambda: token(key, "k9", sub="a"),
        "wrong audience": lambda: token(key, "k1", sub="a", aud="someone-else"),
        "expired": lambda: token(key, "k1", sub="a", iat=now - 4000, exp=now - 3600),
        "no subject": lambda: token(key, "k1"),
        "signed by another key": lambda: token(rsa(), "k1", sub="a"),
        "hs256 with the public key": lambda: jwt.encode(
            {"iss": ISSUER, "aud": "compact-registry", "iat": now, "exp": now + 60, "sub": "a"},
            "a shared secret long enough for HS256 to accept",
            algorithm="HS256",
            headers={"kid": "k1"},
        ),
    }[case]()
    with pytest.raises(InvalidToken, match=expected):
        verify(ring(url), raw)
