"""A compact's text in GraphQL: its sections, the commitments they make, and the periods those set."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from api.graphql.nodes import TenantType, tenant
from domain import commitments as domain
from domain import compact
from projections.compact_text import SectionRow, sections_of


@strawberry.type(description="A length of time a compact sets in its own words ('three months').")
class Period:
    amount: int
    unit: domain.PeriodUnit

    @classmethod
    def of(cls, period: domain.Period | None) -> Period | None:
        return None if period is None else cls(amount=period.amount, unit=period.unit)

    @strawberry.field(description="The period in words, e.g. '3 months'.")
    def text(self) -> str:
        return domain.Period(self.amount, self.unit).describe()


@strawberry.input(description="A length of time the compact itself sets.")
class PeriodInput:
    amount: int
    unit: domain.PeriodUnit

    def to_domain(self) -> domain.Period:
        return domain.Period(self.amount, self.unit)


@strawberry.type(description="One step of a dispute process, and its time limit where the compact sets one.")
class DisputeStep:
    stage: domain.DisputeStage
    period: Period | None

    @classmethod
    def of(cls, step: domain.DisputeStep) -> DisputeStep:
        return cls(stage=step.stage, period=Period.of(step.period))


@strawberry.input(
    description="One step of a dispute process, with a time limit only where the compact sets one."
)
class DisputeStepInput:
    stage: domain.DisputeStage
    period: PeriodInput | None = None

    def to_domain(self) -> domain.DisputeStep:
        return domain.DisputeStep(self.stage, self.period.to_domain() if self.period else None)


@strawberry.type(description="An undertaking of a compact, held by one of its sections.")
class Commitment:
    key: str
    kind: domain.CommitmentKind
    firmness: domain.Firmness
    bound: list[str] = strawberry.field(description="Whom it binds, in the compact's own words.")
    period: Period | None = strawberry.field(description="Null when the compact sets no figure.")
    exceptions: list[str] = strawberry.field(description="E.g. 'exceptional circumstances', 'urgency'.")
    summary: str = strawberry.field(description="What it undertakes, in plain words, in one sentence.")
    quote: str = strawberry.field(description="The compact's own words it was read from, where recorded.")
    steps: list[DisputeStep] = strawberry.field(description="A dispute process's steps, in order.")
    tenant_slug: strawberry.Private[str]
    version: strawberry.Private[int]
    section_key: strawberry.Private[str]

    @classmethod
    def of(cls, tenant_slug: str, version: int, section: str, c: domain.Commitment) -> Commitment:
        return cls(
            key=c.key,
            kind=c.kind,
            firmness=c.firmness,
            bound=list(c.bound),
            period=Period.of(c.period),
            exceptions=list(c.exceptions),
            summary=c.summary,
            quote=c.quote,
            steps=[DisputeStep.of(s) for s in c.steps],
            tenant_slug=tenant_slug,
            version=version,
            section_key=section,
        )

    @strawberry.field(description="The tenant whose compact makes it.")
    async def tenant(self, info: Info[Context, None]) -> TenantType:
        row = await info.context.loaders.tenant.load(self.tenant_slug)
        assert row is not None, f"a commitment of an unknown tenant {self.tenant_slug}"
        return tenant(row)

    @strawberry.field(description="The section of that version of the compact that holds it.")
    async def section(self, info: Info[Context, None]) -> Section:
        async with info.context.read() as conn:
            found = await sections_of(conn, self.tenant_slug, [self.version])
        for s in found.get(self.version, []):
            if s.key == self.section_key:
                return Section.of(self.tenant_slug, self.version, s)
        raise AssertionError(f"section {self.section_key} of {self.tenant_slug} v{self.version} is missing")


@strawberry.input(description="A commitment a section makes: publish, amend or import it with the section.")
class CommitmentInput:
    key: str
    kind: domain.CommitmentKind
    summary: str
    firmness: domain.Firmness = domain.Firmness.IN_FORCE
    bound: list[str] = strawberry.field(default_factory=list)
    period: PeriodInput | None = None
    exceptions: list[str] = strawberry.field(default_factory=list)
    steps: list[DisputeStepInput] = strawberry.field(default_factory=list)
    quote: str = ""

    def to_domain(self) -> domain.Commitment:
        return domain.Commitment(
            key=self.key,
            kind=self.kind,
            firmness=self.firmness,
            summary=self.summary,
            bound=tuple(self.bound),
            period=self.period.to_domain() if self.period else None,
            exceptions=tuple(self.exceptions),
            steps=tuple(s.to_domain() for s in self.steps),
            quote=self.quote,
        )


async def referenced(info: Info[Context, None], ref: domain.GovernedBy | None) -> Commitment | None:
    """The commitment a record was judged by, as recorded then; None where nothing governed it."""
    if ref is None:
        return None
    found = await info.context.loaders.commitment.load((ref.tenant, ref.version, ref.key))
    if found is None:
        # Recorded before versions were kept with the reference: what the record itself says of it.
        c = domain.Commitment(ref.key, ref.kind, domain.Firmness.IN_FORCE, ref.summary, period=ref.period)
        return Commitment.of(ref.tenant, ref.version, ref.section, c)
    return Commitment.of(ref.tenant, ref.version, found.section, found.commitment)


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
    def of(cls, tenant_slug: str, version: int, row: SectionRow) -> Section:
        return cls(
            key=row.key,
            heading=row.heading,
            text=row.text,
            matters=row.matters,
            planned=row.planned,
            commitments=[Commitment.of(tenant_slug, version, row.key, c) for c in row.commitments],
        )

    @classmethod
    def of_domain(cls, s: compact.Section) -> Section:
        """A section of a proposal or a diff, which belongs to no version of a compact yet."""
        return cls(
            key=s.key, heading=s.heading, text=s.text, matters=list(s.matters), planned=list(s.planned)
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
