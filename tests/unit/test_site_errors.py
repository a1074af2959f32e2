"""A page that fails says so as a page: an outage to wait out (503), or a fault that was logged (500)."""

from __future__ import annotations

import logging

from litestar import Litestar, get
from litestar.testing import TestClient

from api.site import site_router, template_config
from api.site.data import PageError
from infra.availability import UNAVAILABLE_MESSAGE


@get("/fault")
async def fault() -> str:
    raise RuntimeError("a bug")


@get("/outage")
async def outage() -> str:
    raise PageError("INTERNAL", UNAVAILABLE_MESSAGE)


def app() -> Litestar:
    return Litestar([site_router([fault, outage])], template_config=template_config())


class Kept(logging.Handler):
    """Every record its logger passes on."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_fault_is_a_page_that_apologises_without_showing_the_fault() -> None:
    # Held on the pages' own logger: the app's logging configuration replaces the root's handlers.
    kept = Kept()
    logging.getLogger("api.site.pages").addHandler(kept)
    try:
        with TestClient(app()) as client:
            answer = client.get("/fault")
    finally:
        logging.getLogger("api.site.pages").removeHandler(kept)
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Sorry, something went wrong</h1>" in answer.text
    assert "a bug" not in answer.text
    # The page says the fault was recorded: it is, with its trace.
    assert [(r.levelname, r.getMessage(), bool(r.exc_info)) for r in kept.records] == [
        ("ERROR", "page /fault failed", True)
    ]


def test_an_outage_is_a_page_asking_to_try_again_shortly() -> None:
    with TestClient(app()) as client:
        answer = client.get("/outage")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "2"
    assert "<h1>Sorry, the registry is not available just now</h1>" in answer.text
