"""The token buckets behind RATE_LIMITED: a burst, then the steady rate, per caller."""

from __future__ import annotations

from api.rate_limit import TokenBuckets


def test_a_caller_gets_its_burst_then_the_steady_rate() -> None:
    buckets = TokenBuckets(per_minute=60, burst=3)
    assert [buckets.allow("a", now=0.0) for _ in range(4)] == [True, True, True, False]
    assert buckets.allow("a", now=0.5) is False
    assert buckets.allow("a", now=1.0) is True  # one a second refills


def test_callers_do_not_share_a_bucket() -> None:
    buckets = TokenBuckets(per_minute=60, burst=1)
    assert buckets.allow("a", now=0.0)
    assert not buckets.allow("a", now=0.0)
    assert buckets.allow("b", now=0.0)
