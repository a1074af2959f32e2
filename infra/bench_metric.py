"""One benchmark figure as `compacts bench` prints it and writes it to JSON."""

from __future__ import annotations

from dataclasses import dataclass


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
