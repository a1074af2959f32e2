"""Where a webhook may be sent: the host resolved, and private, loopback and link-local addresses refused."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from domain.errors import InvalidInput
from domain.webhooks import refused_address

RESOLVE_TIMEOUT_SECONDS = 5.0


class UnsafeTarget(InvalidInput):
    """The URL's host is, or resolves to, an address inside a network the registry will not send into."""


class PublicTargets:
    """Refuses hosts that resolve to private, loopback, link-local or reserved addresses.

    Otherwise any tenant editor could make the registry probe the network it runs in. An operator who runs
    receivers on the platform's own network (tests, on-premises) allows them with
    COMPACTS_WEBHOOK_ALLOW_PRIVATE.
    """

    def __init__(self, *, allow_private: bool) -> None:
        self.allow_private = allow_private

    def check(self, url: str) -> None:
        """Raise UnsafeTarget (BAD_USER_INPUT) unless every address the host resolves to may be sent to."""
        if self.allow_private:
            return
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as error:
            raise UnsafeTarget(
                f"The host '{host[:100]}' cannot be resolved; check the URL's spelling."
            ) from error
        for *_, address in found:
            why = refused_address(str(address[0]))
            if why is not None:
                raise UnsafeTarget(
                    f"The host '{host[:100]}' resolves to {address[0]}, {why}; webhooks are sent only to "
                    "public addresses (an operator may allow others with COMPACTS_WEBHOOK_ALLOW_PRIVATE)."
                )
