"""The API's part of `compacts bench` alone, as often as asked: `python -m api.tools.bench_api [--quick] [N]`.

The append benchmark first (its rate is the mutation's baseline), then the HTTP benchmarks, each run printed
as `compacts bench` prints its table; the same functions, so the same structure, loads and targets.
"""

from __future__ import annotations

import sys
import time

from api.tools.bench import as_table, bench_append
from api.tools.bench_http import bench_http
from infra.database import resolve_database
from infra.settings import Settings


def main(args: list[str]) -> None:
    quick = "--quick" in args
    runs = next((int(a) for a in args if a.isdigit()), 1)
    settings = Settings.from_env()
    server = resolve_database(settings.database_url, settings.home)

    def say(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    for run in range(1, runs + 1):
        started = time.monotonic()
        append = bench_append(server, quick=quick, say=say)
        metrics = append + bench_http(server, settings.home, append[0].value, quick=quick, say=say)
        print(f"run {run} of {runs} ({time.monotonic() - started:.0f} s)")
        print(as_table(metrics), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
