"""The one way a mutation runs its command and answers: off the event loop, then read back once projected."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from litestar.concurrency import sync_to_thread
from opentelemetry import trace

from api.graphql.context import Context, Loaders
from api.standby import READ_AFTER_HEADER, Standby, client_of, format_lsn
from domain.actors import Actor
from domain.errors import NotFound
from infra.spans import span
from services.registry import Recorded

TRACER = trace.get_tracer(__name__)
C = TypeVar("C")
R = TypeVar("R")
# How a mutation reads its result back from the fresh loaders: the record, or None if it is not there.
Reader = Callable[[Loaders], Awaitable[R | None]]


async def run(ctx: Context, handle: Callable[[Actor, C], Recorded], command: C) -> Recorded:
    """Carry out `command` with the service's `handle`, then wait until the read models include it."""
    # No read connection is held while the command and the wait run; the reads after it begin anew, on the
    # primary, whose read models the wait is about.
    await ctx.loaders.reads.writing()
    # The command's span holds the service's and the event store's; the thread inherits it (contextvars).
    with span(TRACER, f"command {type(command).__name__}"):
        recorded = await sync_to_thread(handle, ctx.actor, command)
    await ctx.services.waiter.wait_for(recorded, ctx.services.read_your_writes_timeout)
    if ctx.services.standby is not None:
        await remember_write(ctx, ctx.services.standby)
    # What the request's loaders read before this write is stale now: a document with two mutations
    # must answer the second from the state after both.
    ctx.loaders = Loaders(ctx.loaders.reads, ctx.loaders.actor)
    return recorded


async def remember_write(ctx: Context, standby: Standby) -> None:
    """Note where the primary's WAL is now that the read models include the write: this client's later reads
    wait for the standby to replay that far. The answer says it too, for the client to send back."""
    lsn = await standby.written_now()
    standby.remember(client_of(ctx.actor), lsn)
    if ctx.response is not None:
        ctx.response.headers[READ_AFTER_HEADER] = format_lsn(lsn)


async def execute(
    ctx: Context,
    handle: Callable[[Actor, C], Recorded],
    command: C,
    read: Reader[R],
    what: str,
) -> R:
    """Run the command, then answer with `read` from the read models that now include it.

    `what` names the record for the error a person sees if it cannot be read back ("The code 'x' of 'y'").
    """
    await run(ctx, handle, command)
    found = await read(ctx.loaders)
    if found is None:
        raise NotFound(f"{what} was recorded but cannot be read back.")
    return found
