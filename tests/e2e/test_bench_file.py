"""`compacts bench --quick` writes one well-formed object per metric; the figures themselves are not tested."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import fresh_database

# The two longest runs take turns on one pytest-xdist worker: side by side they would slow each other.
pytestmark = pytest.mark.xdist_group("long-runs")

FIELDS = {"name", "value", "unit", "baseline", "baseline_value", "ratio", "target", "met"}


def test_the_quick_benchmark_writes_every_metric_it_measures(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    with fresh_database() as db:
        env = {**os.environ, "DATABASE_URL": db.url, "COMPACTS_HOME": str(tmp_path)}
        done = subprocess.run(
            [sys.executable, "-m", "api.cli", "bench", "--quick", "--out", str(out)],
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    metrics = json.loads(out.read_text())
    assert {m["name"] for m in metrics} >= {
        "append", "mutation", "lookup", "lookup p99 at half peak", "lag p50", "lag p99", "replay", "verify",
        "scale", "memory", "api peak rss", "page", "page rendered",
    }  # fmt: skip
    for m in metrics:
        assert set(m) == FIELDS, m
        assert isinstance(m["value"], int | float)
        assert isinstance(m["met"], bool)
        assert (m["baseline"] is None) == (m["baseline_value"] is None), m
        assert m["ratio"] is None or isinstance(m["ratio"], int | float)
        assert isinstance(m["target"], str)
    assert done.stdout.splitlines()[0].split() == [
        "metric",
        "value",
        "unit",
        "baseline",
        "ratio",
        "target",
        "met",
    ]
