"""Who was in a tenant's Register of Parties on a date, and who was each party's Champion."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL

from domain.events import tenant_of
from domain.register import Register, party_key
from infra.personal import ERASED, open_with
from projections.base import (
    LATEST,
    MEMBERS,
    BatchItem,
    OneByOne,
    ProjectionSpec,
    ReadModelView,
    Table,
    insert_staged,
    staged,
)

NAME = "register_of_parties"

SIGNED = """
INSERT INTO party_memberships
    (tenant_id, party_key, membership, name, sector, kind, signed_on, signed_recorded_at)
SELECT %(tenant)s, %(key)s, coalesce(max(membership), 0) + 1, %(name)s, %(sector)s, %(kind)s, %(on)s, %(at)s
FROM party_memberships WHERE tenant_id = %(tenant)s AND party_key = %(key)s
"""
WITHDRAWN = """
UPDATE party_memberships
SET withdrawn_on = %(on)s, withdrawn_recorded_at = %(at)s, withdrawal_reason = %(reason)s
WHERE tenant_id = %(tenant)s AND party_key = %(key)s AND withdrawn_on IS NULL
"""
# A champion stops being current when their party leaves.
CHAMPION_ENDS_WITH_PARTY = """
UPDATE champion_appointments SET ended_on = %(on)s, ended_recorded_at = %(at)s
WHERE tenant_id = %(tenant)s AND party_key = %(key)s AND ended_on IS NULL
"""
CONTACT = """
INSERT INTO party_contacts (tenant_id, party_key, subject, name, email, phone, recorded_at)
VALUES (%(tenant)s, %(key)s, %(subject)s, %(name)s, %(email)s, %(phone)s, %(at)s)
ON CONFLICT (tenant_id, party_key) DO UPDATE
SET subject = excluded.subject, name = excluded.name, email = excluded.email, phone = excluded.phone,
    recorded_at = excluded.recorded_at
"""
# A party's champion in one role ends, roles matched without case; `IS NOT DISTINCT FROM` so that a
# champion without a role (every champion recorded before roles) is matched too.
STOOD_DOWN = """
UPDATE champion_appointments SET ended_on = %(on)s, ended_recorded_at = %(at)s
WHERE tenant_id = %(tenant)s AND party_key = %(key)s AND ended_on IS NULL
  AND lower(role) IS NOT DISTINCT FROM lower(%(role)s)
"""
# The events keep the sealed values; with the key gone, every read model shows the data as erased.
ERASED_CONTACT = """
UPDATE party_contacts SET name = %(erased)s, email = NULL, phone = NULL
WHERE tenant_id = %(tenant)s AND subject = %(subject)s
"""
ERASED_CHAMPION = """
UPDATE champion_appointments SET name = %(erased)s WHERE tenant_id = %(tenant)s AND subject = %(subject)s
"""
KEY = "SELECT key FROM person_keys WHERE subject = %s"
APPOINTED = """
INSERT INTO champion_appointments
    (tenant_id, party_key, appointment, party, subject, name, role, appointed_on, appointed_recorded_at)
SELECT %(tenant)s, %(key)s, coalesce(max(appointment), 0) + 1, %(party)s, %(subject)s, %(name)s, %(role)s,
       %(on)s, %(at)s
FROM champion_appointments WHERE tenant_id = %(tenant)s AND party_key = %(key)s
"""


# The bulk path's statements (RegisterView.apply_bulk), each for a whole batch, its rows staged by COPY.
# The memberships a batch's signatures and withdrawals touch, as they stand before it: each party's
# highest membership, and those not withdrawn.
MEMBERSHIPS = """
SELECT tenant_id, party_key, max(membership) AS last,
       coalesce(array_agg(membership) FILTER (WHERE withdrawn_on IS NULL), '{}') AS open
FROM party_memberships
WHERE (tenant_id, party_key) IN (SELECT * FROM unnest(%s::text[], %s::text[]))
GROUP BY tenant_id, party_key
"""
MEMBERSHIP_COLUMNS = (
    "tenant_id", "party_key", "membership", "name", "sector", "kind", "signed_on", "signed_recorded_at",
    "withdrawn_on", "withdrawn_recorded_at", "withdrawal_reason",
)  # fmt: skip
WITHDRAWAL_COLUMNS = (
    "tenant_id", "party_key", "membership", "withdrawn_on", "withdrawn_recorded_at", "withdrawal_reason"
)  # fmt: skip
# WITHDRAWN for rows there before the batch, each by its key, from a staged table.
WITHDRAWN_STAGED = """
UPDATE party_memberships AS m
SET withdrawn_on = w.withdrawn_on, withdrawn_recorded_at = w.withdrawn_recorded_at,
    withdrawal_reason = w.withdrawal_reason
