"""Two processes' aggregate caches over one event store: each load catches up on the other's events."""

from __future__ import annotations

from datetime import date

import pytest

from api.bootstrap import vault_of
from domain.actors import Actor, Role
from domain.commands import CreateTenant, PublishCompact, SignCompact
from domain.compact import Section
from domain.errors import Conflict
from domain.register import Register, Sector, register_id
from domain.tenancy import Tier
from infra.database import Database
from services.compacts import CompactService
from services.registry import Registry
from services.tenants import TenantService
from tests.support import rows, run_threads

ADMIN = Actor(sub="admin", roles=frozenset({Role.PLATFORM_ADMIN}))


def test_cached_aggregates_catch_up_on_another_writers_events(
    clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPACTS_AGGREGATE_CACHE", "100")
    first, second = Registry.connect(clean_db), Registry.connect(clean_db)
    try:
        assert first.repository.cache is not None
        TenantService(first).create_tenant(
            ADMIN, CreateTenant(slug="harrow", name="Harrow", tier=Tier.NATIONAL)
        )
        one, two = CompactService(first, vault_of(first)), CompactService(second, vault_of(second))
        one.publish(ADMIN, PublishCompact(
            tenant="harrow", title="C", effective_on=date(2009, 4, 1),
            sections=(Section("1", "Funding", "Notice.", ("funding",)),),
        ))  # fmt: skip
        for service, party in ((one, "Council"), (two, "CVS"), (one, "Police"), (two, "Trust")):
            service.sign(
                ADMIN,
                SignCompact(
                    tenant="harrow", party=party, sector=Sector.STATUTORY, signed_on=date(2009, 5, 1)
                ),
            )
        # Each process's cached register has caught up on the other's signatures.
        with pytest.raises(Conflict, match="already"):
            one.sign(
                ADMIN,
                SignCompact(
                    tenant="harrow", party="CVS", sector=Sector.STATUTORY, signed_on=date(2009, 6, 1)
                ),
            )
        with pytest.raises(Conflict, match="already"):
            two.sign(
                ADMIN,
                SignCompact(
                    tenant="harrow", party="Police", sector=Sector.STATUTORY, signed_on=date(2009, 6, 1)
                ),
            )
        for registry in (first, second):
            register: object = registry.repository.get(register_id("harrow"))
            assert isinstance(register, Register)
            assert sorted(m.name for m in register.memberships.values()) == [
                "CVS",
                "Council",
                "Police",
                "Trust",
            ]
        versions = rows(
            clean_db,
            "SELECT originator_version FROM registry_events WHERE originator_id = 'harrow:register' ORDER BY 1",
        )
        assert [v for (v,) in versions] == list(range(1, 6))
    finally:
        first.close()
        second.close()


def test_threads_loading_one_cached_aggregate_at_once_each_get_a_whole_copy(
    clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPACTS_AGGREGATE_CACHE", "100")
    registry = Registry.connect(clean_db)
    try:
        TenantService(registry).create_tenant(
            ADMIN, CreateTenant(slug="harrow", name="Harrow", tier=Tier.NATIONAL)
        )
        compacts = CompactService(registry, vault_of(registry))
        compacts.publish(ADMIN, PublishCompact(
            tenant="harrow", title="C", effective_on=date(2009, 4, 1),
            sections=(Section("1", "Funding", "Notice.", ("funding",)),),
        ))  # fmt: skip
        failures: list[BaseException] = []

        def sign(caller: int) -> None:
            for n in range(15):
                try:
                    compacts.sign(ADMIN, SignCompact(
                        tenant="harrow", party=f"Party {caller}-{n}", sector=Sector.STATUTORY,
                        signed_on=date(2009, 5, 1),
                    ))  # fmt: skip
                except Conflict:
                    pass  # a race lost for seconds on end is an answer the caller can retry
                except BaseException as error:  # anything else is the failure under test
                    failures.append(error)

        run_threads(sign, 8)
        assert failures == []
        register: object = registry.repository.get(register_id("harrow"))
        assert isinstance(register, Register)
        stored = rows(clean_db, "SELECT count(*) FROM registry_events WHERE topic LIKE '%PartySigned'")
        assert stored == [(len(register.memberships),)]
    finally:
        registry.close()


def test_two_processes_signing_one_register_at_once_all_succeed(
    clean_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two registries stand for two API processes: each has its own cache and its own connections.
    monkeypatch.setenv("COMPACTS_AGGREGATE_CACHE", "100")
    registries = [Registry.connect(clean_db), Registry.connect(clean_db)]
    try:
        TenantService(registries[0]).create_tenant(
            ADMIN, CreateTenant(slug="harrow", name="Harrow", tier=Tier.NATIONAL)
        )
        services = [CompactService(r, vault_of(r)) for r in registries]
        services[0].publish(ADMIN, PublishCompact(
            tenant="harrow", title="C", effective_on=date(2009, 4, 1),
            sections=(Section("1", "Funding", "Notice.", ("funding",)),),
        ))  # fmt: skip
        failures: list[BaseException] = []

        def sign(caller: int) -> None:
            for n in range(10):
                try:
                    services[caller % 2].sign(ADMIN, SignCompact(
                        tenant="harrow", party=f"Party {caller}-{n}",
                        sector=Sector.STATUTORY, signed_on=date(2009, 5, 1),
                    ))  # fmt: skip
                except BaseException as error:  # a lost race that was not retried shows up as Conflict here
                    failures.append(error)

        run_threads(sign, 8)
        assert failures == []
        stored = rows(clean_db, "SELECT count(*) FROM registry_events WHERE topic LIKE '%PartySigned'")
        assert stored == [(80,)]
    finally:
        for registry in registries:
            registry.close()
