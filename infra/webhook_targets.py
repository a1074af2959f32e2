"""Where a webhook may be sent: the host resolved, and private, loopback and link-local addresses refused."""

from __future__ import annotations

import socket
from collections.abc import Callable
from urllib.parse import urlsplit

from domain.errors import InvalidInput
from domain.webhooks import refused_address

RESOLVE_TIMEOUT_SECONDS = 5.0


class UnsafeTarget(InvalidInput):
    """The URL's host is, or resolves to, an address inside a network the registry will not send into."""


# A host and port to the addresses they resolve to.
Resolver = Callable[[str, int], list[str]]


def system_resolver(host: str, port: int) -> list[str]:
    return [str(found[4][0]) for found in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class PublicTargets:
    """Refuses hosts that resolve to private, loopback, link-local or reserved addresses.

    Otherwise any tenant editor could make the registry probe the network it runs in. An operator who runs
    receivers on the platform's own network (tests, on-premises) allows them with
    COMPACTS_WEBHOOK_ALLOW_PRIVATE. A delivery is sent to the address that was checked (`address`), never
    to a second lookup, so a name that resolves elsewhere a moment later (DNS rebinding) gains nothing.
    """

    def __init__(self, *, allow_private: bool, resolve: Resolver = system_resolver) -> None:
        self.allow_private = allow_private
        self.resolve = resolve

    def check(self, url: str) -> None:
        """Raise UnsafeTarget (BAD_USER_INPUT) unless every address the host resolves to may be sent to."""
        if not self.allow_private:
            self.address(url)

    def address(self, url: str) -> str:
        """The address to send to: the host's first, once every one it resolves to may be sent to."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = self.resolve(host, port)
        except (OSError, UnicodeError) as error:
            raise UnsafeTarget(
                f"The host '{host[:100]}' cannot be resolved; check the URL's spelling."
            ) from error
        if not found:
            raise UnsafeTarget(f"The host '{host[:100]}' resolves to no address; check the URL's spelling.")
        for address in found:
            why = None if self.allow_private else refused_address(address)
            if why is not None:
                raise UnsafeTarget(
                    f"The host '{host[:100]}' resolves to {address}, {why}; webhooks are sent only to "
                    "public addresses (an operator may allow others with COMPACTS_WEBHOOK_ALLOW_PRIVATE)."
                )
        return found[0]