FROM {} AS w
WHERE m.tenant_id = w.tenant_id AND m.party_key = w.party_key AND m.membership = w.membership
"""
# CHAMPION_ENDS_WITH_PARTY for many parties, each at most once, from a staged table.
ENDING_COLUMNS = ("tenant_id", "party_key", "ended_on", "ended_recorded_at")
CHAMPIONS_END_STAGED = """
UPDATE champion_appointments AS c SET ended_on = e.ended_on, ended_recorded_at = e.ended_recorded_at
FROM {} AS e
WHERE c.tenant_id = e.tenant_id AND c.party_key = e.party_key AND c.ended_on IS NULL
"""
# The events after which champion_appointments must hold every party's withdrawal that came before.
CHAMPION_EVENTS = (Register.ChampionAppointed, Register.ChampionStoodDown, Register.PersonErased)

Party = tuple[str, str]  # tenant, party key


@dataclass
class _Standing:
    """A party's memberships as a batch has left them so far."""

    last: int
    open: list[int]


class _Memberships:
    """party_memberships in memory for one batch: signatures and withdrawals as SIGNED and WITHDRAWN
    would apply them, written at the end in two statements."""

    def __init__(self, curs: Cursor[DictRow], parties: list[Party]) -> None:
        self.standing = {party: _Standing(0, []) for party in parties}
        if parties:
            curs.execute(MEMBERSHIPS, ([t for t, _ in parties], [k for _, k in parties]))
            for row in curs.fetchall():
                self.standing[(row["tenant_id"], row["party_key"])] = _Standing(
                    row["last"], list(row["open"])
                )
        # New rows by (tenant, key, membership), and the withdrawals of rows that were there before.
        self.new: dict[tuple[str, str, int], list[object]] = {}
        self.withdrawn: dict[tuple[str, str, int], tuple[str, datetime, str]] = {}

    def signed(self, party: Party, event: Register.PartySigned) -> None:
        standing = self.standing[party]
        standing.last += 1
        standing.open.append(standing.last)
        self.new[(*party, standing.last)] = [
            *party, standing.last, event.party, event.sector, event.kind, event.signed_on, event.timestamp,
            None, None, None,
        ]  # fmt: skip

    def withdraw(self, party: Party, event: Register.PartyWithdrawn) -> None:
        standing = self.standing[party]
        for membership in standing.open:
            row = self.new.get((*party, membership))
            if row is not None:
                row[8:11] = [event.on, event.timestamp, event.reason]
            else:
                self.withdrawn[(*party, membership)] = (event.on, event.timestamp, event.reason)
        standing.open = []

    def write(self, curs: Cursor[DictRow]) -> None:
        if self.new:
            insert_staged(curs, "party_memberships", MEMBERSHIP_COLUMNS, self.new.values())
        if self.withdrawn:
            rows = [(*key, *change) for key, change in self.withdrawn.items()]
            stage = staged(curs, "party_memberships", WITHDRAWAL_COLUMNS, rows)
            curs.execute(SQL(WITHDRAWN_STAGED).format(stage))


