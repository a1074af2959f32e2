"""JSON as the registry stores it, and readers that take a stored payload's fields back, types checked."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

# Read-only containers, so that a dict of strings or a list of dicts is a JSON value as it is.
JSONValue: TypeAlias = str | int | float | bool | Sequence["JSONValue"] | Mapping[str, "JSONValue"] | None


class Malformed(ValueError):
    """A stored payload whose field is not of the type its writer gave it."""

    def __init__(self, key: str, value: object, wanted: str) -> None:
        super().__init__(f"the stored field '{key}' holds {value!r}, not {wanted}")


def text(data: Mapping[str, object], key: str, default: str | None = None) -> str:
    """A text field; `default` where a payload written before the field existed lacks it."""
    value = data.get(key, default)
    if not isinstance(value, str):
        raise Malformed(key, value, "text")
    return value


def whole(data: Mapping[str, object], key: str, default: int | None = None) -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Malformed(key, value, "a whole number")
    return value


def texts(data: Mapping[str, object], key: str) -> tuple[str, ...]:
    """A list of texts; none where the payload lacks it."""
    value = data.get(key, ())
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise Malformed(key, value, "a list of texts")


def record(data: Mapping[str, object], key: str) -> Mapping[str, object] | None:
    """A nested object, or None where it is null or missing."""
    value = data.get(key)
    if value is not None and not isinstance(value, dict):
        raise Malformed(key, value, "an object")
    return value


def records(data: Mapping[str, object], key: str) -> tuple[Mapping[str, object], ...]:
    """A list of nested objects; none where the payload lacks it."""
    value = data.get(key, ())
    if isinstance(value, list | tuple) and all(isinstance(v, dict) for v in value):
        return tuple(value)
    raise Malformed(key, value, "a list of objects")
