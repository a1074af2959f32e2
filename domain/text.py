"""Free text typed by people: one line, spacing collapsed, never empty, never unbounded."""

from __future__ import annotations

from domain.errors import InvalidInput


def one_line(value: str, *, empty: str, max_length: int, what: str) -> str:
    """The value with its spacing collapsed; `empty` is the message when nothing is left."""
    cleaned = " ".join(value.split())
    if not cleaned:
        raise InvalidInput(empty)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters.")
    return cleaned
