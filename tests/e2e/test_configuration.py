"""Configuration that fails closed, through the real command: refusals before anything starts, production
over HTTPS with its own keys, and the proxy it is told it sits behind."""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner, Result
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.cli import main
from infra.database import Database
from infra.tokens import KeyRing, key_id, mint_token
from tests.conftest import ROOT
from tests.e2e.conftest import Server, start_server, stop_server
from tests.support import certificates

ISSUER = "https://registry.example.org"
AUDIENCE = "compact-registry-example"


def operator_env(env: dict[str, str]) -> dict[str, str]:
    """The environment an operator gives, with nothing of this process's own COMPACTS_ settings."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("COMPACTS_") and k != "DATABASE_URL"}
    return {**base, **env}


def compacts(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as an operator starts it."""
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=operator_env(env),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def config(*args: str, env: dict[str, str]) -> Result:
    """`compacts config` in this process (it starts nothing), with exactly the environment given."""
    given = operator_env(env)
    unset: dict[str, str | None] = {k: None for k in os.environ if k not in given}
    return CliRunner().invoke(main, ["config", *args], env={**unset, **given})


def production_keys(folder: Path) -> tuple[KeyRing, dict[str, str]]:
    """An operator's own signing key and JWKS, and the variables that name them."""
    folder.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    ring = KeyRing(key, {key_id(key.public_key()): key.public_key()})
    (folder / "jwks.json").write_text(json.dumps(ring.jwks()))
    (folder / "signing.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ring, {
        "COMPACTS_MODE": "production",
        "COMPACTS_JWKS_FILE": str(folder / "jwks.json"),
        "COMPACTS_JWT_PRIVATE_KEY_FILE": str(folder / "signing.pem"),
        "COMPACTS_JWT_ISSUER": ISSUER,
        "COMPACTS_JWT_AUDIENCE": AUDIENCE,
    }


def test_serve_refuses_an_unknown_mode_in_one_line_before_starting_anything(tmp_path: Path) -> None:
    done = compacts("serve", env={"COMPACTS_MODE": "prod", "COMPACTS_HOME": str(tmp_path)})
    assert done.returncode == 7
    assert done.stderr.splitlines() == [
        "CONFIGURATION: COMPACTS_MODE='prod' is not valid: expected development or production."
    ]
    assert done.stdout == ""
    assert not (tmp_path / "pgdata").exists()  # no embedded server was started


def test_serve_in_production_refuses_generated_keys_defaults_and_a_public_address_without_tls(
    tmp_path: Path,
) -> None:
    production = {"COMPACTS_MODE": "production", "COMPACTS_HOME": str(tmp_path)}
    done = compacts("serve", "--host", "0.0.0.0", env=production)  # noqa: S104 (refused before it binds)
    assert done.returncode == 7
    assert done.stderr.splitlines() == [
        "CONFIGURATION: COMPACTS_MODE=production needs COMPACTS_JWKS_FILE (and COMPACTS_JWT_PRIVATE_KEY_FILE "
        "to mint tokens); it never generates its own keys.",
        "CONFIGURATION: COMPACTS_MODE=production needs COMPACTS_JWT_ISSUER: name this registry's own, not the "
        "development default 'compact-registry'.",
        "CONFIGURATION: COMPACTS_MODE=production needs COMPACTS_JWT_AUDIENCE: name this registry's own, not the "
        "development default 'compact-registry'.",
        "CONFIGURATION: COMPACTS_MODE=production refuses to serve 0.0.0.0 without TLS: set COMPACTS_TLS_CERT_FILE "
        "and COMPACTS_TLS_KEY_FILE, or FORWARDED_ALLOW_IPS to the proxy that ends TLS in front of it.",
    ]
    assert not (tmp_path / "keys").exists()  # no key was generated either


def test_config_shows_the_effective_configuration_with_every_secret_redacted(tmp_path: Path) -> None:
    env = {
        "DATABASE_URL": "postgresql://registry:hunter2@db.internal:5432/compacts?sslmode=verify-full",
        "COMPACTS_READER_PASSWORD": "s3cret-reader",
        "COMPACTS_HOME": str(tmp_path),
        "COMPACTS_CORS_ORIGINS": "https://compact.harlow.gov.uk",
    }
    done = config(env=env)
    assert done.exit_code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert (
        "DATABASE_URL=postgresql://registry:********@db.internal:5432/compacts?sslmode=verify-full" in lines
    )
    assert "COMPACTS_READER_PASSWORD=********" in lines
    assert "COMPACTS_CORS_ORIGINS=https://compact.harlow.gov.uk" in lines
    assert "COMPACTS_MODE=development  (default)" in lines
    assert "hunter2" not in done.stdout
    assert "s3cret-reader" not in done.stdout
    shown = json.loads(config("--json", env=env).stdout)
    assert shown["settings"]["COMPACTS_RATE_PER_TOKEN"] == {"value": "6000", "set": False}
    assert shown["problems"] == []


