#!/usr/bin/env python3
"""Set-up and everyday jobs with nothing but Python: `python3 tasks.py help` lists them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements.lock"
# The runtime alone, for the image: no test, lint or load tools.
RUNTIME_LOCK = ROOT / "requirements-runtime.lock"
STAMP = VENV / ".installed"
CLIENTS = ROOT / "clients"
CODEGEN = CLIENTS / "python" / ".codegen"
# Browser assets from npm at pinned versions: GraphiQL (vendored) and axe-core (for the browser tests).
WEB = ROOT / "web"
GRAPHIQL = ROOT / "api" / "static" / "graphiql"
# What GraphiQL's page loads, from web/node_modules, as its own UMD builds: no bundler, no CDN.
GRAPHIQL_FILES = {
    "graphiql/graphiql.min.js": "graphiql.min.js",
    "graphiql/graphiql.min.css": "graphiql.min.css",
    "graphiql/LICENSE": "LICENSE.graphiql",
    "react/umd/react.production.min.js": "react.production.min.js",
    "react/LICENSE": "LICENSE.react",
    "react-dom/umd/react-dom.production.min.js": "react-dom.production.min.js",
}


def run(*args: str | Path, cwd: Path = ROOT, env: dict[str, str] | None = None) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], cwd=cwd, env=env, check=True)


def bootstrap() -> None:
    """Create .venv and install the locked dependencies and the project, unless already done."""
    wanted = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == wanted:
        return
    # This file runs on whatever Python starts it, before the project's own requirement applies.
    if sys.version_info < (3, 11):  # noqa: UP036
        sys.exit("Python 3.11 or newer is needed.")
    if not (BIN / "python").exists():
        print(f"creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip: list[str | Path] = [BIN / "python", "-m", "pip", "--disable-pip-version-check", "-q"]
    # Hashes in the lock file pin every package to the exact bytes that were tested.
    run(*pip, "install", "--require-hashes", "-r", LOCK)
    run(*pip, "install", "--no-deps", "--no-build-isolation", "-e", ".")
    STAMP.write_text(wanted)


def serve(args: list[str]) -> None:
    """Run the registry: `compacts serve` on an embedded PostgreSQL unless DATABASE_URL is set."""
    bootstrap()
    os.execv(BIN / "compacts", [str(BIN / "compacts"), "serve", *args])  # noqa: S606 (no shell by design)


def test(args: list[str]) -> None:
    """Lint, format check, strict types, architecture contracts, then every test."""
    bootstrap()
    run(BIN / "ruff", "check", ".")
    run(BIN / "ruff", "format", "--check", ".")
    run(BIN / "mypy")
    run(BIN / "lint-imports")
    # The browser tests' Chromium, where this machine can install it; elsewhere they say how, and CI fails.
    if shutil.which("chromium") is None and _can_install():
        chromium()
    run(BIN / "pytest", *_parallel(args), *args)


def _parallel(args: list[str]) -> list[str]:
    """pytest-xdist on every core (two at least: most e2e time is waiting for the processes a test starts),
    tests grouped where they must not overlap; none when the arguments already choose."""
    chosen = ("-n", "--numprocesses", "no:xdist")
    if any(a in chosen or a.startswith(("-n", "--numprocesses=")) for a in args):
        return []
    workers = max(2, min(4, os.cpu_count() or 2))
    return ["-n", str(workers), "--dist", "loadgroup"]


def compacts(args: list[str]) -> None:
    """Any other `compacts` command, e.g. `python3 tasks.py compacts token --sub me --role editor`."""
    bootstrap()
    os.execv(BIN / "compacts", [str(BIN / "compacts"), *args])  # noqa: S606 (no shell by design)


def schema(_args: list[str]) -> None:
    """Write the running GraphQL schema to schema.graphql (a test fails when the two differ)."""
    bootstrap()
    with (ROOT / "schema.graphql").open("w", encoding="utf-8") as out:
        subprocess.run([str(BIN / "python"), "-m", "api.graphql.export"], cwd=ROOT, check=True, stdout=out)


def lock(_args: list[str]) -> None:
    """Re-resolve both locks from pyproject.toml: with every extra, and the runtime alone for the image."""
    bootstrap()
    run(BIN / "python", "-m", "pip", "-q", "install", "uv==0.13.8")
    for extras, lock_file in ((["--extra", "dev"], LOCK), ([], RUNTIME_LOCK)):
        run(
            BIN / "uv", "pip", "compile", "pyproject.toml", *extras, "--universal",
            "--python-version", "3.11", "--generate-hashes", "-o", lock_file,
        )  # fmt: skip


def _stamp(*files: Path) -> str:
    return hashlib.sha256(b"".join(f.read_bytes() for f in files)).hexdigest()


def _can_install() -> bool:
    """Whether Debian packages can be installed from here: root, with apt-get (as on CI's machines)."""
    return shutil.which("apt-get") is not None and hasattr(os, "geteuid") and os.geteuid() == 0


def system_tool(name: str, package: str, hint: str) -> str:
    """Where the program `name` is; installed from Debian's `package` if missing where that is possible.

    On a fresh machine with only Python, the tests still need Node.js (the client examples, the GraphQL over
    HTTP audit). As root with apt-get, as on CI's machines, it is installed; elsewhere `hint` says how.
    """
    found = shutil.which(name)
    apt = shutil.which("apt-get")
    if found is None and apt is not None and _can_install():
        print(f"{name} is missing: installing Debian's {package}", flush=True)
        quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = [apt, "install", "-y", "--no-install-recommends", *package.split()]
        if subprocess.run(install, env=quiet, check=False).returncode:
            # The package lists of a fresh machine may be empty or stale.
            subprocess.run([apt, "update", "-q"], env=quiet, check=False)
            subprocess.run(install, env=quiet, check=False)
        found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not on PATH: {hint}")
    return found


def node_tool(name: str) -> str:
    """Where `node` or `npm` is: the client examples and the GraphQL over HTTP audit need Node.js."""
    return system_tool(name, "nodejs npm", "install Node.js 20 or newer, with npm.")


def node_packages(folder: Path) -> None:
    """`npm ci` in `folder` unless its node_modules already holds what its package-lock.json pins."""
    wanted = _stamp(folder / "package.json", folder / "package-lock.json")
    stamp = folder / "node_modules" / ".installed-from"
    if stamp.exists() and stamp.read_text() == wanted:
        return
    run(node_tool("npm"), "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", cwd=folder)
    stamp.write_text(wanted)


def codegen_python(target: Path | None = None) -> None:
    """ariadne-codegen writes the Python client (into `target` instead of clients/python when given).

    It runs in an environment of its own, installed from clients/python/codegen.lock: it pins a graphql-core
    and a ruff other than the registry's.
    """
    folder = CLIENTS / "python"
    python = CODEGEN / ("Scripts" if os.name == "nt" else "bin") / "python"
    wanted = _stamp(folder / "codegen.lock")
    stamp = CODEGEN / ".installed-from"
    if not (stamp.exists() and stamp.read_text() == wanted):
        venv.EnvBuilder(with_pip=True, clear=True).create(CODEGEN)
        run(python, "-m", "pip", "--disable-pip-version-check", "-q", "install", "--require-hashes", "-r",
            folder / "codegen.lock")  # fmt: skip
        stamp.write_text(wanted)
    settings = (folder / "pyproject.toml").read_text(encoding="utf-8")
    if target is not None:
        settings = settings.replace('target_package_path = "."', f"target_package_path = {str(target)!r}")
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "pyproject.toml"
        config.write_text(settings, encoding="utf-8")
        run(python, "-m", "ariadne_codegen", "--config", config, cwd=folder)


def codegen_typescript(target: Path | None = None) -> None:
    """graphql-codegen writes the TypeScript client's typed documents (into `target` instead when given)."""
    folder = CLIENTS / "typescript"
    node_packages(folder)
    env = {**os.environ, **({"CODEGEN_OUT": f"{target}/"} if target is not None else {})}
    codegen = folder / "node_modules" / ".bin" / "graphql-codegen"
    run(codegen, "--config", "codegen.ts", "--silent", cwd=folder, env=env)


def clients(_args: list[str]) -> None:
    """Regenerate the typed client examples in clients/ from schema.graphql (run `schema` first)."""
    codegen_python()
    codegen_typescript()


def graphiql(_args: list[str]) -> None:
    """Vendor GraphiQL and React from web/package-lock.json's pinned versions into api/static/graphiql."""
    node_packages(WEB)
    for source, target in GRAPHIQL_FILES.items():
        shutil.copyfile(WEB / "node_modules" / source, GRAPHIQL / target)
        print(f"  {target}")


def chromium() -> str:
    """Where Debian's Chromium is; installed with apt-get when missing and this runs as root, else one line
    saying how to install it (the browser tests need it)."""
    return shutil.which("chromium-browser") or system_tool(
        "chromium", "chromium", "run `sudo apt-get install -y chromium` (Debian) for the browser tests."
    )


def browser(_args: list[str]) -> None:
    """Find (or, as root with apt-get, install) Chromium and the browser tests' npm packages."""
    print(chromium())
    node_packages(WEB)


def imports(_args: list[str]) -> None:
    """Draw the packages' import graph (Mermaid) and fail on any module cycle."""
    bootstrap()
    run(BIN / "python", "-m", "tests.architecture")


def help_(_args: list[str]) -> None:
    """List the jobs."""
    for name, job in JOBS.items():
        print(f"  {name:<10} {(job.__doc__ or '').strip()}")


JOBS = {
    "serve": serve,
    "test": test,
    "compacts": compacts,
    "setup": lambda _a: bootstrap(),
    "schema": schema,
    "clients": clients,
    "lock": lock,
    "imports": imports,
    "graphiql": graphiql,
    "browser": browser,
    "help": help_,
}
JOBS["setup"].__doc__ = "Only create .venv and install (serve and test do it themselves)."


if __name__ == "__main__":
    name, *rest = sys.argv[1:] or ["help"]
    if name not in JOBS:
        help_([])
        sys.exit(f"unknown job {name!r}")
    JOBS[name](rest)
