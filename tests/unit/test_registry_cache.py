"""Existence answered from the aggregate cache: a tenant this process has loaded needs no round trip."""

from __future__ import annotations

import re

import pytest

from domain.actors import Actor, Role
from domain.commands import CreateTenant
from domain.errors import Conflict
from domain.tenancy import Tier, tenant_id
from infra.event_store import in_memory_env
from services.registry import Registry
from services.tenants import TenantService

ADMIN = Actor(sub="admin@example.org", roles=frozenset({Role.PLATFORM_ADMIN}))
TAKEN = re.escape("The slug 'essex' is already taken by another tenant; choose another.")


def cached_registry() -> Registry:
    return Registry({**in_memory_env(), "AGGREGATE_CACHE_MAXSIZE": "10", "AGGREGATE_CACHE_FASTFORWARD": "y"})


def refuse_store_questions(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on, any read or write of the store fails the test."""

    def asked(*_: object, **__: object) -> None:
        raise AssertionError("the event store was asked")

    monkeypatch.setattr(registry.recorder, "select_events", asked)
    monkeypatch.setattr(registry.recorder, "insert_events", asked)


def test_a_loaded_tenant_is_known_to_exist_without_asking_the_store(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = cached_registry()
    TenantService(registry).create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.NATIONAL))
    assert not registry.known(tenant_id("essex"))  # written, never loaded: the cache does not hold it
    assert registry.get_or_none(tenant_id("essex")) is not None
    refuse_store_questions(registry, monkeypatch)
    assert registry.known(tenant_id("essex"))
    assert registry.exists(tenant_id("essex"))
    assert registry.require_tenant("essex") == "essex"


def test_creating_a_tenant_the_cache_holds_is_refused_before_any_event_is_written(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = cached_registry()
    tenants = TenantService(registry)
    tenants.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.NATIONAL))
    registry.get_or_none(tenant_id("essex"))
    refuse_store_questions(registry, monkeypatch)
    with pytest.raises(Conflict, match=TAKEN):
        tenants.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex again", tier=Tier.NATIONAL))


def test_creating_a_tenant_the_cache_does_not_hold_is_refused_by_the_store_with_the_same_message() -> None:
    registry = Registry.in_memory()
    tenants = TenantService(registry)
    tenants.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex", tier=Tier.NATIONAL))
    with pytest.raises(Conflict, match=TAKEN):
        tenants.create_tenant(ADMIN, CreateTenant(slug="essex", name="Essex again", tier=Tier.NATIONAL))
    assert len(registry.recorder.select_events(tenant_id("essex"))) == 1
