"""The public site: server-rendered pages for people, from the same reads as GraphQL, public rows only."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jinja2 import Environment
from litestar import MediaType, Request, Response, Router
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ControllerRouterHandler

from api.site.labels import dates_in_words, label, long_date
from api.site.pages import PAGES, error_page, not_found_page

HERE = Path(__file__).parent
STATIC_PATH = "/static/site"


def _filters(engine: JinjaTemplateEngine) -> None:
    environment: Environment = engine.engine
    environment.filters["label"] = label
    environment.filters["long_date"] = long_date
    environment.filters["dates_in_words"] = dates_in_words
    environment.globals["STATIC"] = STATIC_PATH


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine, engine_callback=_filters)


def site_router(handlers: Sequence[ControllerRouterHandler]) -> Router:
    """Pages whose failures are pages too: what to do for a missing one, an apology for a fault."""
    return Router(
        path="/",
        route_handlers=handlers,
        exception_handlers={NotFoundException: not_found_page, Exception: error_page},
    )


def site_handlers() -> list[ControllerRouterHandler]:
    """The pages, under a router whose errors are pages too, and the site's own stylesheet."""
    pages = site_router(PAGES)
    static = create_static_files_router(
        path=STATIC_PATH, directories=[HERE / "static"], include_in_schema=False, name="site-static"
    )
    return [pages, static]


# The API's own paths keep answering a missing route in JSON; everywhere else, a person gets a page.
API_PATHS = ("/graphql", "/health", "/checkpoints", "/.well-known", STATIC_PATH)


def site_not_found(
    request: Request[object, object, State], error: NotFoundException
) -> Response[dict[str, object]] | Response[str]:
    """An address no route answers: the API's JSON error for the API's paths, the site's page elsewhere."""
    if request.url.path.startswith(API_PATHS):
        body: dict[str, object] = {"status_code": error.status_code, "detail": error.detail}
        return Response(
            body,
            status_code=error.status_code,
            media_type=MediaType.JSON,
        )
    return not_found_page(request, error)
