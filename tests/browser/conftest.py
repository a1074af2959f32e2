"""Chromium (Debian's, through Playwright) against `compacts serve --demo`, with axe-core from npm."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, Route, sync_playwright

import tasks
from tests.conftest import fresh_database
from tests.e2e.conftest import Server, start_server, stop_server

INSTALL = "Chromium is not installed: run `sudo apt-get install -y chromium` (Debian), or `python3 tasks.py browser` as root."
# Where the screenshots go, printed at the end of the run.
SHOTS: list[Path] = []


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


# Set when the browser tests were left out for want of Chromium: said once, at the end of the run.
LEFT_OUT: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without Chromium, outside CI, the browser tests are left out with one line saying how to install it;
    in CI (CI=true) they stay, and fail on the missing browser."""
    if chromium_path() is not None or os.environ.get("CI") == "true":
        return
    here = Path(__file__).parent
    browser_tests = [item for item in items if here in item.path.parents]
    if browser_tests:
        LEFT_OUT.append(f"{len(browser_tests)} browser tests not run. {INSTALL}")
        config.hook.pytest_deselected(items=browser_tests)
        items[:] = [item for item in items if item not in browser_tests]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, which CI must have."""
    found = chromium_path()
    if found is None:
        pytest.fail(INSTALL)
    return found


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("screenshots", numbered=False)
    SHOTS.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for folder in SHOTS:
        terminalreporter.write_line(f"browser screenshots: {folder}")
    for line in LEFT_OUT:
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def axe_source() -> str:
    tasks.node_packages(tasks.WEB)
    return (tasks.WEB / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


# Module-scoped: the browser, its driver's event loop and the server end with the browser tests, before any
# other test (pytest-asyncio's loops among them) runs.
@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """`compacts serve --demo` of the browser tests' own, with one amendment to Harlow's compact recorded by
    the tests (so that it has two versions to compare); the demo itself records none."""
    with fresh_database() as database:
        running = start_server(tmp_path_factory.mktemp("site"), {"DATABASE_URL": database.url}, ("--demo",))
        deadline = time.monotonic() + 60
        while not (
            running.graphql('{ tenant(slug: "harlow") { compact { version } } }').json().get("data") or {}
        ).get("tenant"):
            assert time.monotonic() < deadline, "the demo was not projected in time"
            time.sleep(0.2)
        amended = running.graphql(
            """mutation { amendCompact(tenant: "harlow", effectiveOn: "2006-05-01",
                rationale: "Recorded by the browser tests: the Harlow approach shortened",
                upsertSections: [{key: "the-harlow-approach", heading: "The Harlow approach",
                  text: "The sectors work well together. The compact is to strengthen that by settling problems jointly.",
                  matters: ["partnership"]}]) { version } }""",
            token=running.token("platform-admin"),
        ).json()
        assert amended == {"data": {"amendCompact": {"version": 2}}}, amended
        yield running
        stop_server(running)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright, chromium: str) -> Iterator[Browser]:
    # No sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
    yield launched
    launched.close()


class Offline:
    """Every request to another host is refused, and remembered: the pages must need none."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.refused: list[str] = []

    def __call__(self, route: Route) -> None:
        if route.request.url.startswith(self.origin):
            route.continue_()
        else:
            self.refused.append(route.request.url)
            route.abort("internetdisconnected")


@pytest.fixture
def offline(site: Server) -> Offline:
    return Offline(site.url)


@pytest.fixture
def context(browser: Browser, offline: Offline) -> Iterator[BrowserContext]:
    # The pages' own Content-Security-Policy holds: axe-core is evaluated through the driver, not as a script.
    made = browser.new_context(viewport={"width": 1024, "height": 900}, locale="en-GB")
    made.route("**/*", offline)
    yield made
    made.close()


class Console:
    """What the page said on its console: a refused asset or a policy violation shows here."""

    def __init__(self) -> None:
        self.errors: list[str] = []


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(context: BrowserContext, console: Console) -> Page:
    made = context.new_page()
    made.on(
        "console", lambda message: console.errors.append(message.text) if message.type == "error" else None
    )
    return made
