"""The persisted queries' store: bounded in size whoever fills it, least recently used forgotten first."""

from __future__ import annotations

import pytest

from api.graphql.persisted import NOT_FOUND, PersistedQueries, PersistedQueryRefused, sha256_hex


def extension(digest: str) -> dict[str, object]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def register(store: PersistedQueries, query: str) -> str:
    """What the endpoint does with a document sent with its hash that then validates."""
    digest = sha256_hex(query)
    resolved = store.resolve(query, extension(digest))
    if resolved.register is not None:
        store.store(resolved.register, query)
    return digest


def test_the_store_never_holds_more_text_than_its_bound_and_forgets_the_least_recently_used() -> None:
    store = PersistedQueries(characters=100, largest=40)
    queries = [f"{{ q{n:02d} {'x' * 20} }}" for n in range(10)]  # 27 characters each
    digests = [register(store, q) for q in queries[:3]]
    # Using the first keeps it; the second is then the one a fourth document pushes out.
    assert store.resolve(None, extension(digests[0])).query == queries[0]
    register(store, queries[3])
    assert len(store) == 3
    assert store.resolve(None, extension(digests[0])).query == queries[0]
    with pytest.raises(PersistedQueryRefused) as forgotten:
        store.resolve(None, extension(digests[1]))
    assert forgotten.value.code == NOT_FOUND
    for query in queries:
        register(store, query)
    assert len(store) == 3
    assert store.resolve(None, extension(sha256_hex(queries[-1]))).query == queries[-1]


def test_a_document_larger_than_the_largest_stored_runs_but_is_not_kept() -> None:
    store = PersistedQueries(characters=1000, largest=40)
    query = "{ " + "x " * 30 + "}"
    digest = register(store, query)
    assert len(store) == 0
    with pytest.raises(PersistedQueryRefused):
        store.resolve(None, extension(digest))


def test_a_request_without_the_extension_is_left_as_it_came() -> None:
    resolved = PersistedQueries().resolve("{ matters { key } }", {"other": 1})
    assert (resolved.query, resolved.register) == ("{ matters { key } }", None)
