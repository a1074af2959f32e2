"""Answers to public reads kept per process, each valid while the read models it read have not moved."""

from __future__ import annotations

import asyncio
import hashlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import parse_qs

import orjson
from cachetools import LRUCache
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPRequestEvent,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    ReceiveMessage,
    Scope,
    Send,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.graphql.controller import response_media_type
from api.identity import request_identity
from api.reading import reader_settings
from api.standby import READ_AFTER_HEADER
from domain.actors import Actor
from domain.clock import today
from projections.catalogue import PROJECTIONS

# Bytes of answers kept per process, least recently used forgotten first.
STORE_BYTES = 32_000_000
# An answer larger than this is sent but never kept, so one answer cannot empty the store.
LARGEST_STORED = 1_000_000
# A request body larger than this is never looked up: it is passed on unread (integrators' reads are short).
LARGEST_REQUEST = 64_000
# The header as the ASGI scope holds it.
READ_AFTER = READ_AFTER_HEADER.lower().encode("latin-1")
# An entry is dropped this long after it was stored, whatever the notifications said: a listener connection
# that died without the process noticing could otherwise leave an answer standing after its rows changed.
MAX_AGE_SECONDS = 5.0
HEADER = b"x-cache"
STATE_KEY = "compacts.response_cache"

# Which read model each table belongs to, from the read models' own declarations.
_READ_MODEL_OF = {table.name: spec.name for spec in PROJECTIONS for table in spec.tables}
_TABLES = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _READ_MODEL_OF), key=len, reverse=True)) + r")\b"
)


@lru_cache(maxsize=1024)
def read_models_in(sql: str) -> frozenset[str]:
    """The read models whose tables a statement names (the API's statements are a few fixed texts)."""
    return frozenset(_READ_MODEL_OF[name] for name in _TABLES.findall(sql))


class Positions(Protocol):
    """Where each read model stands as this process last heard (`api.freshness.ReadModelWaiter`)."""

    positions: dict[str, int]

    @property
    def epoch(self) -> int:
        """Changes whenever the process may have missed a notification (its listener lost or renewed)."""

    @property
    def listening(self) -> bool:
        """Whether a notification would be heard now."""

    def listen_again(self) -> None:
        """Start listening again, soon, if the listener is lost."""


@dataclass(frozen=True)
class Entry:
    body: bytes
    headers: tuple[tuple[bytes, bytes], ...]
    # The positions, when the read began, of each read model the answer read.
    read: tuple[tuple[str, int], ...]
    epoch: int
    stored_at: float


@dataclass
class Ticket:
    """One cacheable request as it runs: what it read, and whether its answer may be kept."""

    key: str
    positions: dict[str, int]
    epoch: int
    read_models: set[str] = field(default_factory=set)
    query: bool = False
    answered: bool = False
    # A resolver answered from something other than the request's reads (the event store, checkpoints).
    elsewhere: bool = False

    def saw(self, sql: str) -> None:
        self.read_models |= read_models_in(sql)


