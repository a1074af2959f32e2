"""The GraphQL object types of the contract and what users need besides, with their nested resolvers."""

from __future__ import annotations

import base64
from datetime import date, datetime
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from api.graphql.commitment_types import Commitment, CommitmentInput
from api.graphql.context import Context, Moment
from api.graphql.upkeep_types import (
    BoardReferral,
    Consultation,
    Dispute,
    FundingNotice,
    ProjectLessons,
)
from domain import compact, diff, register
from domain import steering_group as steering
from domain.actors import Role
from domain.clock import today
from domain.errors import InvalidInput, NotFound
from projections import compact_text, register_of_parties
from projections.amendment_proposals import ProposalRow
from projections.annual_reviews import ReviewRow
from projections.base import LATEST
from projections.codes_of_practice import CodeRow
from projections.compact_text import CompactRow, SectionRow
from projections.register_of_parties import ChampionRow, PartyRow
from projections.tenant_directory import TenantRow


@strawberry.enum(description="The level of a compact; a London borough is DISTRICT under REGIONAL.")
class Tier(Enum):
    NATIONAL = "NATIONAL"
    REGIONAL = "REGIONAL"
    COUNTY = "COUNTY"
    DISTRICT = "DISTRICT"


RecordedAt = Annotated[
    datetime | None,
    strawberry.argument(
        description="Answer from the events recorded up to this moment (for auditors); default: all of them."
    ),
]


def moment(tenant: str, as_of: date | None, recorded_at: datetime | None) -> Moment:
    """The loader key of a read: in force on `as_of` (default today), as recorded at `recorded_at`."""
    if recorded_at is not None and recorded_at.tzinfo is None:
        raise InvalidInput("Give `recordedAt` with its offset, for example 2010-05-01T12:00:00+01:00.")
    return (tenant, as_of or today(), recorded_at or LATEST)


@strawberry.enum(description="Which side of the compact a party signs for.")
class Sector(Enum):
    STATUTORY = "STATUTORY"
    VOLUNTARY_COMMUNITY = "VOLUNTARY_COMMUNITY"
    PRIVATE = "PRIVATE"


@strawberry.type(
    description="One section of a compact: the matters it covers, those it only plans, its commitments."
)
class Section:
    key: str
    heading: str
    text: str
    matters: list[str]
    planned: list[str] = strawberry.field(
        default_factory=list,
        description="Matters the section only promises to develop; they do not count as covered in `lookup`.",
    )
    commitments: list[Commitment] = strawberry.field(
        default_factory=list, description="What the section undertakes, in force or only planned."
    )

    @classmethod
    def of(cls, tenant: str, version: int, row: SectionRow) -> Section:
        return cls(
            key=row.key,
            heading=row.heading,
            text=row.text,
            matters=row.matters,
            planned=row.planned,
            commitments=[Commitment.of(tenant, version, row.key, c) for c in row.commitments],
        )


@strawberry.enum(description="A compact in force, or a draft out for consultation.")
class CompactStatus(Enum):
    DRAFT = "DRAFT"
    IN_FORCE = "IN_FORCE"


@strawberry.type(description="A version of a tenant's compact: 1 when published, +1 per amendment.")
class Compact:
    title: str
    version: int
    effective_on: date
    sections: list[Section]
    status: CompactStatus = strawberry.field(
        default=CompactStatus.IN_FORCE,
        description="DRAFT: published for consultation and not yet adopted on the date asked about.",
    )
    consultation_closes_on: date | None = strawberry.field(
        default=None, description="For a draft: when its consultation closes."
    )
    adopted_on: date | None = strawberry.field(
        default=None, description="For a compact first published as a draft: the day it came into force."
    )

    @classmethod
    def from_row(cls, row: CompactRow, status: CompactStatus = CompactStatus.IN_FORCE) -> Compact:
        return cls(
            title=row.title,
            version=row.version,
            effective_on=row.effective_on,
            sections=[Section.of(row.tenant, row.version, s) for s in row.sections],
            status=status,
            consultation_closes_on=row.consultation_closes_on,
            adopted_on=row.adopted_on,
        )


BodyKind = strawberry.enum(register.BodyKind, description="What kind of body a party is.")


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


