"""The demo history is recorded once; imported in place of its summaries, the documents bring no one's details."""

from __future__ import annotations

import psycopg

from api.demo import EMAIL, PHONE, load_demo, personal
from domain.compact import Compact, compact_id
from infra.database import Database
from projections.worker import ProjectionWorker, wait_until_current
from services.registry import Registry
from tests.conftest import count_events
from tests.unit.test_document_import import SEEDS, seeds_folder


def test_the_demo_records_once(clean_db: Database, registry: Registry) -> None:
    said: list[str] = []
    assert load_demo(registry, say=said.append) is True
    recorded = count_events(clean_db)
    assert recorded > 50
    assert load_demo(registry) is False
    assert count_events(clean_db) == recorded
    assert sum(line.startswith("note: ") for line in said) == 8
    assert [d for d in people_and_their_details() if d in stored(clean_db)] == []


def test_a_section_with_a_telephone_number_or_an_email_address_is_personal() -> None:
    assert personal("Chair | A person | An organisation | 01234 567890")
    assert personal("Write to someone@example.org")
    assert not personal("Responses are due by 7 March 2010; the strategy runs 2008-2013.")


def people_and_their_details() -> set[str]:
    """Read from the seeds at run time, so that no one's details are written into the repository: each
    telephone number and e-mail address, and the names in Havering's Appendix A table (role, name,
    organisation, telephone)."""
    found: set[str] = set()
    for name in SEEDS.values():
        text = (seeds_folder() / name).read_text(encoding="utf-8")
        found |= {m.group(0) for m in PHONE.finditer(text)} | {m.group(0) for m in EMAIL.finditer(text)}
        for line in text.splitlines():
            cells = [c.strip() for c in line.split("\t") if c.strip()]
            if len(cells) == 4 and PHONE.fullmatch(cells[3]):
                found.add(cells[1])
    return found


def stored(db: Database) -> str:
    """Every event as the store holds it."""
    with psycopg.connect(db.psycopg_conninfo()) as conn:
        rows = conn.execute("SELECT state FROM registry_events").fetchall()
    return " ".join(bytes(state).decode("utf-8", "replace") for (state,) in rows)


def test_the_demo_imports_documents_in_place_of_its_summaries_without_anyones_details(
    clean_db: Database, registry: Registry, worker: ProjectionWorker
) -> None:
    said: list[str] = []
    assert load_demo(registry, say=said.append, documents=seeds_folder()) is True
    assert "harlow: The Harlow Compact from 000_5bbd1fd5022cb212.txt, 7 sections" in said
    assert "essex: The Compact for Essex from 003_99c4101b8ba6d9c2.txt, 7 sections" in said
    assert "havering: Compact for Havering from 002_51bfee7c2637f054.txt, 17 sections" in said
    assert (
        "havering: left out appendix-a, appendix-b, consultation-response-contact-details: they hold telephone "
        "numbers or e-mail addresses"
    ) in said
    compact: object = registry.repository.get(compact_id("havering"))
    assert isinstance(compact, Compact)
    assert compact.sections["5.3"].heading == "Compact Champions"
    assert [c.key for c in compact.sections["5.3"].commitments] == ["champions"]
    assert not {"appendix-a", "appendix-b", "consultation-response-contact-details"} & set(compact.sections)
    assert compact.draft
    assert compact.adopted_on is not None
    assert compact.adopted_on.isoformat() == "2010-04-01"

    details = people_and_their_details()
    assert len(details) > 10
    events = stored(clean_db)
    assert "Compact Champions" in events  # the store is read as text: what is absent is absent
    assert [d for d in details if d in events] == []
    wait_until_current(clean_db, timeout=60)