class RegisterView(ReadModelView):
    projection_name = NAME
    bulk = True

    def apply_bulk(self, curs: Cursor[DictRow], items: Sequence[BatchItem], one_by_one: OneByOne) -> None:
        """Signatures and withdrawals in memory; champions, contacts and erasures as the live path does,
        each after the withdrawals before it have ended their parties' champions."""
        self.track(curs, items[0].tracking)
        memberships = _Memberships(
            curs,
            sorted(
                {
                    (tenant_of(item.event.originator_id), party_key(item.event.party))
                    for item in items
                    if isinstance(item.event, Register.PartySigned | Register.PartyWithdrawn)
                }
            ),
        )
        # Parties withdrawn since champion_appointments was last brought up to date: the first withdrawal
        # of each, which is the one CHAMPION_ENDS_WITH_PARTY would have ended its champions on.
        ending: dict[Party, tuple[str, datetime]] = {}
        for item in items:
            event = item.event
            if isinstance(event, Register.PartySigned):
                memberships.signed((tenant_of(event.originator_id), party_key(event.party)), event)
            elif isinstance(event, Register.PartyWithdrawn):
                party = (tenant_of(event.originator_id), party_key(event.party))
                memberships.withdraw(party, event)
                ending.setdefault(party, (event.on, event.timestamp))
            else:
                if isinstance(event, CHAMPION_EVENTS):
                    self._end_champions(curs, ending)
                one_by_one(item)
        self._end_champions(curs, ending)
        memberships.write(curs)
        self.track(curs, items[-1].tracking)

    @staticmethod
    def _end_champions(curs: Cursor[DictRow], ending: dict[Party, tuple[str, datetime]]) -> None:
        if ending:
            rows = [(*party, *when) for party, when in ending.items()]
            stage = staged(curs, "champion_appointments", ENDING_COLUMNS, rows)
            curs.execute(SQL(CHAMPIONS_END_STAGED).format(stage))
            ending.clear()

    def signed(self, event: Register.PartySigned, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(event.originator_id),
            "key": party_key(event.party),
            "name": event.party,
            "sector": event.sector,
            "kind": event.kind,
            "on": event.signed_on,
            "at": event.timestamp,
        }
        self.apply(tracking, (SIGNED, params))

    def withdrawn(self, event: Register.PartyWithdrawn, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(event.originator_id),
            "key": party_key(event.party),
            "on": event.on,
            "reason": event.reason,
            "at": event.timestamp,
        }
        self.apply(tracking, (WITHDRAWN, params), (CHAMPION_ENDS_WITH_PARTY, params))

    def _opener(self, subject: str) -> Callable[[str | None], str | None]:
        """Opens this person's sealed values; after erasure (no key) they read as erased."""
        with self.datastore.get_connection() as conn:
            row = conn.execute(KEY, (subject,)).fetchone()
        key = bytes(row["key"]) if row else None

        def opened(value: str | None) -> str | None:
            if value is None:
                return None
            text = open_with(key, subject, value)
            return text

        return opened

    def contact(self, event: Register.PartyContactRecorded, tracking: Tracking) -> None:
        opened = self._opener(event.subject)
        erased = opened(event.name) == ERASED
        params = {
            "tenant": tenant_of(event.originator_id),
            "key": party_key(event.party),
            "subject": event.subject,
            "name": opened(event.name),
            "email": None if erased else opened(event.email),
            "phone": None if erased else opened(event.phone),
            "at": event.timestamp,
        }
        self.apply(tracking, (CONTACT, params))

    def erased(self, event: Register.PersonErased, tracking: Tracking) -> None:
        params = {"tenant": tenant_of(event.originator_id), "subject": event.subject, "erased": ERASED}
        self.apply(tracking, (ERASED_CONTACT, params), (ERASED_CHAMPION, params))

    def stood_down(self, event: Register.ChampionStoodDown, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(event.originator_id),
            "key": party_key(event.party),
            "on": event.on,
            "at": event.timestamp,
            "role": event.role,
        }
        self.apply(tracking, (STOOD_DOWN, params))

    def appointed(self, event: Register.ChampionAppointed, tracking: Tracking) -> None:
        params = {
            "tenant": tenant_of(event.originator_id),
            "key": party_key(event.party),
            "party": event.party,
            "subject": event.subject,
            "name": self._opener(event.subject)(event.name),
            "on": event.appointed_on,
            "at": event.timestamp,
            "role": event.role,
        }
        # A new appointment replaces the party's current champion in the same role from its date.
        self.apply(tracking, (STOOD_DOWN, params), (APPOINTED, params))


class RegisterOfParties(Projection[RegisterView]):
    name = NAME
    topics = (
        get_topic(Register.PartySigned),
        get_topic(Register.PartyWithdrawn),
        get_topic(Register.ChampionAppointed),
        get_topic(Register.PartyContactRecorded),
        get_topic(Register.ChampionStoodDown),
        get_topic(Register.PersonErased),
    )

    @singledispatchmethod
    def process_event(self, domain_event: object, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Register.PartySigned, tracking: Tracking) -> None:
        self.view.signed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Register.PartyWithdrawn, tracking: Tracking) -> None:
        self.view.withdrawn(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Register.ChampionAppointed, tracking: Tracking) -> None:
        self.view.appointed(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Register.PartyContactRecorded, tracking: Tracking) -> None:
        self.view.contact(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Register.PersonErased, tracking: Tracking) -> None:
        self.view.erased(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Register.ChampionStoodDown, tracking: Tracking) -> None:
        self.view.stood_down(domain_event, tracking)


# Its tables (register_of_parties.sql), in the order its view writes them.
READ_MODEL = ProjectionSpec(
    RegisterOfParties,
    RegisterView,
    tables=(
        Table("party_memberships", order_by="tenant_id, party_key, membership"),
        Table("party_contacts", order_by="tenant_id, party_key", readers=MEMBERS),
        Table("champion_appointments", order_by="tenant_id, party_key, appointment"),
    ),
)


