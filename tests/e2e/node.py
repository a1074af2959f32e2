"""The npm packages some tests run: installed from their lock file once, and again only when it changes."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

STAMP = ".installed-from"


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise AssertionError(
            f"`{name}` is not on PATH: install Node.js 20 or newer with npm to run these tests."
        )
    return found


def npm_install(folder: Path) -> Path:
    """`npm ci` in `folder` unless its node_modules already holds what package-lock.json pins."""
    lock = folder / "package-lock.json"
    wanted = hashlib.sha256(lock.read_bytes() + (folder / "package.json").read_bytes()).hexdigest()
    stamp = folder / "node_modules" / STAMP
    if not (stamp.exists() and stamp.read_text() == wanted):
        subprocess.run(
            [tool("npm"), "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, check=True
        )
        stamp.write_text(wanted)
    return folder / "node_modules"


def run_node(folder: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`node` with `args` in `folder`, its output captured; a failure shows what it printed."""
    done = subprocess.run(
        [tool("node"), *args], cwd=folder, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"node {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done
