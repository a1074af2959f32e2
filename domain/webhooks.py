"""Webhook subscriptions: who is told of which of a tenant's events, where, and how deliveries retry."""

from __future__ import annotations

import ipaddress
import random
import uuid
from datetime import date, timedelta
from enum import StrEnum
from urllib.parse import urlsplit

from eventsourcing.domain import event

from domain.codes import Code
from domain.compact import Compact
from domain.consultations import Consultation
from domain.disputes import Dispute
from domain.errors import Conflict, InvalidInput
from domain.events import RegistryAggregate, RegistryEvent, aggregate_id
from domain.funding_notices import FundingNotice
from domain.register import Register
from domain.steering_group import SteeringGroup
from domain.tenancy import Tenant

# Every event a subscription may ask for, by the name `history` shows it under: the events of the
# aggregates that make up a compact, declared once here and derived from the aggregates themselves.
DELIVERABLE = (Tenant, Compact, Register, Code, SteeringGroup, Consultation, Dispute, FundingNotice)
EVENT_TYPES: tuple[str, ...] = tuple(
    sorted(
        {
            name
            for aggregate in DELIVERABLE
            for name, value in vars(aggregate).items()
            if isinstance(value, type)
            and issubclass(value, RegistryEvent)
            and name not in ("Event", "Created")
        }
    )
)
EVERY_EVENT = "*"
# What the public may not read (row-level security keeps them from the public in the read models too):
# disputes and referrals, consultation responses, contacts, erasures, codes still in draft.
PRIVATE_EVENT_TYPES = frozenset(
    {
        "DisputeRaised",
        "DisputeEscalated",
        "DisputeResolved",
        "DisputeWithdrawn",
        "PartyReferredToBoard",
        "ConsultationResponseRecorded",
        "PartyContactRecorded",
        "PersonErased",
        "CodeDrafted",
    }
)
MAX_URL_LENGTH = 2000
# The first retry waits about this long by default; each later one twice as long as the one before, up to
# MAX_BACKOFF. After MAX_ATTEMPTS failures in a row a delivery fails, and its subscription is disabled.
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(hours=1)


class WebhookStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"  # a delivery failed MAX_ATTEMPTS times: nothing more is sent


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"  # not yet delivered: due now, or waiting for its next attempt
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # given up after MAX_ATTEMPTS


def webhook_id(tenant: str, key: str | None = None) -> str:
    """A new subscription's id: its tenant, then a random key no one can guess."""
    return aggregate_id(tenant, f"webhook-{key or uuid.uuid4().hex}")


def check_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials; whether its host is public is infra's check."""
    text = url.strip()
    if not text:
        raise InvalidInput(
            "Give the URL the registry should send events to, such as https://example.org/hooks."
        )
    if len(text) > MAX_URL_LENGTH:
        raise InvalidInput(f"The URL is longer than {MAX_URL_LENGTH} characters; use a shorter one.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as error:
        raise InvalidInput(f"'{text[:100]}' is not a URL the registry can send to: {error}.") from error
    if parts.scheme not in ("http", "https"):
        raise InvalidInput(
            f"'{text[:100]}' is not an http or https URL; webhooks are sent only over HTTP(S)."
        )
    if not parts.hostname:
        raise InvalidInput(
            f"'{text[:100]}' names no host; give a full URL such as https://example.org/hooks."
        )
    if parts.username or parts.password:
        raise InvalidInput("Leave user names and passwords out of the URL: each delivery is signed instead.")
    if port == 0:
        raise InvalidInput(f"'{text[:100]}' names port 0, which no server listens on.")
    return text


def refused_address(address: str) -> str | None:
    """Why the registry will not send to this IP address (private, loopback, link-local...), or None."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for refused, why in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_private, "a private address"),
        (ip.is_multicast, "a multicast address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_unspecified, "an unspecified address"),
    ):
        if refused:
            return why
    return None


def check_events(events: list[str]) -> tuple[str, ...]:
    """The event names, each known (or '*' for every one), without repeats, in the order given."""
    names = tuple(dict.fromkeys(e.strip() for e in events))
    if not names:
        raise InvalidInput(f"Name at least one event, or '{EVERY_EVENT}' for every event of the tenant.")
    unknown = [n for n in names if n != EVERY_EVENT and n not in EVENT_TYPES]
    if unknown:
        raise InvalidInput(
            f"Unknown event {', '.join(repr(n[:60]) for n in unknown[:5])}; the events are: "
            f"{', '.join(EVENT_TYPES)} (or '{EVERY_EVENT}' for all)."
        )
    return names


def is_private(event_type: str, payload: dict[str, object], recorded_on: date) -> bool:
    """Whether the event is one the public may not read.

    A consultation announced ahead of its opening day is the tenant's own business until then, as in the
    read model; an event recorded on that day is judged by the day it was recorded.
    """
    if event_type in PRIVATE_EVENT_TYPES:
        return True
    if event_type == "ConsultationOpened":
        opens = payload.get("opens_on")
        return isinstance(opens, str) and date.fromisoformat(opens) > recorded_on
    return False


def wants(
    subscribed: tuple[str, ...] | list[str], include_private: bool, event_type: str, private: bool
) -> bool:
    """Whether a subscription receives an event: one it names (or all), and private only if it may."""
    if event_type not in EVENT_TYPES:
        return False
    if private and not include_private:
        return False
    return EVERY_EVENT in subscribed or event_type in subscribed


def backoff(attempts: int, first: timedelta, rng: random.Random | None = None) -> timedelta:
    """How long to wait after the `attempts`-th failure: doubling from `first`, capped, with full jitter
    over its upper half so that many failed deliveries do not all come back at once."""
    ceiling = min(MAX_BACKOFF, first * 2 ** max(0, attempts - 1))
    spread = (rng or random.Random()).uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret
    waited: timedelta = ceiling * spread
    return waited


class Webhook(RegistryAggregate):
    """A subscription of one tenant's events: created with its URL, events and sealed secret, then deleted."""

    class WebhookCreated(RegistryAggregate.Created):
        tenant_slug: str
        key: str
        url: str
        events: list[str]
        include_private: bool
        # The signing secret, sealed under a key of the subscription's own: never in the clear in an event.
        secret: str

    class WebhookDeleted(RegistryAggregate.Event):
        pass

    @staticmethod
    def create_id(tenant_slug: str, key: str, **_: object) -> str:
        return webhook_id(tenant_slug, key)

    @event(WebhookCreated)
    def __init__(
        self,
        tenant_slug: str,
        key: str,
        url: str,
        events: list[str],
        include_private: bool,
        secret: str,
        actor: str,
    ) -> None:
        self.url = url
        self.events = list(events)
        self.include_private = include_private
        self.deleted = False

    def delete(self, actor: str) -> None:
        if self.deleted:
            raise Conflict("This webhook was deleted already.")
        self._deleted(actor=actor)

    @event(WebhookDeleted)
    def _deleted(self, actor: str) -> None:
        self.deleted = True
