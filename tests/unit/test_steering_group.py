"""The steering group: roles, successions and the rules around them."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import Conflict, InvalidInput, NotFound
from domain.steering_group import SteeringGroup, SteeringRole


def group() -> SteeringGroup:
    return SteeringGroup(tenant_slug="havering", actor="ed")


def test_a_new_chair_succeeds_the_last_and_members_accumulate() -> None:
    g = group()
    g.assign(
        role=SteeringRole.CHAIR, holder="Ann", party="HAVCO", code=None, since=date(2009, 1, 1), actor="ed"
    )
    g.assign(role=SteeringRole.MEMBER, holder="Bo", party=None, code=None, since=date(2009, 1, 1), actor="ed")
    g.assign(role=SteeringRole.MEMBER, holder="Cy", party=None, code=None, since=date(2009, 1, 1), actor="ed")
    g.assign(role=SteeringRole.CHAIR, holder="Dee", party=None, code=None, since=date(2010, 1, 1), actor="ed")
    held = sorted((p.role.value, p.holder) for p in g.posts.values())
    assert held == [("CHAIR", "Dee"), ("MEMBER", "Bo"), ("MEMBER", "Cy")]
    names = [type(e).__name__ for e in g.collect_events()]
    assert names[-2:] == ["SteeringRoleEnded", "SteeringRoleAssigned"]


def test_steering_rules() -> None:
    g = group()
    g.assign(role=SteeringRole.CHAIR, holder="Ann", party=None, code=None, since=date(2009, 1, 1), actor="ed")
    with pytest.raises(Conflict, match="already holds"):
        g.assign(
            role=SteeringRole.CHAIR, holder="ann", party=None, code=None, since=date(2009, 2, 1), actor="ed"
        )
    with pytest.raises(InvalidInput, match="before that"):
        g.assign(
            role=SteeringRole.CHAIR, holder="Bo", party=None, code=None, since=date(2008, 1, 1), actor="ed"
        )
    with pytest.raises(InvalidInput, match="code's key"):
        g.assign(
            role=SteeringRole.CODE_LEAD,
            holder="Bo",
            party=None,
            code=None,
            since=date(2009, 1, 1),
            actor="ed",
        )
    with pytest.raises(InvalidInput, match="Only a code lead"):
        g.assign(
            role=SteeringRole.MEMBER,
            holder="Bo",
            party=None,
            code="funding",
            since=date(2009, 1, 1),
            actor="ed",
        )
    with pytest.raises(NotFound, match="does not hold"):
        g.end(role=SteeringRole.MEMBER, holder="Zed", code=None, on=date(2010, 1, 1), actor="ed")
    with pytest.raises(InvalidInput, match="cannot end before"):
        g.end(role=SteeringRole.CHAIR, holder="Ann", code=None, on=date(2008, 1, 1), actor="ed")
    g.end(role=SteeringRole.CHAIR, holder="Ann", code=None, on=date(2010, 1, 1), actor="ed")
    assert g.posts == {}