class ResponseCache:
    """Answers by key, bounded in bytes; counts its hits and misses."""

    def __init__(
        self,
        size: int = STORE_BYTES,
        largest: int = LARGEST_STORED,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: LRUCache[str, Entry] = LRUCache(maxsize=size, getsizeof=lambda e: len(e.body) + 200)
        self._largest = min(largest, size)
        self._max_age = max_age
        self._clock = clock
        self.hits = 0
        self.misses = 0

    def find(self, key: str, now: Positions) -> Entry | None:
        entry = self._entries.get(key)
        if entry is not None and self._valid(entry, now):
            self.hits += 1
            return entry
        if entry is not None:
            self._entries.pop(key, None)
        self.misses += 1
        return None

    def _valid(self, entry: Entry, now: Positions) -> bool:
        if entry.epoch != now.epoch or self._clock() - entry.stored_at > self._max_age:
            return False
        return all(now.positions.get(name, 0) == at for name, at in entry.read)

    def keep(self, ticket: Ticket, body: bytes, headers: tuple[tuple[bytes, bytes], ...]) -> bool:
        """Keep an answer if the request read only read models, and at least one, and asked nothing else."""
        if not (ticket.query and ticket.answered and ticket.read_models) or ticket.elsewhere:
            return False
        if len(body) > self._largest:
            return False
        read = tuple(sorted((name, ticket.positions.get(name, 0)) for name in ticket.read_models))
        self._entries[ticket.key] = Entry(body, headers, read, ticket.epoch, self._clock())
        return True

    def __len__(self) -> int:
        return len(self._entries)


def public_reader(actor: Actor) -> bool:
    """Whether the reader sees only public rows, as the anonymous reader does: only such answers are kept."""
    members, admin, _, _ = reader_settings(actor)
    return not members and admin == "off"


def _document_id(request: dict[str, Any]) -> str | None:
    """The SHA-256 of the document: of its text, or the persisted query's hash, which names the same text."""
    query = request.get("query")
    extensions = request.get("extensions")
    persisted = extensions.get("persistedQuery") if isinstance(extensions, dict) else None
    digest = persisted.get("sha256Hash") if isinstance(persisted, dict) else None
    if extensions is not None and not isinstance(extensions, dict):
        return None
    if isinstance(query, str):
        own = hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest()
        # A query with a hash that is not its own is refused by the endpoint; never answered from here.
        if digest is not None and (not isinstance(digest, str) or digest.lower() != own):
            return None
        return own
    if query is None and isinstance(digest, str) and len(digest) == 64:
        return digest.lower()
    return None


def cache_key(request: dict[str, Any], media_type: str, day: str) -> str | None:
    """The document, its operation and variables, the day "today" means, and the answer's media type.

    The reader's visibility is not part of it: only public readers' answers are looked up or kept.
    """
    document = _document_id(request)
    variables = request.get("variables")
    name = request.get("operationName")
    if document is None or not (variables is None or isinstance(variables, dict)):
        return None
    if not (name is None or isinstance(name, str)):
        return None
    try:
        shown = orjson.dumps([document, name, variables or {}, day, media_type], option=orjson.OPT_SORT_KEYS)
    except TypeError:
        return None
    return hashlib.sha256(shown).hexdigest()


def _from_query_string(raw: bytes) -> dict[str, Any] | None:
    params = parse_qs(raw.decode("latin-1"))
    request: dict[str, Any] = {}
    for name in ("query", "operationName", "variables", "extensions"):
        values = params.get(name)
        if values is None:
            continue
        if len(values) != 1:
            return None
        request[name] = values[0]
    try:
        for name in ("variables", "extensions"):
            if name in request:
                request[name] = orjson.loads(request[name])
    except orjson.JSONDecodeError:
        return None
    return request


async def _read_some(receive: Receive, limit: int) -> tuple[list[bytes], bool]:
    """Body chunks up to `limit` bytes, and whether that was the whole body."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if isinstance(chunk, bytes):
            chunks.append(chunk)
            size += len(chunk)
        if not message.get("more_body", False):
            return chunks, True
        if size > limit or message["type"] != "http.request":
            return chunks, False


def _then(chunks: list[bytes], complete: bool, receive: Receive) -> Receive:
    """The body read so far, then the rest as it comes."""
    pending = b"".join(chunks)
    given = False

    async def replay() -> ReceiveMessage:
        nonlocal given
        if given:
            return await receive()
        given = True
        request: HTTPRequestEvent = {"type": "http.request", "body": pending, "more_body": not complete}
        return request

    return replay


def _positions_of(scope: Scope) -> Positions:
    positions: Positions = scope["app"].state.runtime.services.waiter
    return positions


def _may_use_the_cache(scope: Scope) -> bool:
    """A GET or POST to /graphql by a reader who sees only public rows, not waiting for its own write."""
    if scope["type"] != ScopeType.HTTP or scope.get("path") != "/graphql":
        return False
    actor = request_identity(scope)
    if scope.get("method") not in ("GET", "POST") or not isinstance(actor, Actor) or not public_reader(actor):
        return False
    # A client waiting to read its own write on a standby: its reads go where that write is, and a malformed
    # position must be refused, so the cache neither answers nor keeps this read.
    return READ_AFTER not in dict(scope.get("headers", []))


async def _graphql_request(
    scope: Scope, headers: dict[bytes, bytes], receive: Receive
) -> tuple[dict[str, Any] | None, Receive]:
    """The request from its query string or its body (a body too large, or not a JSON object, is None), and
    the `receive` that hands the app the body again."""
    if scope.get("method") == "GET":
        return _from_query_string(scope.get("query_string", b"")), receive
    declared = headers.get(b"content-length", b"").strip()
    if declared.isdigit() and int(declared) > LARGEST_REQUEST:
        return None, receive
    chunks, complete = await _read_some(receive, LARGEST_REQUEST)
    receive = _then(chunks, complete, receive)
    if not complete:
        return None, receive
    try:
        parsed = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        return None, receive
    return (parsed if isinstance(parsed, dict) else None), receive


def response_cache_middleware(cache: ResponseCache) -> Callable[[ASGIApp], ASGIApp]:
    """Answers a public reader's query from `cache` when the same one was answered since its rows last moved.

    Only GET and POST to /graphql from readers who see only public rows are looked up; each such query's
    answer says `x-cache: hit` or `x-cache: miss` (a mutation's says neither). The answer is kept only if
    the operation was a query, answered without errors, and read only read models (`ResponseCacheTicket`
    notes what it read).
    """

    def wrap(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if not _may_use_the_cache(scope):
                await app(scope, receive, send)
                return
            positions = _positions_of(scope)
            if not positions.listening:
                # Without the notifications no answer can be known to be current: none is kept or given.
                positions.listen_again()
                await app(scope, receive, send)
                return
            headers = dict(scope.get("headers", []))
            request, receive = await _graphql_request(scope, headers, receive)
            accept = headers.get(b"accept")
            media_type = response_media_type(accept.decode("latin-1") if accept else None)
            key = None if request is None else cache_key(request, media_type, today().isoformat())
            if key is None:
                await app(scope, receive, send)
                return
            found = cache.find(key, positions)
            if found is not None:
                await _answer(send, found)
                return
            ticket = Ticket(key=key, positions=dict(positions.positions), epoch=positions.epoch)
            scope.setdefault("state", {})[STATE_KEY] = ticket
            await _run_and_keep(app, scope, receive, send, cache, ticket)

        return middleware

    return wrap


async def _answer(send: Send, entry: Entry) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 200,
        "headers": [*entry.headers, (b"content-length", str(len(entry.body)).encode()), (HEADER, b"hit")],
    }
    await send(start)
    body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": entry.body, "more_body": False}
    await send(body)


async def _run_and_keep(
    app: ASGIApp, scope: Scope, receive: Receive, send: Send, cache: ResponseCache, ticket: Ticket
) -> None:
    status = 0
    kept_headers: tuple[tuple[bytes, bytes], ...] = ()
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        nonlocal status, kept_headers
        if message["type"] == "http.response.start":
            status = message["status"]
            kept_headers = tuple(
                (name, value)
                for name, value in message.get("headers", [])
                if name.lower() != b"content-length"
            )
            if ticket.query:
                message["headers"] = [*message.get("headers", []), (HEADER, b"miss")]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
        await send(message)

    await app(scope, receive, capture)
    if status != 200:
        return
    # The driver reports each statement to `Ticket.saw` on the loop's next turn; let those reports land.
    await asyncio.sleep(0)
    cache.keep(ticket, b"".join(chunks), kept_headers)


def ticket_of(context: object) -> Ticket | None:
    """The cache's ticket of the request a GraphQL context belongs to, if its answer may be kept."""
    request = getattr(context, "request", None)
    state = getattr(request, "scope", {}).get("state", {}) if request is not None else {}
    found = state.get(STATE_KEY)
    return found if isinstance(found, Ticket) else None


def answered_elsewhere(context: object) -> None:
    """Said by a resolver that answers from anything but the request's reads: its answer is never kept."""
    ticket = ticket_of(context)
    if ticket is not None:
        ticket.elsewhere = True


class ResponseCacheTicket(SchemaExtension):
    """Notes on the request's ticket which read models its statements read, and how the operation ended."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        ticket = ticket_of(context)
        loaders = getattr(context, "loaders", None)
        if ticket is not None and loaders is not None:
            loaders.reads.on_query = ticket.saw
        yield
        if ticket is None:
            return
        result = self.execution_context.result
        try:
            ticket.query = self.execution_context.operation_type is OperationType.QUERY
        except RuntimeError:
            ticket.query = False
        ticket.answered = result is not None and not result.errors and result.data is not None
