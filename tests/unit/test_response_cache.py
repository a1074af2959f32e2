"""The response cache's keys and its rule for when a kept answer still holds, without a server."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from api.graphql.response_cache import ResponseCache, Ticket, cache_key, read_models_in

QUERY = '{ tenant(slug: "harlow") { slug } }'
DIGEST = hashlib.sha256(QUERY.encode()).hexdigest()
JSON = "application/json"


@dataclass
class Heard:
    positions: dict[str, int] = field(default_factory=dict)
    epoch: int = 1
    listening: bool = True

    def listen_again(self) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def ticket(heard: Heard, read: set[str], *, query: bool = True, key: str = "k") -> Ticket:
    kept = Ticket(key=key, positions=dict(heard.positions), epoch=heard.epoch)
    kept.read_models |= read
    kept.query = query
    kept.answered = True
    return kept


def test_the_same_request_written_differently_has_the_same_key() -> None:
    a = cache_key({"query": QUERY, "variables": {"a": 1, "b": 2}}, JSON, "2026-12-01")
    b = cache_key({"variables": {"b": 2, "a": 1}, "query": QUERY}, JSON, "2026-12-01")
    assert a is not None
    assert a == b


def test_a_persisted_hash_names_the_same_answer_as_its_query() -> None:
    by_text = cache_key({"query": QUERY}, JSON, "2026-12-01")
    by_hash = cache_key(
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": DIGEST.upper()}}}, JSON, "2026-12-01"
    )
    assert by_text == by_hash


def test_another_day_variables_operation_or_media_type_is_another_key() -> None:
    base = cache_key({"query": QUERY}, JSON, "2026-12-01")
    others = [
        cache_key({"query": QUERY}, JSON, "2026-12-02"),
        cache_key({"query": QUERY, "variables": {"slug": "x"}}, JSON, "2026-12-01"),
        cache_key({"query": QUERY, "operationName": "Q"}, JSON, "2026-12-01"),
        cache_key({"query": QUERY}, "application/graphql-response+json", "2026-12-01"),
    ]
    assert base not in others
    assert len(set(others)) == len(others)


def test_a_query_sent_with_a_hash_not_its_own_is_never_looked_up() -> None:
    wrong = {"query": QUERY, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}}
    assert cache_key(wrong, JSON, "2026-12-01") is None
    assert cache_key({"query": QUERY, "variables": [1]}, JSON, "2026-12-01") is None
    assert cache_key({"variables": {}}, JSON, "2026-12-01") is None


def test_a_statement_names_the_read_models_of_the_tables_it_reads() -> None:
    assert read_models_in("SELECT * FROM tenants t JOIN tenant_ancestors a ON true") == {"tenant_directory"}
    assert read_models_in("SELECT set_config('compacts.admin', $1, true)") == set()


def test_an_answer_holds_until_a_read_model_it_read_moves() -> None:
    heard = Heard({"tenant_directory": 5, "register_of_parties": 9})
    cache = ResponseCache()
    assert cache.keep(ticket(heard, {"tenant_directory"}), b"{}", ())
    assert cache.find("k", heard) is not None
    heard.positions["register_of_parties"] = 10
    assert cache.find("k", heard) is not None, "a read model the answer did not read moved"
    heard.positions["tenant_directory"] = 6
    assert cache.find("k", heard) is None
    assert (cache.hits, cache.misses) == (2, 1)


def test_an_answer_is_dropped_when_notifications_may_have_been_missed_or_it_is_old() -> None:
    clock = Clock()
    heard = Heard({"tenant_directory": 5})
    cache = ResponseCache(clock=clock, max_age=5.0)
    cache.keep(ticket(heard, {"tenant_directory"}), b"{}", ())
    heard.epoch += 1
    assert cache.find("k", heard) is None
    cache.keep(ticket(heard, {"tenant_directory"}), b"{}", ())
    clock.now += 6
    assert cache.find("k", heard) is None


def test_only_a_query_that_read_read_models_and_nothing_else_is_kept() -> None:
    heard = Heard({"tenant_directory": 5})
    cache = ResponseCache()
    assert not cache.keep(ticket(heard, {"tenant_directory"}, query=False), b"{}", ())
    assert not cache.keep(ticket(heard, set()), b"{}", ())
    elsewhere = ticket(heard, {"tenant_directory"})
    elsewhere.elsewhere = True
    assert not cache.keep(elsewhere, b"{}", ())
    failed = ticket(heard, {"tenant_directory"})
    failed.answered = False
    assert not cache.keep(failed, b"{}", ())
    assert len(cache) == 0
