"""The one settings object: every variable validated at start-up, production's rules, nothing secret shown."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from infra.settings import FIELDS, ConfigurationError, Settings

ROOT = Path(__file__).resolve().parents[2]
# A production configuration that passes every rule; each test breaks one thing.
PRODUCTION = {
    "COMPACTS_MODE": "production",
    "COMPACTS_JWT_ISSUER": "https://registry.example.org",
    "COMPACTS_JWT_AUDIENCE": "compact-registry-harlow",
}


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    jwks = tmp_path / "jwks.json"
    jwks.write_text('{"keys": []}')
    return {**PRODUCTION, "COMPACTS_JWKS_FILE": str(jwks)}


def problems(env: dict[str, str], *, serving: bool = True) -> list[str]:
    settings, found = Settings.parse(env)
    return found + settings.problems(serving=serving)


def test_an_empty_environment_is_a_development_registry_on_loopback_with_no_problem() -> None:
    settings = Settings.from_env({})
    assert (settings.mode, settings.production, settings.host, settings.port) == (
        "development",
        False,
        "127.0.0.1",
        8000,
    )
    assert settings.cors_origins == ()
    assert settings.problems(serving=True) == []


def test_an_unknown_mode_refuses_to_start_instead_of_meaning_development() -> None:
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"COMPACTS_MODE": "prod"})
    assert refused.value.problems == [
        "COMPACTS_MODE='prod' is not valid: expected development or production."
    ]


def test_every_bad_value_is_its_own_line_found_at_once() -> None:
    found = problems(
        {
            "COMPACTS_RATE_PER_TOKEN": "many",
            "COMPACTS_RYW_TIMEOUT": "0",
            "COMPACTS_MAX_TOKEN_SECONDS": "30",
            "COMPACTS_PORT": "70000",
        }
    )
    assert found == [
        "COMPACTS_PORT='70000' is not valid: expected 1 to 65535.",
        "COMPACTS_MAX_TOKEN_SECONDS='30' is not valid: expected a whole number of seconds, at least 60.",
        "COMPACTS_RYW_TIMEOUT='0' is not valid: expected a number of seconds from 0.1 to 600.",
        "COMPACTS_RATE_PER_TOKEN='many' is not valid: expected a whole number, at least 1.",
    ]


def test_a_misspelt_variable_is_refused_with_the_name_it_was_meant_to_be() -> None:
    assert problems({"COMPACTS_JWT_ISSUR": "https://registry.example.org"}) == [
        "COMPACTS_JWT_ISSUR is not a setting of the registry (`compacts config` lists them); "
        "did you mean COMPACTS_JWT_ISSUER?"
    ]


def test_a_secret_that_is_not_valid_is_not_repeated_in_the_problem() -> None:
    found = problems({"DATABASE_URL": "postgresql://u:hunter2@db/compacts?keepalives=1"})
    assert len(found) == 1
    assert "keepalives" in found[0]
    assert "hunter2" not in found[0]


def test_production_refuses_generated_keys_and_the_development_issuer_and_audience() -> None:
    assert problems({"COMPACTS_MODE": "production"}) == [
        "COMPACTS_MODE=production needs COMPACTS_JWKS_FILE (and COMPACTS_JWT_PRIVATE_KEY_FILE to mint "
        "tokens); it never generates its own keys.",
        "COMPACTS_MODE=production needs COMPACTS_JWT_ISSUER: name this registry's own, not the development "
        "default 'compact-registry'.",
        "COMPACTS_MODE=production needs COMPACTS_JWT_AUDIENCE: name this registry's own, not the development "
        "default 'compact-registry'.",
    ]


def test_production_on_loopback_with_its_own_keys_issuer_and_audience_has_no_problem(
    production: dict[str, str],
) -> None:
    assert problems(production) == []


def test_production_refuses_a_public_address_without_tls(production: dict[str, str]) -> None:
    assert problems({**production, "COMPACTS_HOST": "0.0.0.0"}) == [  # noqa: S104 (never bound here)
        "COMPACTS_MODE=production refuses to serve 0.0.0.0 without TLS: set COMPACTS_TLS_CERT_FILE and "
        "COMPACTS_TLS_KEY_FILE, or FORWARDED_ALLOW_IPS to the proxy that ends TLS in front of it."
    ]
    settings = Settings.from_env(production)
    assert settings.with_address("192.0.2.10", None).problems(serving=True) != []
    assert settings.with_address("::1", None).problems(serving=True) == []
    # The worker serves no requests: the address is the API's rule.
    assert Settings.from_env({**production, "COMPACTS_HOST": "0.0.0.0"}).problems(serving=False) == []  # noqa: S104


def test_production_serves_a_public_address_behind_the_proxy_it_names(production: dict[str, str]) -> None:
    public = {**production, "COMPACTS_HOST": "0.0.0.0"}  # noqa: S104 (never bound here)
    assert problems({**public, "FORWARDED_ALLOW_IPS": "10.0.0.5, 10.1.0.0/16"}) == []
    assert problems({**public, "FORWARDED_ALLOW_IPS": "proxy.internal"}) == [
        "FORWARDED_ALLOW_IPS has 'proxy.internal', which is not an IP address or network."
    ]


def test_production_serves_a_public_address_with_tls(production: dict[str, str], tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_text("certificate")
    key.write_text("key")
    tls = {"COMPACTS_TLS_CERT_FILE": str(cert), "COMPACTS_TLS_KEY_FILE": str(key)}
    assert problems({**production, "COMPACTS_HOST": "192.0.2.10", **tls}) == []
    assert Settings.from_env(tls).scheme == "https"
    assert problems({"COMPACTS_TLS_CERT_FILE": str(cert)}) == [
        "Set both COMPACTS_TLS_CERT_FILE and COMPACTS_TLS_KEY_FILE to serve HTTPS, or neither."
    ]
    assert problems(
        {"COMPACTS_TLS_CERT_FILE": str(tmp_path / "missing.pem"), "COMPACTS_TLS_KEY_FILE": str(key)}
    ) == [
        f"COMPACTS_TLS_CERT_FILE='{tmp_path / 'missing.pem'}' is not a readable file: expected a PEM file path."
    ]


def test_production_fetches_a_council_sign_ins_keys_only_over_https(production: dict[str, str]) -> None:
    idp = {
        "COMPACTS_IDP_ISSUER": "https://login.harlow.example",
        "COMPACTS_IDP_JWKS_URL": "http://login/jwks",
    }
    assert problems({**production, **idp}) == [
        "COMPACTS_MODE=production fetches COMPACTS_IDP_JWKS_URL only over https://."
    ]
    assert problems(idp) == []
    assert problems({"COMPACTS_IDP_ISSUER": "https://login.harlow.example"}) == [
        "An external identity provider needs both COMPACTS_IDP_ISSUER and COMPACTS_IDP_JWKS_URL."
    ]
    assert problems({**idp, "COMPACTS_IDP_ALGORITHMS": "RS256,HS256"}) == [
        "COMPACTS_IDP_ALGORITHMS may list only asymmetric algorithms (ES256, ES384, ES512, EdDSA, PS256, "
        "PS384, PS512, RS256, RS384, RS512); remove HS256."
    ]


def test_cors_origins_are_an_allow_list_of_origins() -> None:
    settings = Settings.from_env(
        {"COMPACTS_CORS_ORIGINS": "https://compact.harlow.gov.uk, http://localhost:3000"}
    )
    assert settings.cors_origins == ("https://compact.harlow.gov.uk", "http://localhost:3000")
    assert problems({"COMPACTS_CORS_ORIGINS": "*,https://cvs.example.org/directory"}) == [
        "COMPACTS_CORS_ORIGINS is an allow-list: name each origin instead of '*'.",
        "COMPACTS_CORS_ORIGINS has 'https://cvs.example.org/directory', which is not an origin; write "
        "scheme://host[:port] with no path, such as https://compact.harlow.gov.uk.",
    ]


def test_database_url_options_the_drivers_all_take_are_accepted() -> None:
    url = "postgresql://registry@db:5432/compacts?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=api"
    assert problems({"DATABASE_URL": url}) == []
    assert problems({"DATABASE_URL": "not a url"}) == [
        "DATABASE_URL is not a PostgreSQL URL or libpq keyword string; write it as "
        "postgresql://user:password@host:5432/dbname?sslmode=verify-full."
    ]


def test_a_standby_url_is_checked_as_the_primarys_is_and_named_in_its_problem() -> None:
    standby = "postgresql://registry@standby:5432/compacts?sslmode=verify-full&application_name=api"
    assert problems({"DATABASE_READ_URL": standby, "COMPACTS_STANDBY_WAIT": "0.5"}) == []
    assert problems({"DATABASE_READ_URL": "not a url"}) == [
        "DATABASE_READ_URL is not a PostgreSQL URL or libpq keyword string; write it as "
        "postgresql://user:password@host:5432/dbname?sslmode=verify-full."
    ]
    assert problems({"DATABASE_READ_URL": "postgresql://standby/compacts?options=-c%20x%3Dy"}) == [
        "DATABASE_READ_URL's option(s) options cannot reach every driver the registry uses; remove them "
        "(supported: sslmode, sslrootcert, sslcert, sslkey, sslcrl, sslpassword, application_name, "
        "connect_timeout, target_session_attrs, passfile)."
    ]
    assert problems({"COMPACTS_STANDBY_WAIT": "61"}) == [
        "COMPACTS_STANDBY_WAIT='61' is not valid: expected a number of seconds from 0 to 60."
    ]


def test_the_standby_url_is_shown_with_only_its_password_redacted() -> None:
    settings = Settings.from_env({"DATABASE_READ_URL": "postgresql://registry:hunter2@standby:5432/compacts"})
    shown = {name: (value, given) for name, value, given in settings.shown()}
    assert shown["DATABASE_READ_URL"] == ("postgresql://registry:********@standby:5432/compacts", True)
    assert shown["COMPACTS_STANDBY_WAIT"] == ("1.0", False)
    assert "hunter2" not in repr(shown)


def test_the_configuration_shown_redacts_every_secret_and_says_what_was_set() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://registry:hunter2@db:5432/compacts?sslmode=require",
            "COMPACTS_READER_PASSWORD": "s3cret-reader",
            "COMPACTS_RATE_PER_TOKEN": "120",
        }
    )
    shown = {name: (value, given) for name, value, given in settings.shown()}
    assert shown["DATABASE_URL"] == ("postgresql://registry:********@db:5432/compacts?sslmode=require", True)
    assert shown["COMPACTS_READER_PASSWORD"] == ("********", True)
    assert shown["COMPACTS_RATE_PER_TOKEN"] == ("120", True)
    assert shown["COMPACTS_RATE_PER_ADDRESS"] == ("3000", False)
    assert "hunter2" not in repr(shown)
    assert "s3cret-reader" not in repr(shown)
    assert len(shown) == len(FIELDS)


def test_no_module_reads_the_environment_but_the_settings() -> None:
    """Every variable the registry reads is a field of Settings, so it is validated and shown."""
    readers = []
    for package in ("domain", "services", "projections", "infra", "api"):
        for path in (ROOT / package).rglob("*.py"):
            if path.name == "settings.py" and package == "infra":
                continue
            # The benchmark and soak tools hand an environment to the processes they start.
            if "tools" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                    readers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert readers == []


def test_the_readmes_configuration_table_names_every_setting_and_no_other() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration") : readme.index("For the tests only")]
    named = set(
        re.findall(
            r"`(COMPACTS_[A-Z_]+|DATABASE_URL|DATABASE_READ_URL|FORWARDED_ALLOW_IPS|OTEL_EXPORTER_OTLP_ENDPOINT)`",
            table,
        )
    )
    assert named == {f.env for f in FIELDS}
