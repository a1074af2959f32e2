"""Settings read from the environment, one documented field each."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    """How one process of the registry is configured."""

    database_url: str | None
    """`DATABASE_URL`: the PostgreSQL to use; unset, an embedded server runs in `home`."""

    home: Path
    """`COMPACTS_HOME`: the data folder (embedded server, development keys); default ./.compacts."""

    production: bool
    """`COMPACTS_MODE=production` refuses generated keys and hides development tools."""

    jwt_issuer: str
    """`COMPACTS_JWT_ISSUER`: the `iss` every token must carry."""

    jwt_audience: str
    """`COMPACTS_JWT_AUDIENCE`: the `aud` every token must carry."""

    read_your_writes_timeout: float
    """`COMPACTS_RYW_TIMEOUT`: seconds a mutation waits for the read models to include its write."""

    max_body_bytes: int
    """`COMPACTS_MAX_BODY_BYTES`: larger request bodies are refused with 413."""

    checkpoint_seconds: float
    """`COMPACTS_CHECKPOINT_SECONDS`: how often each moved-on tenant's chain head is signed (0: never)."""

    rate_per_token: int
    """`COMPACTS_RATE_PER_TOKEN`: GraphQL requests a minute for one bearer token (bursts of a tenth)."""

    rate_per_address: int
    """`COMPACTS_RATE_PER_ADDRESS`: GraphQL requests a minute for one address without a token."""

    reader_password: str | None
    """`COMPACTS_READER_PASSWORD`: the password the API's reads sign in with as `compacts_reader`
    (set by `compacts migrate`); unset, the server must trust that role's connections."""

    forwarded_allow_ips: str | None
    """`FORWARDED_ALLOW_IPS`: the proxies whose X-Forwarded-For is believed; unset, none is."""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=os.environ.get("DATABASE_URL") or None,
            home=Path(os.environ.get("COMPACTS_HOME") or ".compacts").resolve(),
            production=os.environ.get("COMPACTS_MODE", "development") == "production",
            jwt_issuer=os.environ.get("COMPACTS_JWT_ISSUER", "compact-registry"),
            jwt_audience=os.environ.get("COMPACTS_JWT_AUDIENCE", "compact-registry"),
            read_your_writes_timeout=_float("COMPACTS_RYW_TIMEOUT", 10.0),
            max_body_bytes=int(os.environ.get("COMPACTS_MAX_BODY_BYTES") or 1_000_000),
            checkpoint_seconds=_float("COMPACTS_CHECKPOINT_SECONDS", 3600.0),
            rate_per_token=int(os.environ.get("COMPACTS_RATE_PER_TOKEN") or 6000),
            rate_per_address=int(os.environ.get("COMPACTS_RATE_PER_ADDRESS") or 3000),
            reader_password=os.environ.get("COMPACTS_READER_PASSWORD") or None,
            forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS") or None,
        )
