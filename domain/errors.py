"""Named domain errors; each maps to one of the contract's error codes at the edge."""

from __future__ import annotations


class DomainError(Exception):
    """A broken rule, explained in a sentence a council officer can act on."""

    code = "BAD_USER_INPUT"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Malformed input or a broken rule that no current state could satisfy."""

    code = "BAD_USER_INPUT"


class NotFound(DomainError):
    """A tenant, parent, party, section or code that the registry does not know."""

    code = "NOT_FOUND"


class Conflict(DomainError):
    """A clash with the current state: a taken slug, a concurrent write, a reused key."""

    code = "CONFLICT"


class Unauthenticated(DomainError):
    """The request carries no identity where one is needed."""

    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    """The identity is known but its roles or tenants do not allow the command."""

    code = "FORBIDDEN"