@strawberry.type(description="One version of a compact: when it took effect, why, and who recorded it when.")
class CompactVersion:
    version: int
    title: str
    effective_on: date
    rationale: str | None = strawberry.field(description="Null for version 1, the publication.")
    recorded_at: datetime
    recorded_by: str = strawberry.field(
        description="Who recorded it: the person for the tenant's members, otherwise the role and council."
    )


def recorded_in_role(role: str | None, tenant_name: str) -> str:
    """Who recorded a version, as the public sees it: a role and a council, never a person."""
    if role == Role.PLATFORM_ADMIN.value:
        return "A platform administrator"
    if role == Role.EDITOR.value:
        return f"An editor for {tenant_name}"
    return f"An editor for {tenant_name} or a platform administrator"


@strawberry.type(description="A word of a changed section: same, added or removed.")
class WordChange:
    op: str
    text: str


@strawberry.type(description="A section in both versions that differs between them.")
class SectionChange:
    key: str
    before: Section
    after: Section
    words: list[WordChange]
    marked: str = strawberry.field(description="The text with [-removed-] and {+added+} words marked.")


@strawberry.type(description="What changed from one version of a compact to another.")
class CompactDiff:
    from_version: int
    to_version: int
    added: list[Section]
    removed: list[Section]
    changed: list[SectionChange]


def _section(s: compact.Section) -> Section:
    return Section(
        key=s.key, heading=s.heading, text=s.text, matters=list(s.matters), planned=list(s.planned)
    )


