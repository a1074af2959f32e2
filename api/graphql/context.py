"""The per-request context: who is asking, the read pool, the services, fresh dataloaders."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from typing import Any

import asyncpg
from strawberry.dataloader import DataLoader
from strawberry.litestar import BaseContext

from api.freshness import ReadModelWaiter
from api.reading import RequestReads
from api.standby import Standby
from domain.actors import Actor
from projections import (
    amendment_proposals,
    annual_reviews,
    codes_of_practice,
    compact_text,
    consultations,
    disputes,
    funding_notices,
    register_of_parties,
    steering_group,
    tenant_directory,
)
from projections.amendment_proposals import ProposalRow
from projections.annual_reviews import ReviewRow
from projections.codes_of_practice import CodeRow
from projections.compact_text import CommitmentRow, CompactRow, VersionRow
from projections.consultations import ConsultationRow
from projections.disputes import DisputeRow, ReferralRow
from projections.funding_notices import NoticeRow
from projections.register_of_parties import ChampionRow, ContactRow, PartyRow
from projections.steering_group import TermRow
from projections.tenant_directory import TenantRow
from services.audit import AuditService
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.steering_group import SteeringGroupService
from services.tenants import TenantService
from services.webhooks import WebhookService


@dataclass
class Services:
    """What the API needs that lives as long as the process."""

    pool: asyncpg.Pool
    waiter: ReadModelWaiter
    tenants: TenantService
    compacts: CompactService
    codes: CodeService
    steering: SteeringGroupService
    disputes: DisputeService
    consultations: ConsultationService
    notices: FundingNoticeService
    audit: AuditService
    webhooks: WebhookService
    read_your_writes_timeout: float
    # The streaming standby the reads use, when DATABASE_READ_URL names one.
    standby: Standby | None = None


# A tenant, the date a fact is in force on, and the moment of recording the answer reflects.
Moment = tuple[str, date, datetime]


class Loaders:
    """Dataloaders live for one request, so nothing is cached across callers.

    Their types are annotations, not subscripts: `DataLoader[K, V](...)` builds a generic alias at run
    time, and twenty of those per request showed in a profile of the lookup.
    """

    def __init__(self, reads: RequestReads, actor: Actor) -> None:
        self.reads = reads
        self.actor = actor

    # Each made when a resolver first asks for it: a lookup uses two of the nineteen, and making all of
    # them for every request showed in its profile.
    @cached_property
    def tenant(self) -> DataLoader[str, TenantRow | None]:
        return DataLoader(self._tenants)

    @cached_property
    def children(self) -> DataLoader[str, list[TenantRow]]:
        return DataLoader(self._children)

    # Keyed by (tenant, in force on, as recorded at): one query per distinct moment, however many
    # tenants are asked for.
    @cached_property
    def compact(self) -> DataLoader[Moment, CompactRow | None]:
        return DataLoader(self._compacts)

    @cached_property
    def parties(self) -> DataLoader[Moment, list[PartyRow]]:
        return DataLoader(self._parties)

    @cached_property
    def champions(self) -> DataLoader[Moment, list[ChampionRow]]:
        return DataLoader(self._champions)

    @cached_property
    def codes(self) -> DataLoader[Moment, list[CodeRow]]:
        return DataLoader(self._codes)

    @cached_property
    def steering(self) -> DataLoader[tuple[str, date], list[TermRow]]:
        return DataLoader(self._steering)

    @cached_property
    def proposals(self) -> DataLoader[str, list[ProposalRow]]:
        return DataLoader(self._per_tenant(amendment_proposals.proposals_of))

    @cached_property
    def reviews(self) -> DataLoader[str, list[ReviewRow]]:
        return DataLoader(self._per_tenant(annual_reviews.reviews_of))

    @cached_property
    def versions(self) -> DataLoader[str, list[VersionRow]]:
        return DataLoader(self._per_tenant(compact_text.versions_of))

    @cached_property
    def contacts(self) -> DataLoader[str, dict[str, ContactRow]]:
        return DataLoader(self._contacts)

    @cached_property
    def drafts(self) -> DataLoader[Moment, CompactRow | None]:
        return DataLoader(self._drafts)

    # Commitments by (tenant, version, key): those records were judged by when they were made.
    @cached_property
    def commitment(self) -> DataLoader[tuple[str, int, str], CommitmentRow | None]:
        return DataLoader(self._commitments)

    @cached_property
    def referrals(self) -> DataLoader[str, list[ReferralRow]]:
        return DataLoader(self._per_tenant(disputes.referrals_of))

    # Row-level security leaves these empty for readers who are not the tenant's members.
    @cached_property
    def disputes(self) -> DataLoader[str, list[DisputeRow]]:
        return DataLoader(self._per_tenant(disputes.disputes_of))

    @cached_property
    def consultations(self) -> DataLoader[str, list[ConsultationRow]]:
        return DataLoader(self._per_tenant(consultations.consultations_of))

    @cached_property
    def notices(self) -> DataLoader[str, list[NoticeRow]]:
        return DataLoader(self._per_tenant(funding_notices.notices_of))

    def _per_tenant(self, fetch: Any) -> Any:
        """A batch function answering every tenant asked for in one query."""

        async def load(tenants: list[str]) -> list[Any]:
            async with self.reads.read() as conn:
                found = await fetch(conn, tenants)
            return [found[t] for t in tenants]

        return load

    async def _by_date(self, keys: list[tuple[Any, ...]], fetch: Any, default: Any) -> list[Any]:
        """Keys are (tenant, date) or (tenant, date, recorded at): one query per distinct moment."""
        found: dict[tuple[Any, ...], Any] = {}
        async with self.reads.read() as conn:
            for when in {k[1:] for k in keys}:
                tenants = sorted({k[0] for k in keys if k[1:] == when})
                for tenant, value in (await fetch(conn, tenants, *when)).items():
                    found[(tenant, *when)] = value
        return [found.get(k, default) for k in keys]

    async def _compacts(self, keys: list[Moment]) -> list[CompactRow | None]:
        return await self._by_date(keys, compact_text.compacts_in_force, None)

    async def _commitments(self, keys: list[tuple[str, int, str]]) -> list[CommitmentRow | None]:
        async with self.reads.read() as conn:
            found = await compact_text.commitments_by_key(conn, keys)
        return [found.get(k) for k in keys]

    async def _drafts(self, keys: list[Moment]) -> list[CompactRow | None]:
        return await self._by_date(keys, compact_text.drafts_on, None)

    async def _parties(self, keys: list[Moment]) -> list[list[PartyRow]]:
        return await self._by_date(keys, register_of_parties.parties_on, [])

    async def _champions(self, keys: list[Moment]) -> list[list[ChampionRow]]:
        return await self._by_date(keys, register_of_parties.champions_on, [])

    async def _contacts(self, tenants: list[str]) -> list[dict[str, ContactRow]]:
        async with self.reads.read() as conn:
            found = await register_of_parties.contacts_of(conn, tenants)
        return [found[t] for t in tenants]

    async def _steering(self, keys: list[tuple[str, date]]) -> list[list[TermRow]]:
        return await self._by_date(keys, steering_group.terms_on, [])

    async def _codes(self, keys: list[Moment]) -> list[list[CodeRow]]:
        return await self._by_date(keys, codes_of_practice.codes_on, [])

    async def _tenants(self, slugs: list[str]) -> list[TenantRow | None]:
        async with self.reads.read() as conn:
            found = await tenant_directory.tenants_by_slug(conn, slugs)
        return [found.get(s) for s in slugs]

    async def _children(self, slugs: list[str]) -> list[list[TenantRow]]:
        async with self.reads.read() as conn:
            found = await tenant_directory.children_of(conn, slugs)
        return [found[s] for s in slugs]


class Context(BaseContext, kw_only=True):
    """Built per request by the GraphQL route; resolvers read it from `info.context`."""

    actor: Actor
    services: Services
    loaders: Loaders

    def read(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        """The request's read-only transaction, in which row-level security knows who is asking."""
        return self.loaders.reads.read()
