"""Log lines as JSON objects, one a line, each with the request id and trace id it was written under."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar
from typing import TextIO

from opentelemetry import trace
from pythonjsonlogger.orjson import OrjsonFormatter

# The request being answered: set by the API's outermost middleware, read by every log line it causes.
REQUEST_ID: ContextVar[str | None] = ContextVar("request_id", default=None)


class RequestContext(logging.Filter):
    """Adds the request id and, while a span is recording, the trace and span ids to each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        context = trace.get_current_span().get_span_context()
        record.trace_id = f"{context.trace_id:032x}" if context.is_valid else None
        record.span_id = f"{context.span_id:016x}" if context.is_valid else None
        # uvicorn's copy of its message with terminal colours: noise in a log line.
        record.__dict__.pop("color_message", None)
        return True


def json_formatter() -> OrjsonFormatter:
    """time, level, logger, message, request_id, trace_id, span_id; a traceback goes in `exc_info`.

    orjson, which the registry already uses for its answers: a third faster than the standard library's
    encoder on an access line (docs/adr/0012).
    """
    return OrjsonFormatter(
        "%(levelname)s %(name)s %(message)s %(request_id)s %(trace_id)s %(span_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
        # ISO 8601 in UTC, to the microsecond.
        timestamp="time",
    )


def log_as_json(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Every logger of the process, uvicorn's and the libraries' included, writes JSON lines to `stream`."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestContext())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # Python's warnings are log lines too, rather than free text on stderr.
    logging.captureWarnings(True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        # uvicorn's own handlers write plain text; its records reach the root's instead.
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
