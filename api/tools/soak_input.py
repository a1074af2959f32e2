"""Bad input at volume: schemathesis against the live GraphQL schema, hypothesis on the service commands."""

from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import types
import typing
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import psycopg
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from psycopg.rows import TupleRow

from api.bootstrap import vault_of
from domain.actors import ANONYMOUS, Actor, Role
from domain.errors import DomainError
from infra.database import Database

T = TypeVar("T")

CONTRACT_CODES = frozenset(
    {"UNAUTHENTICATED", "FORBIDDEN", "NOT_FOUND", "CONFLICT", "BAD_USER_INPUT", "RATE_LIMITED", "INTERNAL"}
)
# Arguments that name a tenant: drawn from the soak's tenants (and one that does not exist) most of the
# time, so that generated requests get past "no such tenant" to the rules behind it.
TENANT_ARGUMENTS = ("tenant", "slug", "parent", "locality")
KEY_ARGUMENTS = ("key", "into", "code")
KEYS = ("k1", "k2", "c1", "funding")
# What a stack trace, a driver or a query looks like in an answer: none may ever reach a caller.
LEAK = re.compile(r"Traceback \(most recent|File \"/|psycopg|asyncpg|eventsourcing|\bSELECT\b.+\bFROM\b")
# Text PostgreSQL, JSON or a person's eye finds awkward, beside whatever hypothesis makes up.
AWKWARD = (
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",
    "\u202e\u0644",
    "'; DROP TABLE registry_events; --",
    "Robert'); --",
    "\\",
    '"',
    "x" * 5000,
    "\n\t\r",
)
PLAIN = ("Harlow CVS", "Funding", "Notice of changes.", "A. Person", "clerk@example.org", "01279 000000")


@dataclass
class Tally:
    """What one kind of bad input did: tries, writes accepted, answers by kind, what went wrong."""

    requests: int = 0
    accepted: int = 0
    answers: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        if len(self.failures) < 20:
            self.failures.append(what[:500])


def event_count(conn: psycopg.Connection[TupleRow]) -> int:
    row = conn.execute("SELECT count(*) FROM registry_events").fetchone()
    return int(row[0]) if row else 0


