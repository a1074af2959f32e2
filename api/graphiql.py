"""GraphiQL served from the platform itself (development mode only): its page, its assets, its policy."""

from __future__ import annotations

from pathlib import Path

from litestar import MediaType, Response, Router
from litestar.static_files import create_static_files_router

ASSETS = Path(__file__).parent / "static" / "graphiql"
# GraphiQL's own scripts, styles and fonts, all from here; it talks only to this registry's /graphql. Its
# stylesheet embeds icons and fonts as data: URIs, which only this page allows; no inline script or style
# (GraphiQL 3.9 renders and runs a query under this policy with no violation, in Chromium 156).
GRAPHIQL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def graphiql_page() -> Response[str]:
    """The page a browser gets at GET /graphql, loading GraphiQL from /static/graphiql."""
    return Response(
        (ASSETS / "index.html").read_text(encoding="utf-8"),
        media_type=MediaType.HTML,
        headers={"Content-Security-Policy": GRAPHIQL_CSP},
    )


def graphiql_assets() -> Router:
    return create_static_files_router(
        path="/static/graphiql", directories=[ASSETS], include_in_schema=False, name="graphiql-static"
    )
