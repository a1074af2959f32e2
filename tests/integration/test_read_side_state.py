"""The read side's gauges when the database cannot answer: a 0, never a failed scrape."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from api.health import readiness
from infra.database import Database
from projections.state import ReadSideCollector, ReadSideState
from tests.e2e.conftest import free_port


def test_a_database_that_does_not_answer_is_database_up_0_and_not_ready() -> None:
    # Nothing listens on a port just found free.
    nowhere = Database(f"postgresql://compacts@127.0.0.1:{free_port()}/compacts?connect_timeout=2")
    state = ReadSideState(nowhere)
    registry = CollectorRegistry()
    registry.register(ReadSideCollector(state))
    families = {f.name: f.samples for f in text_string_to_metric_families(generate_latest(registry).decode())}
    assert [s.value for s in families["compacts_database_up"]] == [0]
    assert families["compacts_read_model_events_behind"] == []
    assert families["compacts_read_model_holder"] == []
    assert readiness(state.snapshot(), 30) == {"status": "unavailable", "database": "down", "lagging": []}
