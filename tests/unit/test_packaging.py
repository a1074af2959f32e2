"""The runtime apart from the tools: what the image installs, and what a tool without its extra says."""

from __future__ import annotations

import importlib.util
import tomllib
from importlib.machinery import ModuleSpec
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import cli

ROOT = Path(__file__).parents[2]


def _names(lock: str) -> set[str]:
    return {line.split("==")[0] for line in lock.splitlines() if line and line[0].isalpha()}


def test_the_image_installs_the_runtime_lock_which_holds_no_tool_of_the_extras() -> None:
    assert "-r requirements-runtime.lock" in (ROOT / "Dockerfile").read_text()
    runtime = _names((ROOT / "requirements-runtime.lock").read_text())
    assert {"litestar", "eventsourcing", "asyncpg", "strawberry-graphql", "pyjwt", "psutil"} <= runtime
    tools = {"pytest", "mypy", "ruff", "locust", "hypothesis", "schemathesis", "import-linter"}
    assert runtime.isdisjoint(tools)
    assert tools <= _names((ROOT / "requirements.lock").read_text())


@pytest.mark.parametrize(("tool", "absent"), [("bench", "locust"), ("soak", "schemathesis")])
def test_a_tool_without_its_extra_says_how_to_install_it(
    tool: str, absent: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = importlib.util.find_spec

    def without(name: str, package: str | None = None) -> ModuleSpec | None:
        return None if name == absent else real(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", without)
    result = CliRunner().invoke(cli.main, [tool, "--quick"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: compacts {tool} needs {absent}: pip install 'compact-registry[{tool}]'"
    ]


def test_every_extra_a_tool_names_is_declared_in_the_project() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    for tool, modules in cli.EXTRAS.items():
        declared = {requirement.split(">")[0].split("=")[0].split("[")[0] for requirement in extras[tool]}
        assert set(modules) <= declared, tool
