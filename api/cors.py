"""Which web pages may call the API from a browser: the origins COMPACTS_CORS_ORIGINS names, and no other."""

from __future__ import annotations

from litestar.config.cors import CORSConfig

# What an integrator's page sends: its bearer token, a JSON body, a key that makes a retry safe, and the
# position of its last write, so that its reads from a standby include it.
ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Compacts-Read-After"]


def cors_config(origins: tuple[str, ...]) -> CORSConfig | None:
    """The allow-list, or no CORS at all: litestar's CORSConfig would allow every origin unless told."""
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=["GET", "POST"],
        allow_headers=ALLOWED_HEADERS,
        # Tokens travel in a header, never in cookies: a browser need send no credentials of its own.
        allow_credentials=False,
        # A page that is told to slow down can read for how long, and a page that wrote, where its write is.
        expose_headers=["Retry-After", "Compacts-Read-After"],
        max_age=600,
    )
