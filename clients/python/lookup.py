"""The integrator's guide's lookup with the generated, typed client: which compact covers a matter, and why.

Run it against a registry: `python lookup.py http://127.0.0.1:8000/graphql harlow champions 2012-01-01`.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date

from compacts_client import Registry
from compacts_client.lookup import Lookup


async def lookup(url: str, locality: str, matter: str, as_of: date) -> Lookup:
    async with Registry(url=url) as registry:
        return await registry.lookup(locality=locality, matter=matter, as_of=as_of)


DEFAULTS = ("http://127.0.0.1:8000/graphql", "harlow", "champions", "2012-01-01")


def main(argv: list[str]) -> None:
    url, locality, matter, day = (*argv, *DEFAULTS[len(argv) :])[:4]
    answer = asyncio.run(lookup(url, locality, matter, date.fromisoformat(day)))
    # Every field is typed: `answered_by` may be None (no compact covers the matter), the trail never is.
    found = answer.lookup.answered_by
    print(f"{found.name if found else 'no compact'} answers.", file=sys.stderr)
    for step in answer.lookup.trail:
        covered = "covers it" if step.covered else "does not"
        print(f"  {step.tenant.slug}: {covered} - {step.reason}", file=sys.stderr)
    print(answer.model_dump_json(by_alias=True))


if __name__ == "__main__":
    main(sys.argv[1:])