@strawberry.type(description="A signatory in the Register of Parties.")
class Party:
    name: str
    sector: Sector
    signed_on: date
    kind: BodyKind | None = strawberry.field(description="Council, health, charity, faith group...")  # type: ignore[valid-type]
    tenant_slug: strawberry.Private[str]

    @classmethod
    def from_row(cls, tenant: str, row: PartyRow) -> Party:
        kind = register.BodyKind(row.kind) if row.kind else None
        return cls(
            name=row.name, sector=Sector(row.sector), signed_on=row.signed_on, kind=kind, tenant_slug=tenant
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


MAX_PAGE = 100


@strawberry.type(description="Where a page starts and ends, and whether others come before or after it.")
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = strawberry.field(
        default=False, description="Whether the page was asked for after a cursor: others come before it."
    )
    start_cursor: str | None = None


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


def _decode_cursor(cursor: str) -> str:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    if not decoded.startswith("party:"):
        raise InvalidInput("The cursor is not one this registry gave out; start again without `after`.")
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


@strawberry.enum(description="Where a Code of Good Practice stands on a date.")
class CodeStatus(Enum):
    IN_DEVELOPMENT = "IN_DEVELOPMENT"
    ADOPTED = "ADOPTED"
    WITHDRAWN = "WITHDRAWN"
    SUPERSEDED = "SUPERSEDED"


@strawberry.type(description="A Code of Good Practice of a tenant's compact, as it stood on a date.")
class Code:
    key: str
    title: str
    status: CodeStatus
    matters: list[str]
    adopted_on: date | None
    lead: str | None = strawberry.field(description="Who leads its development.")
    next_review_due: date | None
    superseded_by: str | None = strawberry.field(description="The key of the code it was merged into.")
    endorsed_by: list[str] = strawberry.field(description="The parties that have endorsed it.")

    @classmethod
    def from_row(cls, row: CodeRow) -> Code:
        return cls(
            key=row.key,
            title=row.title,
            status=CodeStatus(row.status),
            matters=row.matters,
            adopted_on=row.adopted_on,
            lead=row.lead,
            next_review_due=row.next_review_due,
            superseded_by=row.superseded_by,
            endorsed_by=row.endorsed_by,
        )


SteeringRoleKind = strawberry.enum(
    steering.SteeringRole, name="SteeringRole", description="A steering group role."
)


@strawberry.type(description="A seat on the compact's steering group.")
class SteeringTerm:
    role: SteeringRoleKind  # type: ignore[valid-type]
    holder: str
    party: str | None
    code: str | None = strawberry.field(description="The code of practice a code lead leads.")
    since: date


@strawberry.type(description="An amendment put forward for consultation, and what became of it.")
class AmendmentProposal:
    key: str
    rationale: str
    effective_on: date
    proposed_on: date
    consultation_closes_on: date | None
    upsert_sections: list[Section]
    remove_sections: list[str]
    status: str = strawberry.field(description="PROPOSED, ADOPTED or REJECTED.")
    decided_on: date | None
    rejection_reason: str | None

    @classmethod
    def from_row(cls, row: ProposalRow) -> AmendmentProposal:
        return cls(
            key=row.key,
            rationale=row.rationale,
            effective_on=row.effective_on,
            proposed_on=row.proposed_on,
            consultation_closes_on=row.consultation_closes_on,
            upsert_sections=[_section(compact.Section.from_dict(s)) for s in row.upserted],
            remove_sections=row.removed,
            status=row.status,
            decided_on=row.decided_on,
            rejection_reason=row.rejection_reason,
        )


@strawberry.type(
    description="An annual review: achievements, aspirations, issues and the amendments it put forward."
)
class AnnualReview:
    held_on: date
    achievements: list[str]
    aspirations: list[str]
    issues: list[str]
    amendments: list[str] = strawberry.field(description="Keys of the proposed amendments it refers to.")
    projects: list[ProjectLessons] = strawberry.field(
        description="The four questions answered for each joint project finished that year."
    )

    @classmethod
    def from_row(cls, r: ReviewRow) -> AnnualReview:
        return cls(
            held_on=r.held_on,
            achievements=r.achievements,
            aspirations=r.aspirations,
            issues=r.issues,
            amendments=r.amendments,
            projects=[
                ProjectLessons(
                    project=p.project,
                    went_well=p.went_well,
                    difficult=p.difficult,
                    different_next_time=p.different_next_time,
                    strategic_issues=p.strategic_issues,
                )
                for p in r.projects
            ],
        )


@strawberry.input(description="A section to publish, or to add or replace in an amendment.")
class SectionInput:
    key: str
    heading: str
    text: str
    matters: list[str]
    planned: list[str] | None = strawberry.field(
        default=None, description="Matters the section only promises to develop (not covered in `lookup`)."
    )
    commitments: list[CommitmentInput] | None = strawberry.field(
        default=None, description="What the section undertakes; amending them is amending the section."
    )

    def to_domain(self) -> compact.Section:
        return compact.Section(
            self.key,
            self.heading,
            self.text,
            tuple(self.matters),
            tuple(self.planned or ()),
            tuple(c.to_domain() for c in self.commitments or ()),
        )


@strawberry.type(description="A borough, district, county, region or the nation, hosting one compact.")
class Tenant:
    slug: str
    name: str
    tier: Tier
    parent_slug: strawberry.Private[str | None]

    @classmethod
    def from_row(cls, row: TenantRow) -> Tenant:
        return cls(slug=row.slug, name=row.name, tier=Tier(row.tier), parent_slug=row.parent)

    @strawberry.field(description="The tenant one tier up; null for the national compact.")
    async def parent(self, info: Info[Context, None]) -> Tenant | None:
        if self.parent_slug is None:
            return None
        row = await info.context.loaders.tenant.load(self.parent_slug)
        return Tenant.from_row(row) if row else None

    @strawberry.field(description="The tenants directly below this one, by slug.")
    async def children(self, info: Info[Context, None]) -> list[Tenant]:
        rows = await info.context.loaders.children.load(self.slug)
        return [Tenant.from_row(r) for r in rows]

    @strawberry.field(description="The compact in force on `asOf` (default today); null when none is.")
    async def compact(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> Compact | None:
        row = await info.context.loaders.compact.load(moment(self.slug, as_of, recorded_at))
        return Compact.from_row(row) if row else None

    @strawberry.field(
        description="The draft out for consultation on `asOf` (default today): published, not yet adopted."
    )
    async def draft_compact(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> Compact | None:
        row = await info.context.loaders.drafts.load(moment(self.slug, as_of, recorded_at))
        return Compact.from_row(row, CompactStatus.DRAFT) if row else None

    @strawberry.field(description="The commitments of the compact in force on `asOf` (default today).")
    async def commitments(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Commitment]:
        row = await info.context.loaders.compact.load(moment(self.slug, as_of, recorded_at))
        if row is None:
            return []
        return [Commitment.of(self.slug, row.version, s.key, c) for s in row.sections for c in s.commitments]

    @strawberry.field(description="Every version of the compact, oldest first.")
    async def compact_versions(self, info: Info[Context, None]) -> list[CompactVersion]:
        rows = await info.context.loaders.versions.load(self.slug)
        member = info.context.actor.can_audit(self.slug)
        return [
            CompactVersion(
                version=r.version,
                title=r.title,
                effective_on=r.effective_on,
                rationale=r.rationale,
                recorded_at=r.recorded_at,
                recorded_by=r.recorded_by if member else recorded_in_role(r.recorded_as, self.name),
            )
            for r in rows
        ]

    @strawberry.field(description="What changed from version `from` to version `to`, word by word.")
    async def compact_diff(
        self,
        info: Info[Context, None],
        from_: Annotated[int, strawberry.argument(name="from")],
        to: int,
    ) -> CompactDiff:
        async with info.context.read() as conn:
            found = await compact_text.sections_of(conn, self.slug, [from_, to])
        for version in (from_, to):
            if version not in found:
                raise NotFound(f"The compact of '{self.slug}' has no version {version}.")

        def domain_sections(version: int) -> list[compact.Section]:
            return [compact.Section(s.key, s.heading, s.text, tuple(s.matters)) for s in found[version]]

        result = diff.diff_sections(domain_sections(from_), domain_sections(to))
        return CompactDiff(
            from_version=from_,
            to_version=to,
            added=[_section(s) for s in result.added],
            removed=[_section(s) for s in result.removed],
            changed=[
                SectionChange(
                    key=c.key,
                    before=_section(c.before),
                    after=_section(c.after),
                    words=[WordChange(op=w.op, text=w.text) for w in c.words],
                    marked=c.marked,
                )
                for c in result.changed
            ],
        )

    @strawberry.field(description="The Register of Parties on `asOf` (default today), by name.")
    async def parties(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Party]:
        rows = await info.context.loaders.parties.load(moment(self.slug, as_of, recorded_at))
        return [Party.from_row(self.slug, r) for r in rows]

    @strawberry.field(description="The Register of Parties on `asOf`, a page at a time (at most 100 a page).")
    async def party_register(
        self, info: Info[Context, None], as_of: date | None = None, first: int = 50, after: str | None = None
    ) -> PartyConnection:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"`first` must be between 1 and {MAX_PAGE}.")
        after_key = _decode_cursor(after) if after is not None else None
        async with info.context.read() as conn:
            page, total, more = await register_of_parties.parties_page(
                conn, self.slug, as_of or today(), after_key, first
            )
        edges = [
            PartyEdge(cursor=_encode_cursor(key), node=Party.from_row(self.slug, row)) for key, row in page
        ]
        end = edges[-1].cursor if edges else None
        return PartyConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=more,
                end_cursor=end,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
            ),
            total_count=total,
        )

    @strawberry.field(description="Parties signed on `asOf` (default today) that have no current champion.")
    async def parties_without_champion(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Party]:
        when = moment(self.slug, as_of, recorded_at)
        parties = await info.context.loaders.parties.load(when)
        champions = await info.context.loaders.champions.load(when)
        championed = {register.party_key(c.party) for c in champions}
        return [Party.from_row(self.slug, r) for r in parties if register.party_key(r.name) not in championed]

    @strawberry.field(
        description="The codes on `asOf` (default today); codes in development only for the tenant's members."
    )
    async def codes(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Code]:
        rows = await info.context.loaders.codes.load(moment(self.slug, as_of, recorded_at))
        # Drafts are private to the tenant's editors and auditors (and platform admins).
        members = info.context.actor.can_audit(self.slug)
        return [Code.from_row(r) for r in rows if members or r.status != "IN_DEVELOPMENT"]

    @strawberry.field(description="Who held which steering group role on `asOf` (default today).")
    async def steering_group(
        self, info: Info[Context, None], as_of: date | None = None
    ) -> list[SteeringTerm]:
        return await _steering_after(info.context, self.slug, as_of or today())

    @strawberry.field(description="Every proposed amendment, in the order proposed, with its status.")
    async def amendment_proposals(self, info: Info[Context, None]) -> list[AmendmentProposal]:
        return [AmendmentProposal.from_row(r) for r in await info.context.loaders.proposals.load(self.slug)]

    @strawberry.field(description="Every annual review, oldest first.")
    async def annual_reviews(self, info: Info[Context, None]) -> list[AnnualReview]:
        return [AnnualReview.from_row(r) for r in await info.context.loaders.reviews.load(self.slug)]

    @strawberry.field(
        description="Parties referred to the compact's board, with or without a dispute: for the tenant's "
        "members only (empty for anyone else)."
    )
    async def board_referrals(self, info: Info[Context, None]) -> list[BoardReferral]:
        return [BoardReferral.from_row(r) for r in await info.context.loaders.referrals.load(self.slug)]

    @strawberry.field(
        description="Disputes, oldest first: for the tenant's members only (empty for anyone else)."
    )
    async def disputes(self, info: Info[Context, None], as_of: date | None = None) -> list[Dispute]:
        on = as_of or today()
        return [Dispute.from_row(r, on) for r in await info.context.loaders.disputes.load(self.slug)]

    @strawberry.field(description="Consultations once open (announced ones too for members), oldest first.")
    async def consultations(self, info: Info[Context, None]) -> list[Consultation]:
        members = info.context.actor.can_audit(self.slug)
        rows = await info.context.loaders.consultations.load(self.slug)
        return [Consultation.from_row(r, members) for r in rows]

    @strawberry.field(description="Funding-change notices given under the compact, oldest first.")
    async def funding_notices(self, info: Info[Context, None]) -> list[FundingNotice]:
        return [FundingNotice.from_row(r) for r in await info.context.loaders.notices.load(self.slug)]

    @strawberry.field(description="The current champions of each party on `asOf` (default today).")
    async def champions(
        self, info: Info[Context, None], as_of: date | None = None, recorded_at: RecordedAt = None
    ) -> list[Champion]:
        rows = await info.context.loaders.champions.load(moment(self.slug, as_of, recorded_at))
        return [Champion.from_row(self.slug, r) for r in rows]


