"""The Register of Parties in GraphQL: parties, their private contacts, champions, and their mutations."""

from __future__ import annotations

import base64
from datetime import date

import strawberry
from strawberry.types import Info

from api.graphql.common import Page, PageInfo
from api.graphql.context import Context, Loaders
from api.graphql.run import Reader, execute, run
from domain import commands, register
from domain.clock import today
from domain.errors import InvalidInput
from projections import register_of_parties
from projections.base import LATEST
from projections.register_of_parties import ChampionRow, PartyRow


@strawberry.type(description="A party's named point of contact (personal data).")
class Contact:
    name: str
    email: str | None
    phone: str | None
    person_id: str | None = strawberry.field(description="The id `eraseDataSubject` takes.")


@strawberry.input(description="A party's named point of contact; never shown to the public.")
class ContactInput:
    name: str
    email: str | None = None
    phone: str | None = None

    def to_domain(self) -> register.Contact:
        return register.Contact(self.name, self.email, self.phone)


@strawberry.type(description="A signatory in the Register of Parties.")
class Party:
    name: str
    sector: register.Sector
    signed_on: date
    kind: register.BodyKind | None = strawberry.field(description="Council, health, charity, faith group...")
    tenant_slug: strawberry.Private[str]

    @classmethod
    def from_row(cls, tenant: str, row: PartyRow) -> Party:
        kind = register.BodyKind(row.kind) if row.kind else None
        return cls(
            name=row.name,
            sector=register.Sector(row.sector),
            signed_on=row.signed_on,
            kind=kind,
            tenant_slug=tenant,
        )

    @strawberry.field(description="The named point of contact: for the tenant's members only, else null.")
    async def contact(self, info: Info[Context, None]) -> Contact | None:
        if not info.context.actor.can_audit(self.tenant_slug):
            return None
        found = (await info.context.loaders.contacts.load(self.tenant_slug)).get(
            register.party_key(self.name)
        )
        if found is None:
            return None
        return Contact(name=found.name, email=found.email, phone=found.phone, person_id=found.subject)


@strawberry.type
class PartyEdge:
    cursor: str
    node: Party


@strawberry.type(description="A page of the Register of Parties, in name order.")
class PartyConnection:
    edges: list[PartyEdge]
    page_info: PageInfo
    total_count: int


def _encode_cursor(key: str) -> str:
    return base64.urlsafe_b64encode(f"party:{key}".encode()).decode()


def _decode_cursor(cursor: str, argument: str) -> str:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    if not decoded.startswith("party:"):
        raise InvalidInput(f"The cursor is not one this registry gave out; start again without `{argument}`.")
    return decoded.removeprefix("party:")


@strawberry.type(description="A party's Compact Champion.")
class Champion:
    name: str
    party: str
    appointed_on: date
    role: str | None = strawberry.field(description="Where a party names several champions, which one.")
    tenant_slug: strawberry.Private[str]
    subject: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, tenant: str, row: ChampionRow) -> Champion:
        return cls(
            name=row.name,
            party=row.party,
            appointed_on=row.appointed_on,
            role=row.role,
            tenant_slug=tenant,
            subject=row.subject,
        )

    @strawberry.field(
        description="The id `eraseDataSubject` takes: for the tenant's members only, else null."
    )
    def person_id(self, info: Info[Context, None]) -> str | None:
        return self.subject if info.context.actor.can_audit(self.tenant_slug) else None


# What the Tenant type answers about its register (api/graphql/tenant.py holds the fields).


async def party_page(info: Info[Context, None], slug: str, as_of: date | None, page: Page) -> PartyConnection:
    after = _decode_cursor(page.after, "after") if page.after is not None else None
    before = _decode_cursor(page.before, "before") if page.before is not None else None
    async with info.context.read() as conn:
        rows, total, more = await register_of_parties.parties_page(
            conn, slug, as_of or today(), after, page.size, before, backward=page.backward
        )
    edges = [PartyEdge(cursor=_encode_cursor(key), node=Party.from_row(slug, row)) for key, row in rows]
    return PartyConnection(
        edges=edges, page_info=page.info([e.cursor for e in edges], more), total_count=total
    )


