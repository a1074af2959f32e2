"""The soak scenarios, short: conflicts, writes, retries, kills, webhooks, load, restart, bad input, backup and
restore, and reads on a standby."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.tools import soak
from infra.database import Database

# The two longest runs take turns on one pytest-xdist worker: side by side they would slow each other.
pytestmark = pytest.mark.xdist_group("long-runs")


def test_every_soak_scenario_passes_against_real_processes(db: Database, tmp_path: Path) -> None:
    # The session's database stands for its server: the scenarios run in a scratch database beside it.
    said: list[str] = []
    outcomes = soak.run(db, tmp_path / "soak", quick=True, say=said.append, load_seconds=3)
    assert [o.scenario for o in outcomes] == [
        "conflicting commands",
        "acknowledged writes",
        "idempotency retries",
        "worker kill -9",
        "API kill -9",
        "webhooks kill -9",
        "mixed load",
        "PostgreSQL restart",
        "bad input at volume",
        "backup and restore",
        "standby reads",
        "standby stopped",
    ]
    failed = [o.row() for o in outcomes if not o.passed]
    assert failed == [], "\n".join(said)
    by_name = {o.scenario: o for o in outcomes}
    conflicts = by_name["conflicting commands"]
    assert (conflicts.acknowledged, conflicts.stored, dict(conflicts.errors)) == (1, 1, {"CONFLICT": 7})
    steady = ["acknowledged writes", "worker kill -9", "mixed load", "backup and restore"]
    assert all(by_name[name].stored == by_name[name].acknowledged for name in steady)
    killed = by_name["API kill -9"]
    assert killed.stored >= killed.acknowledged > 0
    hooked = by_name["webhooks kill -9"]
    # Every acknowledged event reached the receiver and verified, though it refused the first attempts and
    # every worker was killed while delivering.
    assert hooked.stored == hooked.figures["recorded"] == 30
    assert hooked.figures["failed_attempts"] >= 3
    restarted = by_name["PostgreSQL restart"]
    # While PostgreSQL was down the API answered 503 at once, and afterwards it recovered by itself.
    assert restarted.figures["outage_503"] >= 1
    assert set(restarted.errors) == {"HTTP 503"}
    assert restarted.figures["outage_longest_seconds"] < 5
    assert restarted.figures["recovery_seconds"] < 30
    assert restarted.stored >= restarted.acknowledged > 0
    bad = by_name["bad input at volume"]
    # Hundreds of generated requests and commands, every one refused or done cleanly, none half-done.
    assert bad.figures["http_requests"] >= 200
    assert bad.figures["commands"] >= 200
    assert (bad.figures["http_5xx"], bad.figures["internal"], bad.figures["leaks"]) == (0, 0, 0)
    assert (bad.figures["stored_though_refused"], bad.figures["unexpected_exceptions"]) == (0, 0)
    assert {"BAD_USER_INPUT", "NOT_FOUND"} <= set(bad.errors)
    on_standby, standby_stopped = by_name["standby reads"], by_name["standby stopped"]
    # Every write was read back at once from both API processes and each read included it, though the
    # standby had not replayed it when it was answered: the patient process waited for the standby, the
    # impatient one read the primary.
    assert on_standby.acknowledged == on_standby.stored == 8
    assert on_standby.figures["writes_behind"] >= 1
    assert on_standby.figures["reads_from_standby"] >= 1
    assert on_standby.figures["reads_from_primary"] >= 1
    # The standby stopped under load and started again: no request failed, and reads went back to it.
    assert not standby_stopped.errors
    assert standby_stopped.figures["requests_while_down"] >= 1
    assert standby_stopped.figures["reads_on_standby_after"] >= 1
    assert standby_stopped.stored == standby_stopped.acknowledged > 0
