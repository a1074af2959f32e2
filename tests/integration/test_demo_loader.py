"""The demo history is recorded once: a second run records nothing."""

from __future__ import annotations

from domain.compact import Compact, compact_id
from infra.database import Database
from infra.demo import load_demo
from projections.worker import ProjectionWorker, wait_until_current
from services.registry import Registry
from tests.conftest import count_events
from tests.unit.test_document_import import seeds_folder


def test_the_demo_records_once(clean_db: Database, registry: Registry) -> None:
    assert load_demo(registry) is True
    recorded = count_events(clean_db)
    assert recorded > 50
    assert load_demo(registry) is False
    assert count_events(clean_db) == recorded


def test_the_demo_imports_documents_in_place_of_its_summaries(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    said: list[str] = []
    assert load_demo(registry, say=said.append, documents=seeds_folder()) is True
    assert "harlow: The Harlow Compact from 000_5bbd1fd5022cb212.txt, 7 sections" in said
    assert "essex: The Compact for Essex from 003_99c4101b8ba6d9c2.txt, 7 sections" in said
    compact: object = registry.repository.get(compact_id("havering"))
    assert isinstance(compact, Compact)
    assert compact.sections["5.3"].heading == "Compact Champions"
    wait_until_current(clean_db, timeout=60)
