"""Free text typed by people: one line, spacing collapsed, never empty, never unbounded, never disguised."""

from __future__ import annotations

from domain.errors import InvalidInput

# Characters that change how text around them is shown without being seen themselves: bidirectional
# overrides and isolates can make "Sec Probe \u202eretaL" read as another name, and zero-width marks make
# two names that look the same differ. A name or a title never needs them.
DISGUISING = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"  # direction controls
    "\u200b\u200c\u200d\u2060\ufeff"  # zero-width characters
)


def disguised(value: str) -> bool:
    return not DISGUISING.isdisjoint(value)


def refuse_disguised(value: str, what: str) -> str:
    """The value, unless it holds a character that hides or reorders text."""
    if disguised(value):
        raise InvalidInput(
            f"{what} holds an invisible character that changes how text reads (a direction override or "
            "a zero-width mark); type it again without one."
        )
    return value


def one_line(value: str, *, empty: str, max_length: int, what: str) -> str:
    """The value with its spacing collapsed; `empty` is the message when nothing is left."""
    cleaned = " ".join(refuse_disguised(value, what).split())
    if not cleaned:
        raise InvalidInput(empty)
    if len(cleaned) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters.")
    return cleaned