# The read side.


@dataclass(frozen=True)
class PartyRow:
    name: str
    sector: str
    kind: str | None
    signed_on: date


@dataclass(frozen=True)
class ContactRow:
    name: str
    email: str | None
    phone: str | None
    subject: str | None = None


@dataclass(frozen=True)
class ChampionRow:
    name: str
    party: str
    appointed_on: date
    subject: str | None = None
    role: str | None = None


# A party withdrawn on D is not in the register on D.
PARTIES_ON = """
SELECT tenant_id, name, sector, kind, signed_on FROM party_memberships
WHERE tenant_id = ANY($1::text[]) AND signed_on <= $2 AND signed_recorded_at <= $3
  AND (withdrawn_on IS NULL OR withdrawn_on > $2 OR withdrawn_recorded_at > $3)
ORDER BY tenant_id, name
"""
CHAMPIONS_ON = """
SELECT tenant_id, name, party, appointed_on, subject, role FROM champion_appointments
WHERE tenant_id = ANY($1::text[]) AND appointed_on <= $2 AND appointed_recorded_at <= $3
  AND (ended_on IS NULL OR ended_on > $2 OR ended_recorded_at > $3)
ORDER BY tenant_id, party, role NULLS FIRST
"""


async def parties_on(
    conn: asyncpg.Connection, tenants: list[str], on: date, recorded: datetime = LATEST
) -> dict[str, list[PartyRow]]:
    found: dict[str, list[PartyRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(PARTIES_ON, tenants, on, recorded):
        found[r["tenant_id"]].append(PartyRow(r["name"], r["sector"], r["kind"], r["signed_on"]))
    return found


async def champions_on(
    conn: asyncpg.Connection, tenants: list[str], on: date, recorded: datetime = LATEST
) -> dict[str, list[ChampionRow]]:
    found: dict[str, list[ChampionRow]] = {t: [] for t in tenants}
    for r in await conn.fetch(CHAMPIONS_ON, tenants, on, recorded):
        found[r["tenant_id"]].append(
            ChampionRow(r["name"], r["party"], r["appointed_on"], r["subject"], r["role"])
        )
    return found


async def contacts_of(conn: asyncpg.Connection, tenants: list[str]) -> dict[str, dict[str, ContactRow]]:
    """Each tenant's party contacts by party key: only for callers allowed to see personal data."""
    found: dict[str, dict[str, ContactRow]] = {t: {} for t in tenants}
    rows = await conn.fetch(
        "SELECT tenant_id, party_key, subject, name, email, phone FROM party_contacts"
        " WHERE tenant_id = ANY($1::text[])",
        tenants,
    )
    for r in rows:
        found[r["tenant_id"]][r["party_key"]] = ContactRow(r["name"], r["email"], r["phone"], r["subject"])
    return found


PARTIES_PAGE = """
SELECT party_key, name, sector, kind, signed_on, count(*) OVER () AS total FROM party_memberships
WHERE tenant_id = $1 AND signed_on <= $2 AND (withdrawn_on IS NULL OR withdrawn_on > $2)
ORDER BY party_key
"""


async def parties_page(
    conn: asyncpg.Connection,
    tenant: str,
    on: date,
    after: str | None,
    limit: int,
    before: str | None = None,
    *,
    backward: bool = False,
) -> tuple[list[tuple[str, PartyRow]], int, bool]:
    """One page of the register on a date between two keys: rows with their keys in name order, the day's
    total, and whether more follow (or, `backward`, come before: the page is then the last `limit` rows)."""
    # The total counts the whole register that day; the keyset conditions page through it.
    rows = await conn.fetch(
        f"SELECT * FROM ({PARTIES_PAGE}) AS register WHERE ($3::text IS NULL OR party_key > $3)"
        f" AND ($5::text IS NULL OR party_key < $5)"
        f" ORDER BY party_key {'DESC' if backward else 'ASC'} LIMIT $4",
        tenant,
        on,
        after,
        limit + 1,
        before,
    )
    total = int(rows[0]["total"]) if rows else await _count(conn, tenant, on)
    kept = rows[:limit]
    if backward:
        kept.reverse()
    page = [(r["party_key"], PartyRow(r["name"], r["sector"], r["kind"], r["signed_on"])) for r in kept]
    return page, total, len(rows) > limit


async def _count(conn: asyncpg.Connection, tenant: str, on: date) -> int:
    return int(await conn.fetchval(f"SELECT count(*) FROM ({PARTIES_PAGE}) AS register", tenant, on))
