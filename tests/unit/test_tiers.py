"""The tier rules and the checks on a tenant's slug and name."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from domain.tenancy import Tenant, Tier, check_name, check_parent_tier, check_slug, new_tenant, tenant_id


@pytest.mark.parametrize(
    ("tier", "parent"),
    [
        (Tier.NATIONAL, None),
        (Tier.REGIONAL, Tier.NATIONAL),
        (Tier.COUNTY, Tier.REGIONAL),
        (Tier.COUNTY, Tier.NATIONAL),
        (Tier.DISTRICT, Tier.COUNTY),
        (Tier.DISTRICT, Tier.REGIONAL),
    ],
)
def test_accepts_every_placement_the_contract_allows(tier: Tier, parent: Tier | None) -> None:
    check_parent_tier(tier, parent)


@pytest.mark.parametrize(
    ("tier", "parent", "says"),
    [
        (Tier.NATIONAL, Tier.NATIONAL, "has no parent"),
        (Tier.REGIONAL, None, "needs a parent of tier NATIONAL"),
        (Tier.REGIONAL, Tier.COUNTY, "cannot sit under a COUNTY"),
        (Tier.COUNTY, Tier.DISTRICT, "must be NATIONAL or REGIONAL"),
        (Tier.COUNTY, None, "needs a parent"),
        (Tier.DISTRICT, Tier.NATIONAL, "must be COUNTY or REGIONAL"),
        (Tier.DISTRICT, Tier.DISTRICT, "cannot sit under a DISTRICT"),
    ],
)
def test_refuses_every_other_placement_with_the_rule(tier: Tier, parent: Tier | None, says: str) -> None:
    with pytest.raises(InvalidInput, match=says):
        check_parent_tier(tier, parent)


@pytest.mark.parametrize("slug", ["ab", "harlow", "east-of-england", "a" + "b" * 62, "h2"])
def test_accepts_well_formed_slugs(slug: str) -> None:
    assert check_slug(slug) == slug


@pytest.mark.parametrize(
    "slug", ["a", "Harlow", "2harlow", "-x", "har low", "a" + "b" * 63, "harlow:x", "", "h_x"]
)
def test_refuses_malformed_slugs_with_the_rule(slug: str) -> None:
    with pytest.raises(InvalidInput, match="2 to 63 characters"):
        check_slug(slug)


def test_name_is_trimmed_and_must_not_be_empty() -> None:
    assert check_name("  Harlow   District \n") == "Harlow District"
    with pytest.raises(InvalidInput, match="empty"):
        check_name("   ")
    with pytest.raises(InvalidInput, match="longer than"):
        check_name("x" * 201)


def test_a_new_tenant_records_one_created_event_with_its_actor() -> None:
    england = new_tenant(slug="england", name="England", tier=Tier.NATIONAL, parent=None, actor="ada")
    london = new_tenant(slug="london", name=" London ", tier=Tier.REGIONAL, parent=england, actor="ada")
    (event,) = london.collect_events()
    assert isinstance(event, Tenant.TenantCreated)
    assert type(event).__name__ == "TenantCreated"
    assert event.originator_id == tenant_id("london") == "london:tenant"
    assert (event.actor, event.name, event.tier, event.parent) == ("ada", "London", "REGIONAL", "england")
    assert event.tenant == "london"


def test_a_tenant_cannot_be_created_under_the_wrong_tier() -> None:
    england = new_tenant(slug="england", name="England", tier=Tier.NATIONAL, parent=None, actor="ada")
    with pytest.raises(InvalidInput):
        new_tenant(slug="harlow", name="Harlow", tier=Tier.DISTRICT, parent=england, actor="ada")
