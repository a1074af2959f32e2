"""A synthetic tree of tenants for the benchmarks, national to district, each tenant with a compact."""

from __future__ import annotations

from datetime import date

from api.bootstrap import vault_of
from domain.actors import Actor, Role
from domain.commands import CreateTenant, PublishCompact
from domain.compact import Section
from domain.matters import MATTERS
from domain.tenancy import Tier
from services.compacts import CompactService
from services.registry import Registry
from services.tenants import TenantService

ADMIN = Actor(sub="bench", roles=frozenset({Role.PLATFORM_ADMIN}))
SECTIONS_PER_COMPACT = 20


def sections(seed: int) -> tuple[Section, ...]:
    """Twenty sections, each tagged with one matter of the vocabulary in turn (so most lookups walk up)."""
    return tuple(
        Section(f"{i + 1}", f"Heading {i + 1}", f"Text of section {i + 1} of compact {seed}.",
                (MATTERS[(seed + i) % len(MATTERS)].key,) if i < 2 else ())
        for i in range(SECTIONS_PER_COMPACT)
    )  # fmt: skip


class Tree:
    """A national > regional > county > district tree grown tenant by tenant, each with a compact."""

    def __init__(self, registry: Registry) -> None:
        self.tenants = TenantService(registry)
        self.compacts = CompactService(registry, vault_of(registry))
        self.count = 0
        self.parents: dict[Tier, list[str]] = {t: [] for t in Tier}

    def add(self, slug: str, tier: Tier, parent: str | None) -> None:
        self.tenants.create_tenant(
            ADMIN, CreateTenant(slug=slug, name=slug.title(), tier=tier, parent=parent)
        )
        self.compacts.publish(
            ADMIN,
            PublishCompact(
                tenant=slug,
                title=f"{slug} compact",
                effective_on=date(2005, 1, 1),
                sections=sections(self.count),
            ),
        )
        self.parents[tier].append(slug)
        self.count += 1

    def grow_to(self, total: int) -> None:
        if not self.parents[Tier.NATIONAL]:
            self.add("england", Tier.NATIONAL, None)
        while self.count < total:
            n = self.count
            # Keep the shape of England: a few regions, some counties, many districts.
            if len(self.parents[Tier.REGIONAL]) < 9 and n % 50 == 1:
                self.add(f"region-{n}", Tier.REGIONAL, "england")
            elif len(self.parents[Tier.COUNTY]) < max(1, n // 12) and self.parents[Tier.REGIONAL]:
                regions = self.parents[Tier.REGIONAL]
                self.add(f"county-{n}", Tier.COUNTY, regions[n % len(regions)])
            elif self.parents[Tier.COUNTY]:
                counties = self.parents[Tier.COUNTY]
                self.add(f"district-{n}", Tier.DISTRICT, counties[n % len(counties)])
            else:
                self.add(f"region-{n}", Tier.REGIONAL, "england")
