"""Every environment variable the registry reads, in one object validated at start-up (msgspec)."""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import msgspec
from psycopg import ProgrammingError

from infra.database import REDACTED, Database

# The `iss` and `aud` of development tokens; production must name its own.
DEVELOPMENT_ISSUER = "compact-registry"
# Only asymmetric algorithms: an HMAC "signature" made with a public key proves nothing.
ASYMMETRIC = frozenset(
    {"EdDSA", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
# The settings that hold a PostgreSQL URL: shown with only the password redacted, checked alike.
URL_SETTINGS = ("DATABASE_URL", "DATABASE_READ_URL")
# Variables of this prefix are the registry's: one it does not know is a typo, refused rather than ignored.
PREFIX = "COMPACTS_"


class ConfigurationError(Exception):
    """The environment cannot configure the registry; each problem is one line a person can act on."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _env(
    name: str, about: str, expect: str, *, secret: bool = False, listed: bool = False, **bounds: Any
) -> msgspec.Meta:
    """A field's variable, what it is for and what a valid value looks like; `listed` values are
    comma-separated; a `secret` is never shown."""
    return msgspec.Meta(
        description=about, extra={"env": name, "expect": expect, "secret": secret, "listed": listed}, **bounds
    )


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """How one process of the registry is configured. Read it with `Settings.from_env()`.

    A new setting is a field here, annotated with its `_env(...)`, and a row in the README's configuration
    table (tests/unit/test_settings.py checks both, and that no other module reads the environment).
    """

    mode: Annotated[
        Literal["development", "production"],
        _env(
            "COMPACTS_MODE",
            "production refuses generated keys, a default issuer or audience and an unencrypted public "
            "address, and hides GraphiQL and introspection",
            "development or production",
        ),
    ] = "development"

    database_url: Annotated[
        str | None,
        _env(
            "DATABASE_URL",
            "the PostgreSQL to use, as a URL or libpq keywords; its sslmode, sslrootcert, application_name "
            "and other options reach every driver; unset, an embedded server runs in COMPACTS_HOME",
            "a PostgreSQL connection URL such as postgresql://user@host:5432/compacts?sslmode=verify-full",
            secret=True,
        ),
    ] = None

    database_read_url: Annotated[
        str | None,
        _env(
            "DATABASE_READ_URL",
            "a streaming standby of DATABASE_URL's server that the API's reads use (as compacts_reader, the "
            "same database); writes, workers and read-your-writes stay on the primary, and reads go to the "
            "primary while the standby is down or behind a client's own write; unset, every read uses "
            "the primary",
            "a PostgreSQL connection URL such as postgresql://user@standby:5432/compacts?sslmode=verify-full",
            secret=True,
        ),
    ] = None

    standby_wait: Annotated[
        float,
        _env(
            "COMPACTS_STANDBY_WAIT",
            "seconds a read after the client's own write waits for the standby to replay that write before "
            "it reads from the primary instead",
            "a number of seconds from 0 to 60",
            ge=0,
            le=60,
        ),
    ] = 1.0

    home: Annotated[
        Path,
        _env(
            "COMPACTS_HOME",
            "the data folder: the embedded server and development keys",
            "a folder path",
        ),
    ] = Path(".compacts")

    host: Annotated[
        str,
        _env(
            "COMPACTS_HOST",
            "the address `compacts serve` listens on (its --host overrides it); any but a loopback address "
            "is public",
            "an IP address or host name",
        ),
    ] = "127.0.0.1"

    port: Annotated[
        int,
        _env(
            "COMPACTS_PORT",
            "the port `compacts serve` listens on (its --port overrides it)",
            "1 to 65535",
            ge=1,
            le=65535,
        ),
    ] = 8000

    tls_cert_file: Annotated[
        Path | None,
        _env("COMPACTS_TLS_CERT_FILE", "the certificate chain (PEM) to serve HTTPS with", "a PEM file path"),
    ] = None

    tls_key_file: Annotated[
        Path | None,
        _env("COMPACTS_TLS_KEY_FILE", "the private key (PEM) of COMPACTS_TLS_CERT_FILE", "a PEM file path"),
    ] = None

    forwarded_allow_ips: Annotated[
        str | None,
        _env(
            "FORWARDED_ALLOW_IPS",
            "the proxies (addresses or networks, comma-separated) in front of this process: their "
            "X-Forwarded-For and X-Forwarded-Proto are believed, and a public address without TLS is "
            "accepted, the proxy ending TLS; unset, no proxy is believed",
            "addresses or networks such as 10.0.0.5,10.1.0.0/16",
        ),
    ] = None

    cors_origins: Annotated[
        tuple[str, ...],
        _env(
            "COMPACTS_CORS_ORIGINS",
            "the web origins whose pages may call the API from a browser (Authorization, Content-Type and "
            "Idempotency-Key headers); unset, none may",
            "origins such as https://compact.harlow.gov.uk,https://cvs.example.org",
            listed=True,
        ),
    ] = ()

    jwt_issuer: Annotated[
        str,
        _env(
            "COMPACTS_JWT_ISSUER",
            "the `iss` every token this registry signs must carry",
            "a non-empty string",
        ),
    ] = DEVELOPMENT_ISSUER

    jwt_audience: Annotated[
        str,
        _env("COMPACTS_JWT_AUDIENCE", "the `aud` every token must carry", "a non-empty string"),
    ] = DEVELOPMENT_ISSUER

    jwks_file: Annotated[
        Path | None,
        _env(
            "COMPACTS_JWKS_FILE",
            "the Ed25519 public keys (a JWKS file) that verify tokens; unset in development, keys are "
            "generated in COMPACTS_HOME",
            "a JWKS file path",
        ),
    ] = None

    jwt_private_key_file: Annotated[
        Path | None,
        _env(
            "COMPACTS_JWT_PRIVATE_KEY_FILE",
            "the Ed25519 private key (PEM) that signs tokens and checkpoints",
            "a PEM file path",
        ),
    ] = None

    max_token_seconds: Annotated[
        int,
        _env(
            "COMPACTS_MAX_TOKEN_SECONDS",
            "the longest lifetime (exp - iat) a token may have, whoever issued it",
            "a whole number of seconds, at least 60",
            ge=60,
        ),
    ] = 86_400

    idp_issuer: Annotated[
        str | None,
        _env("COMPACTS_IDP_ISSUER", "a council's own sign-in: the `iss` of its tokens", "a non-empty string"),
    ] = None

    idp_jwks_url: Annotated[
        str | None,
        _env(
            "COMPACTS_IDP_JWKS_URL",
            "where the council's sign-in publishes its keys (fetched off the event loop, kept 5 minutes)",
            "an https:// URL",
        ),
    ] = None

    idp_jwks_timeout: Annotated[
        float,
        _env(
            "COMPACTS_IDP_JWKS_TIMEOUT",
            "seconds to wait for the sign-in's keys before refusing the token that needed them",
            "a number of seconds from 0.5 to 60",
            ge=0.5,
            le=60,
        ),
    ] = 5.0

    idp_audience: Annotated[
        str | None,
        _env(
            "COMPACTS_IDP_AUDIENCE",
            "the `aud` of the sign-in's tokens; unset, COMPACTS_JWT_AUDIENCE",
            "a string",
        ),
    ] = None

    idp_algorithms: Annotated[
        tuple[str, ...],
        _env(
            "COMPACTS_IDP_ALGORITHMS",
            "the signature algorithms the sign-in's tokens may use",
            "asymmetric JWT algorithms such as RS256,ES256",
            listed=True,
        ),
    ] = ("RS256",)

    idp_sub_claim: Annotated[
        str,
        _env(
            "COMPACTS_IDP_SUB_CLAIM",
            "the claim naming who a sign-in token is for",
            "a claim name or dotted path",
        ),
    ] = "sub"

    idp_roles_claim: Annotated[
        str,
        _env(
            "COMPACTS_IDP_ROLES_CLAIM",
            "the claim listing a sign-in token's roles",
            "a claim name or dotted path",
        ),
    ] = "roles"

    idp_tenants_claim: Annotated[
        str,
        _env(
            "COMPACTS_IDP_TENANTS_CLAIM",
            "the claim listing a sign-in token's tenants",
            "a claim name or dotted path",
        ),
    ] = "tenants"

    read_your_writes_timeout: Annotated[
        float,
        _env(
            "COMPACTS_RYW_TIMEOUT",
            "seconds a mutation waits for the read models to include its write",
            "a number of seconds from 0.1 to 600",
            ge=0.1,
            le=600,
        ),
    ] = 10.0

    max_body_bytes: Annotated[
        int,
        _env(
            "COMPACTS_MAX_BODY_BYTES",
            "larger request bodies are refused with 413",
            "a whole number of bytes, at least 1024",
            ge=1024,
        ),
    ] = 1_000_000

    checkpoint_seconds: Annotated[
        float,
        _env(
            "COMPACTS_CHECKPOINT_SECONDS",
            "how often each moved-on tenant's chain head is signed; 0, never",
            "a number of seconds from 0 to 31536000",
            ge=0,
            le=31_536_000,
        ),
    ] = 3600.0

    rate_per_token: Annotated[
        int,
        _env(
            "COMPACTS_RATE_PER_TOKEN",
            "GraphQL requests a minute for one bearer token (bursts of a tenth)",
            "a whole number, at least 1",
            ge=1,
        ),
    ] = 6000

    rate_per_address: Annotated[
        int,
        _env(
            "COMPACTS_RATE_PER_ADDRESS",
            "GraphQL requests a minute for one address without a token",
            "a whole number, at least 1",
            ge=1,
        ),
    ] = 3000

    reader_password: Annotated[
        str | None,
        _env(
            "COMPACTS_READER_PASSWORD",
            "the password the API's reads sign in with as compacts_reader (set by `compacts migrate`); "
            "unset, the server must trust that role's connections",
            "a password",
            secret=True,
        ),
    ] = None

    aggregate_cache: Annotated[
        int,
        _env(
            "COMPACTS_AGGREGATE_CACHE",
            "recently used aggregates kept in memory, brought up to date on every load; 0 turns it off",
            "a whole number, 0 or more",
            ge=0,
        ),
    ] = 1000

    ready_lag_seconds: Annotated[
        float,
        _env(
            "COMPACTS_READY_LAG_SECONDS",
            "/health/ready answers 503 while any read model's oldest unprojected event is older than this",
            "a number of seconds from 0 to 86400",
            ge=0,
            le=86_400,
        ),
    ] = 30.0

    worker_metrics_port: Annotated[
        int,
        _env(
            "COMPACTS_WORKER_METRICS_PORT",
            "the port `compacts worker` serves /metrics, /health/live and /health/ready on, at "
            "COMPACTS_HOST; 0 serves none (two workers on one host need a port each)",
            "0 to 65535",
            ge=0,
            le=65535,
        ),
    ] = 9100

    otel_endpoint: Annotated[
        str | None,
        _env(
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "the OpenTelemetry collector traces are sent to (OTLP over HTTP, to its /v1/traces); unset, "
            "nothing is traced",
            "an http(s) URL such as http://otel-collector:4318",
        ),
    ] = None
    webhook_allow_private: Annotated[
        bool,
        _env(
            "COMPACTS_WEBHOOK_ALLOW_PRIVATE",
            "let webhooks be sent to private, loopback and link-local addresses (tests, on-premises "
            "receivers); "
            "otherwise such URLs are refused, so that no tenant editor can probe the platform's network",
            "true or false",
        ),
    ] = False

    webhook_retry_seconds: Annotated[
        float,
        _env(
            "COMPACTS_WEBHOOK_RETRY_SECONDS",
            "how long a failed webhook delivery waits before its first retry; each later wait doubles (with "
            "jitter), up to an hour, for 8 attempts in all",
            "a number of seconds from 0.01 to 3600",
            ge=0.01,
            le=3600,
        ),
    ] = 5.0

    given: frozenset[str] = frozenset()
    """The variables the environment set (the rest are defaults): production insists on some."""

    @property
    def production(self) -> bool:
        return self.mode == "production"

    @property
    def tls(self) -> bool:
        return self.tls_cert_file is not None

    @property
    def scheme(self) -> str:
        return "https" if self.tls else "http"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment gives; ConfigurationError lists every value that is not valid."""
        settings, problems = cls.parse(environ)
        if problems:
            raise ConfigurationError(problems)
        return settings

    @classmethod
    def parse(cls, environ: Mapping[str, str] | None = None) -> tuple[Settings, list[str]]:
        """The settings from every valid value (defaults in place of the others), and why each other is not.

        A variable of the registry's prefix that is no setting is a problem too: a misspelt name would
        otherwise leave its setting at the default without a word.
        """
        env = os.environ if environ is None else environ
        raw: dict[str, Any] = {}
        for field in FIELDS:
            value = env.get(field.env, "")
            if not value.strip():
                continue  # empty is unset, as a shell's `VAR=` means
            raw[field.name] = [v.strip() for v in value.split(",") if v.strip()] if field.listed else value
        problems = []
        for field in FIELDS:
            if field.name in raw and (problem := field.invalid(raw[field.name])):
                problems.append(problem)
                del raw[field.name]
        known = {f.env for f in FIELDS}
        for name in sorted(env):
            if name.startswith(PREFIX) and name not in known:
                close = difflib.get_close_matches(name, sorted(known), n=1)
                hint = f"did you mean {close[0]}?" if close else "unset it."
                problems.append(
                    f"{name} is not a setting of the registry (`compacts config` lists them); {hint}"
                )
        given = frozenset(f.env for f in FIELDS if f.name in raw)
        settings = msgspec.convert({**raw, "given": given}, cls, strict=False, dec_hook=_paths)
        return msgspec.structs.replace(settings, home=settings.home.resolve()), problems

    def with_address(self, host: str | None, port: int | None) -> Settings:
        """The same settings listening elsewhere (`compacts serve --host --port`)."""
        return msgspec.structs.replace(
            self, host=self.host if host is None else host, port=self.port if port is None else port
        )

    def problems(self, *, serving: bool) -> list[str]:
        """What is wrong with these settings together, one line each; `serving` adds the API's rules."""
        found = [*_database_problems(self), *_file_problems(self), *_identity_problems(self)]
        found += _cors_problems(self.cors_origins) + _proxy_problems(self.forwarded_allow_ips)
        if self.otel_endpoint is not None and urlsplit(self.otel_endpoint).scheme not in ("http", "https"):
            found.append(
                f"OTEL_EXPORTER_OTLP_ENDPOINT={self.otel_endpoint!r} is not an http(s) URL; write the "
                "collector's OTLP/HTTP address, such as http://otel-collector:4318."
            )
        if (self.tls_cert_file is None) != (self.tls_key_file is None):
            found.append(
                "Set both COMPACTS_TLS_CERT_FILE and COMPACTS_TLS_KEY_FILE to serve HTTPS, or neither."
            )
        if serving and self.production:
            found += _production_problems(self)
        return found

    def shown(self) -> list[tuple[str, str, bool]]:
        """Each variable with its effective value, secrets redacted, and whether the environment set it."""
        return [(f.env, f.show(getattr(self, f.name)), f.env in self.given) for f in FIELDS]


@dataclass(frozen=True)
class Field:
    """One setting: its attribute, its variable, and how it is read, checked and shown."""

    name: str
    env: str
    about: str
    expect: str
    secret: bool
    listed: bool

    def invalid(self, raw: Any) -> str | None:
        """Why this value is not valid for this setting (msgspec checks it against the field's type)."""
        try:
            msgspec.convert({self.name: raw}, Settings, strict=False, dec_hook=_paths)
        except msgspec.ValidationError:
            shown = REDACTED if self.secret else ",".join(raw) if self.listed else raw
            return f"{self.env}={shown!r} is not valid: expected {self.expect}."
        return None

    def show(self, value: Any) -> str:
        if value is None:
            return "(unset)"
        if self.secret:
            return _redacted_url(value) if self.env in URL_SETTINGS else REDACTED
        if isinstance(value, tuple):
            return ",".join(value) or "(none)"
        return str(value)


def _fields() -> tuple[Field, ...]:
    found = []
    for info in msgspec.structs.fields(Settings):
        meta = getattr(info.type, "__metadata__", ())
        extra = next((m.extra for m in meta if isinstance(m, msgspec.Meta) and m.extra), None)
        if extra is None:
            continue  # not read from the environment
        about = next(m.description for m in meta if isinstance(m, msgspec.Meta) and m.description)
        found.append(Field(info.name, extra["env"], about, extra["expect"], extra["secret"], extra["listed"]))
    return tuple(found)


def _paths(kind: type, value: Any) -> Any:
    """msgspec reads no paths by itself."""
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError


FIELDS = _fields()


def _redacted_url(url: str) -> str:
    try:
        return Database(url).redacted()
    except ProgrammingError:
        return REDACTED


def _database_problems(settings: Settings) -> list[str]:
    found = []
    urls = (("DATABASE_URL", settings.database_url), ("DATABASE_READ_URL", settings.database_read_url))
    for name, url in urls:
        if url is None:
            continue
        try:
            db = Database(url)
            unsupported = db.unsupported_options()
        except ProgrammingError:
            found.append(
                f"{name} is not a PostgreSQL URL or libpq keyword string; write it as "
                "postgresql://user:password@host:5432/dbname?sslmode=verify-full."
            )
            continue
        if unsupported:
            found.append(
                f"{name}'s option(s) {', '.join(unsupported)} cannot reach every driver the registry uses; "
                f"remove them (supported: {', '.join(db.supported_options())})."
            )
    return found


def _file_problems(settings: Settings) -> list[str]:
    found = []
    for field in FIELDS:
        value = getattr(settings, field.name)
        if isinstance(value, Path) and field.env != "COMPACTS_HOME" and not value.is_file():
            found.append(f"{field.env}={str(value)!r} is not a readable file: expected {field.expect}.")
    return found


def _identity_problems(settings: Settings) -> list[str]:
    found = []
    if (settings.idp_issuer is None) != (settings.idp_jwks_url is None):
        found.append(
            "An external identity provider needs both COMPACTS_IDP_ISSUER and COMPACTS_IDP_JWKS_URL."
        )
    refused = [a for a in settings.idp_algorithms if a not in ASYMMETRIC]
    if refused:
        found.append(
            f"COMPACTS_IDP_ALGORITHMS may list only asymmetric algorithms ({', '.join(sorted(ASYMMETRIC))}); "
            f"remove {', '.join(refused)}."
        )
    if settings.idp_jwks_url is not None and urlsplit(settings.idp_jwks_url).scheme not in ("http", "https"):
        found.append(f"COMPACTS_IDP_JWKS_URL={settings.idp_jwks_url!r} is not an http(s) URL.")
    return found


def _cors_problems(origins: tuple[str, ...]) -> list[str]:
    found = []
    for origin in origins:
        parts = urlsplit(origin)
        if origin == "*":
            found.append("COMPACTS_CORS_ORIGINS is an allow-list: name each origin instead of '*'.")
        elif parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
            found.append(
                f"COMPACTS_CORS_ORIGINS has {origin!r}, which is not an origin; write scheme://host[:port] "
                "with no path, such as https://compact.harlow.gov.uk."
            )
    return found


def _proxy_problems(allowed: str | None) -> list[str]:
    if allowed is None:
        return []
    found = []
    for entry in (e.strip() for e in allowed.split(",")):
        if entry == "*":
            continue  # uvicorn's "every peer": for a proxy that is the only way in
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            found.append(f"FORWARDED_ALLOW_IPS has {entry!r}, which is not an IP address or network.")
    return found


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host`; anything else is a public address."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _production_problems(settings: Settings) -> list[str]:
    found = []
    if settings.jwks_file is None:
        found.append(
            "COMPACTS_MODE=production needs COMPACTS_JWKS_FILE (and COMPACTS_JWT_PRIVATE_KEY_FILE to mint "
            "tokens); it never generates its own keys."
        )
    for name in ("COMPACTS_JWT_ISSUER", "COMPACTS_JWT_AUDIENCE"):
        if name not in settings.given:
            found.append(
                f"COMPACTS_MODE=production needs {name}: name this registry's own, not the development "
                f"default {DEVELOPMENT_ISSUER!r}."
            )
    if settings.idp_jwks_url is not None and urlsplit(settings.idp_jwks_url).scheme != "https":
        found.append("COMPACTS_MODE=production fetches COMPACTS_IDP_JWKS_URL only over https://.")
    if not is_loopback(settings.host) and not settings.tls and settings.forwarded_allow_ips is None:
        found.append(
            f"COMPACTS_MODE=production refuses to serve {settings.host} without TLS: set "
            "COMPACTS_TLS_CERT_FILE and COMPACTS_TLS_KEY_FILE, or FORWARDED_ALLOW_IPS to the proxy that ends "
            "TLS in front of it."
        )
    return found


def pass_on_database(url: str) -> None:
    """Processes started from this one from now on read DATABASE_URL as `url`: the server this one resolved.

    `compacts serve --workers` starts its API processes with its own environment; given the embedded
    server's address, they connect to the server their parent started instead of starting another.
    """
    os.environ["DATABASE_URL"] = url