@strawberry.type(description="A matter of the platform's controlled vocabulary; aliases match it too.")
class Matter:
    key: str
    title: str
    aliases: list[str]


@strawberry.type(description="One tenant consulted by a lookup, and why it did or did not answer.")
class LookupStep:
    tenant: Tenant
    covered: bool
    reason: str


@strawberry.type(description="Which compact governs a matter for a locality on a date, and why.")
class Lookup:
    answered_by: Tenant | None
    sections: list[Section]
    codes: list[Code]
    trail: list[LookupStep]
    explanation: str


@strawberry.type(description="One event of a tenant's history, with its link in the hash chain.")
class HistoryEvent:
    position: int
    type: str
    recorded_at: datetime
    actor: str | None
    payload: JSON
    hash: str
    previous_hash: str


@strawberry.type
class HistoryEdge:
    cursor: str
    node: HistoryEvent


@strawberry.type(description="A page of a tenant's history, oldest first.")
class HistoryConnection:
    edges: list[HistoryEdge]
    page_info: PageInfo


@strawberry.type(description="A signed statement of a tenant's chain head at a position (Ed25519, by `kid`).")
class Checkpoint:
    tenant: str
    position: int
    head_hash: str
    signed_at: str
    kid: str
    signature: str = strawberry.field(description="Base64url Ed25519 signature; the key is in the JWKS.")


@strawberry.type(description="The tenant's hash chain recomputed from the event store.")
class Verification:
    ok: bool
    checked: int
    first_bad_position: int | None
    head_hash: str | None


def _history_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"history:{position}".encode()).decode()


def _history_position(cursor: str) -> int:
    try:
        decoded = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    prefix, _, position = decoded.partition(":")
    if prefix != "history" or not position.isdigit():
        raise InvalidInput("The cursor is not one this registry gave out; start again without `after`.")
    return int(position)


async def _steering_after(ctx: Context, tenant: str, on: date) -> list[SteeringTerm]:
    rows = await ctx.loaders.steering.load((tenant, on))
    return [
        SteeringTerm(
            role=steering.SteeringRole(r.role), holder=r.holder, party=r.party, code=r.code, since=r.since
        )
        for r in rows
    ]
