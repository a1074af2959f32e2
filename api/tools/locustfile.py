"""The HTTP load of `compacts bench`, run by locust: one POST per task, shaped by environment variables.

BENCH_PATH is the path posted to and BENCH_BODY the JSON body, in which `{unique}` becomes a new value
on every request (so a mutation creates a new aggregate each time). BENCH_TOKEN, if set, is sent as a
bearer token; BENCH_RATE, if set, caps each user at that many requests per second.
"""

from __future__ import annotations

import itertools
import os
import random
import time
import uuid

from locust import FastHttpUser, constant, constant_throughput, task

PATH = os.environ.get("BENCH_PATH", "/graphql")
BODY = os.environ.get("BENCH_BODY", "{}")
HEADERS = {"content-type": "application/json"}
if os.environ.get("BENCH_TOKEN"):
    HEADERS["authorization"] = f"Bearer {os.environ['BENCH_TOKEN']}"
RATE = float(os.environ.get("BENCH_RATE") or "0")


class Caller(FastHttpUser):
    wait_time = constant_throughput(RATE) if RATE else constant(0)

    def on_start(self) -> None:
        self.prefix = uuid.uuid4().hex[:8]
        self.counter = itertools.count()
        if RATE:
            # Users all started at once would send in step, a burst of one request each per interval;
            # a random phase spreads them over it, as independent callers would be.
            time.sleep(random.uniform(0, 1 / RATE))  # noqa: S311 (a phase, not a secret)

    @task
    def post(self) -> None:
        body = BODY.replace("{unique}", f"{self.prefix}-{next(self.counter)}") if "{unique}" in BODY else BODY
        with self.client.post(PATH, data=body, headers=HEADERS, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            elif b'"errors"' in (response.content or b""):
                response.failure(f"GraphQL errors: {(response.content or b'')[:200]!r}")