def signed_party(tenant: str, name: str, on: date) -> Reader[Party]:
    async def read(loaders: Loaders) -> Party | None:
        key = register.party_key(name)
        rows = await loaders.parties.load((tenant, on, LATEST))
        return next((Party.from_row(tenant, r) for r in rows if register.party_key(r.name) == key), None)

    return read


def appointed_champion(tenant: str, name: str, on: date, role: str | None) -> Reader[Champion]:
    async def read(loaders: Loaders) -> Champion | None:
        key, wanted = register.party_key(name), " ".join(role.split()) if role else None
        rows = await loaders.champions.load((tenant, on, LATEST))
        return next(
            (
                Champion.from_row(tenant, r)
                for r in rows
                if register.party_key(r.party) == key and r.role == wanted
            ),
            None,
        )

    return read


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Sign a party to the compact in the Register of Parties.")
    async def sign_compact(
        self,
        info: Info[Context, None],
        tenant: str,
        party: str,
        sector: register.Sector,
        signed_on: date,
        kind: register.BodyKind | None = None,
        contact: ContactInput | None = None,
    ) -> Party:
        ctx = info.context
        command = commands.SignCompact(
            tenant=tenant,
            party=party,
            sector=sector,
            signed_on=signed_on,
            kind=kind,
            contact=contact.to_domain() if contact else None,
        )
        read = signed_party(tenant, party, signed_on)
        return await execute(
            ctx, ctx.services.compacts.sign, command, read, f"The party '{party}' of '{tenant}'"
        )

    @strawberry.mutation(description="Record a party leaving the register on a date, with the reason.")
    async def withdraw_party(
        self, info: Info[Context, None], tenant: str, party: str, on: date, reason: str
    ) -> bool:
        ctx = info.context
        command = commands.WithdrawParty(tenant=tenant, party=party, on=on, reason=reason)
        await run(ctx, ctx.services.compacts.withdraw, command)
        return True

    @strawberry.mutation(
        description="Erase a person's data (platform-admin): the key goes, the events stay and still verify."
    )
    async def erase_data_subject(self, info: Info[Context, None], subject: str) -> bool:
        ctx = info.context
        await run(ctx, ctx.services.compacts.erase_person, commands.EraseDataSubject(subject=subject))
        return True

    @strawberry.mutation(description="Record or replace a signed party's point of contact (private).")
    async def record_party_contact(
        self, info: Info[Context, None], tenant: str, party: str, contact: ContactInput
    ) -> bool:
        ctx = info.context
        command = commands.RecordPartyContact(tenant=tenant, party=party, contact=contact.to_domain())
        await run(ctx, ctx.services.compacts.record_contact, command)
        return True

    @strawberry.mutation(
        description="Record a party's champion standing down on a date; `role` says which, where a party "
        "names several."
    )
    async def stand_down_champion(
        self, info: Info[Context, None], tenant: str, party: str, on: date, role: str | None = None
    ) -> bool:
        ctx = info.context
        command = commands.StandDownChampion(tenant=tenant, party=party, on=on, role=role)
        await run(ctx, ctx.services.compacts.stand_down_champion, command)
        return True

    @strawberry.mutation(
        description="Appoint a party's Compact Champion. A party may name several, one per `role` (a cabinet "
        "member and an officer); a new one in a role replaces the current one in it."
    )
    async def appoint_champion(
        self,
        info: Info[Context, None],
        tenant: str,
        party: str,
        name: str,
        appointed_on: date,
        role: str | None = None,
    ) -> Champion:
        ctx = info.context
        command = commands.AppointChampion(
            tenant=tenant, party=party, name=name, appointed_on=appointed_on, role=role
        )
        read = appointed_champion(tenant, party, appointed_on, role)
        what = f"The champion of '{party}' in '{tenant}'"
        return await execute(ctx, ctx.services.compacts.appoint_champion, command, read, what)
