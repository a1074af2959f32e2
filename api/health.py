"""Readiness as the API and the worker answer it: the database answers and no read model lags too far."""

from __future__ import annotations

from typing import TypedDict

from projections.state import Snapshot


class ReadModelLag(TypedDict):
    eventsBehind: int
    secondsBehind: float


class Readiness(TypedDict):
    status: str
    database: str
    # The read models whose oldest unprojected event is older than the configured lag.
    lagging: list[str]


class ReadinessWithLag(Readiness, total=False):
    readModels: dict[str, ReadModelLag]


def readiness(snapshot: Snapshot, max_lag_seconds: float) -> ReadinessWithLag:
    """`ready` when the database answered and every read model is within `max_lag_seconds`."""
    if not snapshot.up:
        return {"status": "unavailable", "database": "down", "lagging": []}
    lagging = snapshot.lagging(max_lag_seconds)
    return {
        "status": "lagging" if lagging else "ready",
        "database": "up",
        "lagging": lagging,
        "readModels": {
            name: {"eventsBehind": lag.events_behind, "secondsBehind": round(lag.seconds_behind, 3)}
            for name, lag in sorted(snapshot.lag.items())
        },
    }
