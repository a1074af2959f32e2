"""The HTTP load of `compacts bench`, run by locust: one POST per task, shaped by environment variables.

BENCH_PATH is the path posted to and BENCH_BODY the JSON body, in which `{unique}` becomes a new value
on every request (so a mutation creates a new aggregate each time) and `{day}` a date no other request
of the run asks about (so no answer can come from a cache). BENCH_TOKEN, if set, is sent as a bearer
token; BENCH_RATE, if set, caps each user at that many requests per second. BENCH_CACHE_OUT, if set, names
a file that gets how many answers said `x-cache: hit` and `x-cache: miss`, as JSON, when the run ends.
"""

from __future__ import annotations

import atexit
import itertools
import json
import os
import random
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from locust import FastHttpUser, constant, constant_throughput, task

PATH = os.environ.get("BENCH_PATH", "/graphql")
BODY = os.environ.get("BENCH_BODY", "{}")
HEADERS = {"content-type": "application/json"}
if os.environ.get("BENCH_TOKEN"):
    HEADERS["authorization"] = f"Bearer {os.environ['BENCH_TOKEN']}"
RATE = float(os.environ.get("BENCH_RATE") or "0")
CACHE_OUT = os.environ.get("BENCH_CACHE_OUT", "")
# Each user starts at a day of its own this far apart from the next, and asks about the days that follow.
DAYS_APART = 100_000
FIRST_DAY = date(2010, 1, 1)
users = itertools.count()
answers: Counter[str] = Counter()


def _count_answers() -> None:
    if CACHE_OUT:
        Path(CACHE_OUT).write_text(json.dumps({"hit": answers["hit"], "miss": answers["miss"]}))


# When locust's run ends and the process exits.
atexit.register(_count_answers)


class Caller(FastHttpUser):
    wait_time = constant_throughput(RATE) if RATE else constant(0)

    def on_start(self) -> None:
        self.prefix = uuid.uuid4().hex[:8]
        self.counter = itertools.count()
        self.days = itertools.count(next(users) * DAYS_APART)
        if RATE:
            # Users all started at once would send in step, a burst of one request each per interval;
            # a random phase spreads them over it, as independent callers would be.
            time.sleep(random.uniform(0, 1 / RATE))  # noqa: S311 (a phase, not a secret)

    @task
    def post(self) -> None:
        body = BODY.replace("{unique}", f"{self.prefix}-{next(self.counter)}") if "{unique}" in BODY else BODY
        if "{day}" in body:
            body = body.replace("{day}", (FIRST_DAY + timedelta(days=next(self.days))).isoformat())
        with self.client.post(PATH, data=body, headers=HEADERS, catch_response=True) as response:
            cache = (response.headers or {}).get("x-cache")
            if cache:
                answers[cache] += 1
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif b'"errors"' in (response.content or b""):
                response.failure(f"GraphQL errors: {(response.content or b'')[:200]!r}")
