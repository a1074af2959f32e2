"""Sending one webhook delivery: signed per Standard Webhooks, to a host checked again just before sending."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks.webhooks import Webhook as Signer

from domain.errors import InvalidInput
from infra.webhook_targets import PublicTargets

TIMEOUT_SECONDS = 10.0
USER_AGENT = "CompactRegistry-Webhooks/1"
# The receiver's answer is not read past this: only its status matters.
MAX_ERROR_TEXT = 300


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    """The webhook-signature header: 'v1,' and the base64 HMAC-SHA256 of id.timestamp.body (the secret's)."""
    return Signer(secret).sign(message_id, datetime.fromtimestamp(timestamp, UTC), body)


def signed_headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to: delivered (a 2xx), or why not, with the receiver's status if it answered."""

    delivered: bool
    status: int | None
    error: str | None


class Sender:
    """POSTs deliveries; redirects are not followed (a redirect could lead into a private network)."""

    def __init__(
        self, targets: PublicTargets, timeout: float = TIMEOUT_SECONDS, verify: ssl.SSLContext | bool = True
    ) -> None:
        self.targets = targets
        # `verify`: the system's certificate authorities, or (tests) a context trusting a test authority.
        self.client = httpx.Client(timeout=timeout, follow_redirects=False, verify=verify)

    def send(self, url: str, secret: str, message_id: str, body: str, now: datetime) -> Outcome:
        try:
            # Checked again at each attempt: the name may resolve elsewhere than when it was subscribed.
            address = self.targets.address(url)
        except InvalidInput as refused:
            return Outcome(False, None, str(refused)[:MAX_ERROR_TEXT])
        parts = urlsplit(url)
        headers = signed_headers(secret, message_id, int(now.timestamp()), body)
        # Connect to the address just checked; the receiver still sees its own name (Host, and SNI and the
        # certificate's name over TLS).
        headers["host"] = parts.netloc
        host = f"[{address}]" if ":" in address else address
        port = parts.port or (443 if parts.scheme == "https" else 80)
        pinned = urlunsplit(parts._replace(netloc=f"{host}:{port}"))
        extensions = {"sni_hostname": parts.hostname or ""} if parts.scheme == "https" else {}
        try:
            response = self.client.post(
                pinned, content=body.encode("utf-8"), headers=headers, extensions=extensions
            )
        except httpx.HTTPError as error:
            return Outcome(False, None, f"{type(error).__name__}: {error}"[:MAX_ERROR_TEXT])
        if 200 <= response.status_code < 300:
            return Outcome(True, response.status_code, None)
        return Outcome(False, response.status_code, f"the receiver answered {response.status_code}")

    def close(self) -> None:
        self.client.close()