def test_config_check_passes_a_complete_production_configuration_and_names_each_problem_otherwise(
    tmp_path: Path,
) -> None:
    _, env = production_keys(tmp_path / "keys")
    behind_proxy = {**env, "COMPACTS_HOST": "0.0.0.0", "FORWARDED_ALLOW_IPS": "10.0.0.5"}  # noqa: S104
    done = compacts("config", "--check", env=behind_proxy)
    assert (done.returncode, done.stdout) == (
        0,
        "no problems: this configuration starts in production mode\n",
    )
    done = compacts(
        "config",
        "--check",
        env={**behind_proxy, "COMPACTS_RATE_PER_ADDRES": "10", "COMPACTS_JWKS_FILE": "/nope"},
    )
    assert done.returncode == 7
    assert done.stderr.splitlines() == [
        "CONFIGURATION: COMPACTS_RATE_PER_ADDRES is not a setting of the registry (`compacts config` lists them); "
        "did you mean COMPACTS_RATE_PER_ADDRESS?",
        "CONFIGURATION: COMPACTS_JWKS_FILE='/nope' is not a readable file: expected a JWKS file path.",
    ]


@pytest.fixture(scope="module")
def production(db: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, KeyRing]]:
    """Production over HTTPS on loopback, its own keys, behind a proxy at 127.0.0.1."""
    home = tmp_path_factory.mktemp("production")
    ring, env = production_keys(home / "keys")
    made = certificates(home / "tls")
    env |= {
        "DATABASE_URL": db.url,
        "COMPACTS_TLS_CERT_FILE": str(made.cert),
        "COMPACTS_TLS_KEY_FILE": str(made.key),
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        # Bursts of ten per address, so that a caller's own bucket runs dry within the test.
        "COMPACTS_RATE_PER_ADDRESS": "60",
    }
    running = start_server(home, env, ("--no-worker",), tls=ssl.create_default_context(cafile=str(made.ca)))
    yield running, ring
    stop_server(running)


def test_production_serves_https_and_accepts_tokens_signed_with_its_own_key(
    production: tuple[Server, KeyRing],
) -> None:
    server, ring = production
    assert server.url.startswith("https://")
    token = mint_token(
        ring, sub="officer@example.org", roles=["auditor"], tenants=[], issuer=ISSUER, audience=AUDIENCE
    )
    answer = server.graphql("{ matters { key } }", token=token)
    assert answer.status_code == 200
    assert answer.json()["data"]["matters"]
    # A development token (the default issuer and audience) is refused.
    other = mint_token(
        ring, sub="x", roles=["auditor"], tenants=[], issuer="compact-registry", audience="compact-registry"
    )
    assert server.graphql("{ matters { key } }", token=other).status_code == 401
    with pytest.raises(httpx.HTTPError):
        httpx.get(server.url.replace("https://", "http://") + "/health", timeout=5)


def test_behind_the_proxy_it_names_each_forwarded_address_is_its_own_caller(
    production: tuple[Server, KeyRing],
) -> None:
    server, _ = production

    def ask(address: str) -> httpx.Response:
        return httpx.post(
            f"{server.url}/graphql",
            json={"query": "{ matters { key } }"},
            headers={"X-Forwarded-For": address},
            timeout=10,
            verify=server.verify,
        )

    # Each address the proxy forwards for has a bucket of its own (bursts of ten): none is refused.
    distinct = [ask(f"10.2.{i}.1") for i in range(15)]
    assert [a.status_code for a in distinct] == [200] * 15
    assert all("errors" not in a.json() for a in distinct)
    # One address asking again and again runs its own bucket dry.
    same = [ask("10.3.0.1") for _ in range(20)]
    refused = [a for a in same if "errors" in a.json()]
    assert len(refused) >= 9
    assert {a.json()["errors"][0]["extensions"]["code"] for a in refused} == {"RATE_LIMITED"}
