"""One benchmark figure as `compacts bench` prints it and writes it to JSON, and the memory reading."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Metric:
    """A measured value, and where there is one, the baseline from the same run and the ratio to it."""

    name: str
    value: float
    unit: str
    baseline: str | None
    baseline_value: float | None
    ratio: float | None
    target: str
    met: bool


def peak_rss_mb(pid: int | str = "self") -> float:
    """A process's peak resident set since it started its program (Linux's VmHWM).

    Not `ru_maxrss`: Linux carries that across exec, so a child forked from a large parent would report
    the parent's size. VmHWM belongs to the program now running.
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("this system does not report a process's peak memory (/proc/PID/status)")
