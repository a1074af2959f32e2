"""The demo history is recorded once: a second run records nothing."""

from __future__ import annotations

from infra.database import Database
from infra.demo import load_demo
from services.registry import Registry
from tests.conftest import count_events


def test_the_demo_records_once(clean_db: Database, registry: Registry) -> None:
    assert load_demo(registry) is True
    recorded = count_events(clean_db)
    assert recorded > 50
    assert load_demo(registry) is False
    assert count_events(clean_db) == recorded
