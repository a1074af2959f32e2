"""Webhook rules without I/O: the Standard Webhooks signature, the back-off, refused addresses and URLs."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from domain.errors import InvalidInput
from domain.webhooks import (
    EVENT_TYPES,
    MAX_BACKOFF,
    backoff,
    check_events,
    check_url,
    is_private,
    refused_address,
    wants,
)
from infra.webhook_sender import sign, signed_headers
from infra.webhook_targets import PublicTargets, UnsafeTarget
from services.webhooks import new_secret


def test_the_signature_matches_the_standard_webhooks_published_test_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    signature = sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, '{"test": 2432232314}')
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signed_headers_verify_with_the_reference_verifier_and_fail_when_the_body_changes() -> None:
    secret = new_secret()
    assert secret.startswith("whsec_")
    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers(secret, "msg_1", now, '{"type":"CompactAmended"}')
    assert Verifier(secret).verify('{"type":"CompactAmended"}', headers) == {"type": "CompactAmended"}
    with pytest.raises(Exception, match="No matching signature"):
        Verifier(secret).verify('{"type":"CompactPublished"}', headers)


def test_backoff_doubles_from_the_first_wait_with_jitter_over_its_upper_half_and_stops_at_an_hour() -> None:
    rng = random.Random(7)  # noqa: S311 - jitter, not a secret
    first = timedelta(seconds=5)
    for attempts, ceiling in ((1, 5), (2, 10), (3, 20), (4, 40)):
        waits = [backoff(attempts, first, rng) for _ in range(200)]
        assert all(timedelta(seconds=ceiling / 2) <= w <= timedelta(seconds=ceiling) for w in waits)
        assert len(set(waits)) > 100  # jittered: no two deliveries come back at the same moment
    assert backoff(40, first, rng) <= MAX_BACKOFF


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("127.0.0.1", "a loopback address"),
        ("::1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("192.168.0.10", "a private address"),
        ("172.16.5.4", "a private address"),
        ("169.254.169.254", "a link-local address"),
        ("fe80::1", "a link-local address"),
        ("fd00::1", "a private address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("0.0.0.0", "a private address"),  # noqa: S104 - an address refused, not one bound
        ("224.0.0.1", "a multicast address"),
        ("93.184.215.14", None),
        ("2a00:1450:4009:81e::200e", None),
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(address: str, why: str | None) -> None:
    assert refused_address(address) == why


def test_a_url_naming_a_loopback_host_is_refused_unless_the_operator_allows_it() -> None:
    with pytest.raises(UnsafeTarget, match=r"resolves to 127\.0\.0\.1, a loopback address"):
        PublicTargets(allow_private=False).check("http://127.0.0.1:9/hook")
    with pytest.raises(UnsafeTarget, match="link-local"):
        PublicTargets(allow_private=False).check("http://169.254.169.254/latest/meta-data")
    PublicTargets(allow_private=True).check("http://127.0.0.1:9/hook")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/x", "is not an http or https URL"),
        ("file:///etc/passwd", "is not an http or https URL"),
        ("https:///nohost", "names no host"),
        ("https://user:pw@example.org/", "Leave user names and passwords out"),
        ("", "Give the URL"),
        ("https://example.org:99999/", "is not a URL the registry can send to"),
        ("https://example.org/" + "x" * 2000, "longer than 2000"),
    ],
)
def test_a_url_that_is_not_http_or_https_to_a_host_is_refused_with_what_to_do(url: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_url(url)


def test_events_are_known_names_or_a_star_and_an_unknown_one_is_named_with_the_list() -> None:
    assert check_events(["CompactAmended", "CompactAmended", "*"]) == ("CompactAmended", "*")
    assert {"CompactPublished", "CompactAmended", "ConsultationOpened", "DisputeRaised"} <= set(EVENT_TYPES)
    assert "WebhookCreated" not in EVENT_TYPES
    with pytest.raises(InvalidInput, match="Unknown event 'CompactEaten'; the events are: "):
        check_events(["CompactEaten"])
    with pytest.raises(InvalidInput, match="Name at least one event"):
        check_events([])


def test_private_events_reach_only_subscriptions_that_include_them() -> None:
    today = date(2026, 12, 1)
    assert is_private("DisputeRaised", {}, today)
    assert not is_private("CompactAmended", {}, today)
    # A consultation announced ahead of its opening day is private until then.
    assert is_private("ConsultationOpened", {"opens_on": "2026-12-10"}, today)
    assert not is_private("ConsultationOpened", {"opens_on": "2026-12-01"}, today)
    assert not wants(["*"], False, "DisputeRaised", True)
    assert wants(["*"], True, "DisputeRaised", True)
    assert wants(["CompactAmended"], False, "CompactAmended", False)
    assert not wants(["CompactAmended"], True, "CompactPublished", False)
    # The webhooks' own events are never sent: they carry the sealed secret.
    assert not wants(["*"], True, "WebhookCreated", True)
