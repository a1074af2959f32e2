"""GraphQL types of a compact's commitments: what it undertakes, whom it binds, what governs, and why."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from api.graphql.context import Context
from domain import commitments as domain

if TYPE_CHECKING:
    from api.graphql.types import LookupStep, Section, Tenant

CommitmentKind = strawberry.enum(
    domain.CommitmentKind, description="The kinds of undertaking a compact makes."
)
Firmness = strawberry.enum(
    domain.Firmness, description="IN_FORCE: undertaken now. PLANNED: only promised; it governs nothing."
)
PeriodUnit = strawberry.enum(domain.PeriodUnit, description="The unit of a period a compact sets.")
DisputeStage = strawberry.enum(
    domain.DisputeStage, description="The kinds of step a dispute process takes, in the order they follow."
)


@strawberry.type(description="A length of time a compact sets in its own words ('three months').")
class Period:
    amount: int
    unit: PeriodUnit  # type: ignore[valid-type]

    @classmethod
    def of(cls, period: domain.Period | None) -> Period | None:
        return None if period is None else cls(amount=period.amount, unit=period.unit)

    @strawberry.field(description="The period in words, e.g. '3 months'.")
    def text(self) -> str:
        return domain.Period(self.amount, domain.PeriodUnit(self.unit)).describe()


@strawberry.input(description="A length of time the compact itself sets.")
class PeriodInput:
    amount: int
    unit: PeriodUnit  # type: ignore[valid-type]

    def to_domain(self) -> domain.Period:
        return domain.Period(self.amount, domain.PeriodUnit(self.unit))


@strawberry.type(description="One step of a dispute process, and its time limit where the compact sets one.")
class DisputeStep:
    stage: DisputeStage  # type: ignore[valid-type]
    period: Period | None

    @classmethod
    def of(cls, step: domain.DisputeStep) -> DisputeStep:
        return cls(stage=step.stage, period=Period.of(step.period))


@strawberry.input(
    description="One step of a dispute process, with a time limit only where the compact sets one."
)
class DisputeStepInput:
    stage: DisputeStage  # type: ignore[valid-type]
    period: PeriodInput | None = None

    def to_domain(self) -> domain.DisputeStep:
        return domain.DisputeStep(
            domain.DisputeStage(self.stage), self.period.to_domain() if self.period else None
        )


@strawberry.type(description="An undertaking of a compact, held by one of its sections.")
class Commitment:
    key: str
    kind: CommitmentKind  # type: ignore[valid-type]
    firmness: Firmness  # type: ignore[valid-type]
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
    def of(cls, tenant: str, version: int, section: str, c: domain.Commitment) -> Commitment:
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
            tenant_slug=tenant,
            version=version,
            section_key=section,
        )

    @strawberry.field(description="The tenant whose compact makes it.")
    async def tenant(
        self, info: Info[Context, None]
    ) -> Annotated[Tenant, strawberry.lazy("api.graphql.types")]:
        from api.graphql.types import Tenant

        row = await info.context.loaders.tenant.load(self.tenant_slug)
        assert row is not None, f"a commitment of an unknown tenant {self.tenant_slug}"
        return Tenant.from_row(row)

    @strawberry.field(description="The section of that version of the compact that holds it.")
    async def section(
        self, info: Info[Context, None]
    ) -> Annotated[Section, strawberry.lazy("api.graphql.types")]:
        from api.graphql.types import Section
        from projections.compact_text import sections_of

        async with info.context.read() as conn:
            found = await sections_of(conn, self.tenant_slug, [self.version])
        for s in found.get(self.version, []):
            if s.key == self.section_key:
                return Section.of(self.tenant_slug, self.version, s)
        raise AssertionError(f"section {self.section_key} of {self.tenant_slug} v{self.version} is missing")


@strawberry.input(description="A commitment a section makes: publish, amend or import it with the section.")
class CommitmentInput:
    key: str
    kind: CommitmentKind  # type: ignore[valid-type]
    summary: str
    firmness: Firmness = domain.Firmness.IN_FORCE  # type: ignore[valid-type]
    bound: list[str] = strawberry.field(default_factory=list)
    period: PeriodInput | None = None
    exceptions: list[str] = strawberry.field(default_factory=list)
    steps: list[DisputeStepInput] = strawberry.field(default_factory=list)
    quote: str = ""

    def to_domain(self) -> domain.Commitment:
        return domain.Commitment(
            key=self.key,
            kind=domain.CommitmentKind(self.kind),
            firmness=domain.Firmness(self.firmness),
            summary=self.summary,
            bound=tuple(self.bound),
            period=self.period.to_domain() if self.period else None,
            exceptions=tuple(self.exceptions),
            steps=tuple(s.to_domain() for s in self.steps),
            quote=self.quote,
        )


@strawberry.type(
    description="The commitment of a kind that governs a locality on a date, and the walk to it."
)
class Governing:
    commitment: Commitment | None = strawberry.field(description="Null when nothing up the chain governs.")
    trail: list[Annotated[LookupStep, strawberry.lazy("api.graphql.types")]]
    explanation: str


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
