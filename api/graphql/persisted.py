"""Automatic persisted queries (Apollo's protocol): a document sent once with its hash travels as the hash."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache

NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_FOUND_MESSAGE = (
    "No query with this sha256Hash is stored here (it may have been forgotten); send the request again with "
    "its `query` and the same hash to store it."
)
SHAPE = (
    '`extensions.persistedQuery` must be {"version": 1, "sha256Hash": "<the SHA-256 of the query, as 64 '
    'hexadecimal digits>"}.'
)
MISMATCH = (
    "The sha256Hash is not the SHA-256 of this query (hex of its UTF-8 bytes, exactly as sent); "
    "compute it again from the query text."
)
HEX_64 = re.compile(r"[0-9a-fA-F]{64}")

# Characters of query text kept per process, least recently used forgotten first: anonymous callers can
# store documents, so the store must not grow with them. A forgotten hash costs a caller one round trip.
STORE_CHARACTERS = 2_000_000
# A longer document is run but never stored, so one request cannot empty the store.
LARGEST_STORED = 50_000


class PersistedQueryRefused(Exception):
    """The request's persisted query cannot be run: its message is for the caller, with its code."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Resolved:
    """The document to run, and the hash to store it under once it has validated (None: nothing to store)."""

    query: str | None
    register: str | None


def sha256_hex(query: str) -> str:
    # A lone surrogate is still hashed (and later refused as unstorable text) rather than failing here.
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()


class PersistedQueries:
    """The documents this process has been given with their hashes, bounded in size."""

    def __init__(self, characters: int = STORE_CHARACTERS, largest: int = LARGEST_STORED) -> None:
        self._documents: LRUCache[str, str] = LRUCache(maxsize=characters, getsizeof=len)
        self._largest = min(largest, characters)

    def resolve(self, query: str | None, extensions: dict[str, Any] | None) -> Resolved:
        """The query a request means: its own, or the stored one its hash names.

        Raises PersistedQueryRefused for a malformed extension, a hash that does not match the query sent,
        or an unknown hash sent without its query.
        """
        if not extensions or "persistedQuery" not in extensions:
            return Resolved(query, None)
        persisted = extensions["persistedQuery"]
        if not isinstance(persisted, dict) or persisted.get("version") != 1:
            raise PersistedQueryRefused(SHAPE, "BAD_USER_INPUT")
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str) or not HEX_64.fullmatch(digest):
            raise PersistedQueryRefused(SHAPE, "BAD_USER_INPUT")
        digest = digest.lower()
        if query is None:
            stored = self._documents.get(digest)
            if stored is None:
                raise PersistedQueryRefused(NOT_FOUND_MESSAGE, NOT_FOUND)
            return Resolved(stored, None)
        if sha256_hex(query) != digest:
            raise PersistedQueryRefused(MISMATCH, "BAD_USER_INPUT")
        return Resolved(query, digest if digest not in self._documents else None)

    def store(self, digest: str, query: str) -> None:
        """Keep a document that has validated, under the hash `resolve` checked."""
        if len(query) <= self._largest:
            self._documents[digest] = query

    def __len__(self) -> int:
        return len(self._documents)