def _sample(strategy: st.SearchStrategy[T], draws: int) -> list[T]:
    """Draw up to `draws` values from a strategy, generating only (nothing here is ever shrunk)."""
    drawn: list[T] = []

    @given(strategy)
    @settings(
        max_examples=draws,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def collect(value: T) -> None:
        drawn.append(value)

    collect()
    return drawn[:draws]


def fuzz_graphql(url: str, token: str, db: Database, tenants: list[str], per_operation: int) -> Tally:
    """Every query and mutation of the live schema with generated arguments, valid and invalid.

    Positive cases fit the schema's types (with tenants and keys partly drawn from known ones), negative
    ones break them. Each answer must be a GraphQL answer with a contract code, never HTTP 5xx, never an
    INTERNAL error or a leaked detail; and a request that was refused must have stored nothing.
    """
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.config import SchemathesisConfig
    from schemathesis.core.result import Ok

    config = SchemathesisConfig.from_dict(
        {
            "dictionaries": {
                "tenants": {"values": [*tenants, "nowhere"]},
                "keys": {"values": list(KEYS)},
            },
            "parameters": {
                **{f"*.*.{a}": {"dictionary": "tenants", "probability": 0.8} for a in TENANT_ARGUMENTS},
                **{f"*.*.{a}": {"dictionary": "keys", "probability": 0.5} for a in KEY_ARGUMENTS},
            },
        }
    )
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.graphql.from_url(f"{url}/graphql", config=config, headers=headers, timeout=30)
    tally = Tally()
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Ok):
            operations.append(result.ok())
        else:
            tally.fail(f"schemathesis cannot generate for part of the schema: {result.err()}")
    # Two requests whose arguments fit the types to each that breaks them: the rules behind the types
    # are where a mistake would hide.
    positive, negative = per_operation, max(1, per_operation // 2)
    with (
        httpx.Client(headers=headers, timeout=30) as client,
        psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn,
    ):
        for operation in operations:
            cases = _sample(operation.as_strategy(generation_mode=GenerationMode.POSITIVE), positive)
            cases += _sample(operation.as_strategy(generation_mode=GenerationMode.NEGATIVE), negative)
            for case in cases:
                before = event_count(conn)
                tally.requests += 1
                try:
                    response = client.post(f"{url}/graphql", json={"query": case.body})
                    body = response.json()
                except (httpx.HTTPError, ValueError) as error:
                    tally.answers[f"transport:{type(error).__name__}"] += 1
                    tally.fail(f"{operation.label}: {type(error).__name__} for {case.body!r}")
                    continue
                refused = _judge(tally, f"{operation.label}", case.body, response.status_code, body)
                if refused and event_count(conn) != before:
                    tally.answers["stored though refused"] += 1
                    tally.fail(f"{operation.label}: refused but stored for {case.body!r}")
    return tally


def _judge(tally: Tally, label: str, document: object, status: int, body: object) -> bool:
    """Counts one answer and fails the tally on a 5xx, a code outside the contract, or a leaked detail.

    Whether the request was refused (answered with errors): if so it must have stored nothing.
    """
    from api.graphql.errors import INTERNAL_MESSAGE
    from infra.availability import UNAVAILABLE_MESSAGE

    errors = (body.get("errors") or []) if isinstance(body, dict) else []
    if status >= 500:
        tally.answers[f"HTTP {status}"] += 1
        tally.fail(f"{label}: HTTP {status} for {document!r}")
        return False
    if not errors and label.startswith("Mutation."):
        tally.accepted += 1  # an acknowledged write, like the other scenarios count
    for answer in errors:
        code = str((answer.get("extensions") or {}).get("code"))
        message = str(answer.get("message"))
        tally.answers[code if code in CONTRACT_CODES else "no contract code"] += 1
        if code not in CONTRACT_CODES:
            tally.fail(f"{label}: code {code} for {document!r}")
        if code == "INTERNAL":
            tally.fail(f"{label}: INTERNAL ({message}) for {document!r}")
        if LEAK.search(message) or (
            code == "INTERNAL" and message not in {INTERNAL_MESSAGE, UNAVAILABLE_MESSAGE}
        ):
            tally.answers["leak"] += 1
            tally.fail(f"{label}: leaked {message!r}")
    return bool(errors)


def _text() -> st.SearchStrategy[str]:
    # hypothesis's text never holds a surrogate, so AWKWARD brings one; PLAIN brings words that get a
    # command past its first rule.
    return st.one_of(st.sampled_from(AWKWARD), st.sampled_from(PLAIN), st.text(max_size=40))


def _strategy(kind: Any, name: str, tenants: list[str]) -> st.SearchStrategy[Any]:
    """Values for a command or its fields, by annotation; tenants, keys and parties often known ones."""
    if kind is str:
        return _words(name, tenants)
    if kind in SCALARS:
        return SCALARS[kind]
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return st.sampled_from(list(kind))
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        hints = typing.get_type_hints(kind)
        fields = {f.name: _strategy(hints[f.name], f.name, tenants) for f in dataclasses.fields(kind)}
        return st.builds(kind, **fields)
    return _composite(kind, name, tenants)


# A date, a flag or a number, whatever the field's name.
SCALARS: dict[object, st.SearchStrategy[Any]] = {
    date: st.dates(),
    bool: st.booleans(),
    int: st.one_of(st.integers(0, 60), st.integers()),
}


def _words(name: str, tenants: list[str]) -> st.SearchStrategy[str]:
    """Text, drawn mostly from known values where the field names a tenant, a key, a party or a matter."""
    if name in TENANT_ARGUMENTS:
        # Mostly a tenant that exists: a command that never gets past "no such tenant" tests little.
        known = st.sampled_from(tenants)
        return st.one_of(known, known, known, st.just("nowhere"), _text())
    if name in KEY_ARGUMENTS:
        return st.one_of(st.sampled_from(KEYS), st.sampled_from(KEYS), _text())
    if name == "party":
        return st.one_of(st.sampled_from(["Same Party", "Retried Party", "Party 0-0"]), _text())
    if name == "matters":
        return st.one_of(st.sampled_from(["funding", "consultation"]), _text())
    return _text()


def _composite(kind: Any, name: str, tenants: list[str]) -> st.SearchStrategy[Any]:
    """An optional value, a list, a tuple or a mapping, of values for what it holds."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):
        return st.one_of(*[st.none() if a is type(None) else _strategy(a, name, tenants) for a in args])
    if origin in (list, tuple):
        items = st.lists(_strategy(args[0], name, tenants), max_size=4)
        return items.map(tuple) if origin is tuple else items
    if origin is dict:
        return st.dictionaries(
            _strategy(args[0], name, tenants), _strategy(args[1], name, tenants), max_size=4
        )
    raise TypeError(f"no strategy for {kind!r} ({name})")


def _actors(tenants: list[str]) -> st.SearchStrategy[Actor]:
    """Who asks: an admin most often, else an editor, an auditor, a stranger or nobody."""
    admin = Actor(sub="fuzz-admin", roles=frozenset({Role.PLATFORM_ADMIN}))
    return st.one_of(
        st.just(admin),
        st.just(admin),
        st.just(admin),
        st.builds(
            lambda role, tenant: Actor(sub="fuzz", roles=frozenset({role}), tenants=frozenset({tenant})),
            st.sampled_from(list(Role)),
            st.sampled_from([*tenants, "nowhere"]),
        ),
        st.just(ANONYMOUS),
    )


SERVICES = (
    "services.tenants:TenantService",
    "services.compacts:CompactService",
    "services.codes:CodeService",
    "services.consultations:ConsultationService",
    "services.consultations:FundingNoticeService",
    "services.disputes:DisputeService",
    "services.steering_group:SteeringGroupService",
)


def signatures() -> list[tuple[str, str, type[object]]]:
    """Every command of the services: a public method taking the actor and a command, with its class."""
    import importlib

    from services.registry import Recorded

    found: list[tuple[str, str, type[object]]] = []
    for where in SERVICES:
        module, _, name = where.partition(":")
        service = getattr(importlib.import_module(module), name)
        for method_name, method in inspect.getmembers(service, inspect.isfunction):
            hints = typing.get_type_hints(method)
            if method_name.startswith("_") or hints.get("return") is not Recorded or "command" not in hints:
                continue
            found.append((f"{name}.{method_name}", method_name, hints["command"]))
    return found


def _calls(command: type[object], tenants: list[str]) -> st.SearchStrategy[tuple[Actor, object]]:
    return st.tuples(_actors(tenants), _strategy(command, "command", tenants))


def fuzz_commands(db: Database, tenants: list[str], per_command: int) -> Tally:
    """Every service command with generated arguments and actors, called in this process.

    Each must either record its events or raise one of the domain's own errors, storing nothing;
    anything else (a TypeError, a driver's error) is a failure.
    """
    from services.codes import CodeService
    from services.compacts import CompactService
    from services.consultations import ConsultationService, FundingNoticeService
    from services.disputes import DisputeService
    from services.registry import Registry
    from services.steering_group import SteeringGroupService
    from services.tenants import TenantService

    tally = Tally()
    # Arguments are drawn before any connection is opened: the pool's threads use `random`, which
    # hypothesis would take for a strategy using it while it draws.
    plans = [
        (label, name, _sample(_calls(command, tenants), per_command)) for label, name, command in signatures()
    ]
    registry = Registry.connect(db)
    try:
        services: dict[str, object] = {
            type(service).__name__: service
            for service in (
                TenantService(registry),
                CompactService(registry, vault_of(registry)),
                CodeService(registry),
                ConsultationService(registry),
                FundingNoticeService(registry),
                DisputeService(registry),
                SteeringGroupService(registry),
            )
        }
        with psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
            for label, name, calls in plans:
                carry_out = getattr(services[label.split(".")[0]], name)
                for actor, command in calls:
                    before = event_count(conn)
                    tally.requests += 1
                    try:
                        carry_out(actor, command)
                    except DomainError as refused:
                        tally.answers[refused.code] += 1
                        if event_count(conn) != before:
                            tally.answers["stored though refused"] += 1
                            tally.fail(f"{label}: refused ({refused.message}) but stored, {command!r}")
                    except Exception as error:  # anything but a domain error is the failure looked for
                        tally.answers[f"{type(error).__name__}"] += 1
                        tally.fail(f"{label}: {type(error).__name__}: {error} for {command!r}")
                    else:
                        tally.accepted += 1
    finally:
        registry.close()
    return tally


def _forged(home: Path, **claims: object) -> str:
    """A token signed with the instance's own key, carrying whatever an identity provider might put in it."""
    import time

    import jwt

    from infra.tokens import development_keys

    keys = development_keys(home)
    assert keys.signing_key is not None
    now = int(time.time())
    body = {"sub": "hostile", "roles": ["auditor"], "tenants": [], "iss": "compact-registry",
            "aud": "compact-registry", "iat": now, "exp": now + 600, **claims}  # fmt: skip
    return jwt.encode(body, keys.signing_key, algorithm="EdDSA", headers={"kid": keys.signing_kid})


def _doubling_fragments(levels: int) -> str:
    parts = ["{ ...L0 }"]
    parts += [f"fragment L{i} on Query {{ __typename ...L{i + 1} ...L{i + 1} }}" for i in range(levels)]
    return " ".join([*parts, f"fragment L{levels} on Query {{ __typename }}"])


@dataclass(frozen=True)
class Hostile:
    """One crafted request and the status its answer must have (any contract code, unless one is named)."""

    name: str
    method: str
    path: str
    status: int
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    code: str | None = None


def hostile_requests(home: Path, tenants: list[str]) -> list[Hostile]:
    """The requests an adversarial test once broke the API with: each must now be refused cleanly."""
    json_type = ("content-type", "application/json")
    private = tenants[-1]
    disputes = orjson.dumps({"query": f'{{ tenant(slug: "{private}") {{ disputes {{ summary }} }} }}'})

    def bearer(**claims: object) -> tuple[str, str]:
        return ("authorization", f"Bearer {_forged(home, **claims)}")

    fragments = orjson.dumps({"query": _doubling_fragments(24)})
    huge = b'{"query": "' + b"x" * 2_000_000 + b'"}'
    admin = bearer(roles=["platform-admin"])
    bad, unauthenticated = "BAD_USER_INPUT", "UNAUTHENTICATED"
    cases = [
        Hostile("doubling fragments", "POST", "/graphql", 200, fragments, (json_type,), bad),
        Hostile("two Authorization headers", "POST", "/graphql", 400, disputes,
                (json_type, ("authorization", "Bearer a"), ("authorization", "Bearer b")), bad),
        Hostile("comma in the tenant claim", "POST", "/graphql", 401, disputes,
                (json_type, bearer(tenants=[f"x,{private}"])), unauthenticated),
        Hostile("NUL in the subject claim", "POST", "/graphql", 401, disputes,
                (json_type, bearer(sub="a\x00b")), unauthenticated),
        Hostile("a token for 300 years", "POST", "/graphql", 401, disputes,
                (json_type, bearer(exp=int(9e9))), unauthenticated),
        Hostile("invalid UTF-8 body", "POST", "/graphql", 400, b"\xff\xfe{}", (json_type,), bad),
        Hostile("NUL in a checkpoint path", "GET", "/checkpoints/harrow%00", 400, code=bad),
        Hostile("an idempotent body over the limit", "POST", "/graphql", 413, huge,
                (json_type, ("idempotency-key", "big"), admin), bad),
    ]  # fmt: skip
    for body in (b"null", b"123", b'"x"', b"true", b"[]", b"{"):
        cases.append(Hostile(f"body {body.decode()}", "POST", "/graphql", 400, body, (json_type,), bad))
    return cases


def fuzz_hostile(url: str, home: Path, db: Database, tenants: list[str]) -> Tally:
    """Each hostile request: the expected status, a contract code, nothing leaked, nothing stored."""
    tally = Tally()
    with httpx.Client(timeout=10) as client, psycopg.connect(db.psycopg_conninfo(), autocommit=True) as conn:
        for case in hostile_requests(home, tenants):
            before = event_count(conn)
            tally.requests += 1
            try:
                response = client.request(
                    case.method, url + case.path, content=case.body, headers=list(case.headers)
                )
                body = response.json()
            except (httpx.HTTPError, ValueError) as error:
                tally.answers[f"transport:{type(error).__name__}"] += 1
                tally.fail(f"{case.name}: {type(error).__name__}")
                continue
            if response.status_code >= 500:
                tally.answers[f"HTTP {response.status_code}"] += 1
            errors = (body.get("errors") or []) if isinstance(body, dict) else []
            codes = [str((e.get("extensions") or {}).get("code")) for e in errors]
            tally.answers.update(c if c in CONTRACT_CODES else "no contract code" for c in codes)
            if response.status_code != case.status or not codes or (case.code and codes[0] != case.code):
                tally.fail(
                    f"{case.name}: HTTP {response.status_code} {codes}, wanted {case.status} {case.code}"
                )
            if LEAK.search(response.text) or "summary" in response.text:
                tally.answers["leak"] += 1
                tally.fail(f"{case.name}: leaked {response.text[:200]!r}")
            if event_count(conn) != before:
                tally.answers["stored though refused"] += 1
                tally.fail(f"{case.name}: stored though refused")
    return tally
