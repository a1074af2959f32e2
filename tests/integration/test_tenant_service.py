"""Creating tenants through the service on the real event store: rules, errors, nothing stored on refusal."""

from __future__ import annotations

import threading

import pytest

from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from domain.tenancy import Tenant, Tier, tenant_id
from infra.database import Database
from services.registry import Registry
from services.tenants import TenantService
from tests.conftest import count_events

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))
EDITOR = Actor(sub="ed@example.org", roles=frozenset({Role.EDITOR}), tenants=frozenset({"england"}))


@pytest.fixture
def service(clean_db: Database, registry: Registry) -> TenantService:
    return TenantService(registry)


def test_creates_a_national_tenant_and_a_regional_child(service: TenantService, registry: Registry) -> None:
    first = service.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    second = service.create_tenant(
        ADMIN, CreateTenant(slug="london", name="London", tier=Tier.REGIONAL, parent="england")
    )
    assert second.notification_id > first.notification_id
    london: object = registry.repository.get(tenant_id("london"))
    assert isinstance(london, Tenant)
    assert (london.slug, london.tier, london.parent) == ("london", Tier.REGIONAL, "england")


@pytest.mark.parametrize(
    ("actor", "error"),
    [(Actor(sub=None), Unauthenticated), (EDITOR, Forbidden)],
)
def test_only_a_platform_admin_may_create_tenants(
    service: TenantService, clean_db: Database, actor: Actor, error: type[DomainError]
) -> None:
    with pytest.raises(error):
        service.create_tenant(actor, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    assert count_events(clean_db) == 0


def test_refusals_name_the_problem_and_store_nothing(service: TenantService, clean_db: Database) -> None:
    service.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
    before = count_events(clean_db)
    cases: list[tuple[dict[str, object], type[DomainError], str]] = [
        ({"slug": "england", "tier": Tier.NATIONAL, "parent": None}, Conflict, "already taken"),
        ({"slug": "Bad Slug", "tier": Tier.NATIONAL, "parent": None}, InvalidInput, "not a valid slug"),
        ({"slug": "essex", "tier": Tier.COUNTY, "parent": "nowhere"}, NotFound, "no tenant 'nowhere'"),
        ({"slug": "harlow", "tier": Tier.DISTRICT, "parent": "england"}, InvalidInput, "cannot sit under"),
        ({"slug": "london", "tier": Tier.REGIONAL, "parent": None}, InvalidInput, "needs a parent"),
    ]
    for args, error, says in cases:
        with pytest.raises(error, match=says):
            service.create_tenant(ADMIN, CreateTenant(name="A name", **args))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="empty"):
        service.create_tenant(ADMIN, CreateTenant(slug="wales", name="  ", tier=Tier.NATIONAL))
    assert count_events(clean_db) == before


def test_concurrent_creations_of_one_slug_store_exactly_one(
    service: TenantService, clean_db: Database
) -> None:
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def create() -> None:
        barrier.wait()
        try:
            service.create_tenant(ADMIN, CreateTenant(slug="england", name="England", tier=Tier.NATIONAL))
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 5 + ["created"]
    assert count_events(clean_db) == 1


@pytest.mark.parametrize("text", ["Harlow\x00", "Harlow\ud800"])
def test_text_postgresql_cannot_store_is_refused_and_stores_nothing(
    service: TenantService, registry: Registry, clean_db: Database, text: str
) -> None:
    # Stored, such an event would stop every read model at it; asked about, PostgreSQL would fail.
    with pytest.raises(InvalidInput, match="U\\+0000"):
        service.create_tenant(ADMIN, CreateTenant(slug="harlow", name=text, tier=Tier.NATIONAL))
    assert count_events(clean_db) == 0
    assert registry.get_or_none(tenant_id(text)) is None
    assert not registry.exists(tenant_id(text))
