"""Auditors' checks, straight from the event store: recompute a tenant's hash chain and compare it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from eventsourcing.utils import get_topic

from domain import clock
from domain.actors import Actor
from domain.compact import Compact, Section
from domain.diff import Version, amendment_history
from domain.errors import Conflict, Forbidden, Unauthenticated
from domain.witness import Witness, witness_id
from infra.chain import (
    BundleManifest,
    Checkpoint,
    StoredFact,
    Verified,
    sign_checkpoint,
    verify,
    write_bundle,
)
from infra.tokens import KeyRing
from services.ports import AuditStore
from services.registry import Registry


def require_auditor(actor: Actor, tenant: str, doing: str) -> None:
    if actor.sub is None:
        raise Unauthenticated(f"Sign in to {doing}: send a token of an auditor or editor of '{tenant}'.")
    if not actor.can_audit(tenant):
        raise Forbidden(f"Only an auditor or editor of '{tenant}', or a platform-admin, may {doing}.")


class AuditService:
    def __init__(self, registry: Registry, store: AuditStore, keys: KeyRing) -> None:
        self.registry = registry
        self.store = store
        self.keys = keys

    def _events(self, tenant: str) -> Iterator[StoredFact]:
        return self.store.stored_events(tenant)

    def _published(self, tenant: str) -> dict[int, str]:
        return self.store.published_hashes(tenant)

    def checkpoints(self, tenant: str) -> list[Checkpoint]:
        return self.store.checkpoints(tenant)

    def tenants(self, actor: Actor) -> list[str]:
        """Every tenant, the longest histories first: what `compacts verify --all` checks."""
        if not actor.is_platform_admin:
            raise Forbidden("Only a platform-admin (or the operator's command line) verifies every tenant.")
        return self.store.tenants()

    def verify_history(self, actor: Actor, tenant: str) -> Verified:
        """Recompute the chain from the event store; compare it with published hashes and checkpoints."""
        require_auditor(actor, tenant, "verify the history")
        self.registry.require_tenant(tenant)
        return self._verify(tenant)

    def verify_public(self, tenant: str) -> Verified:
        """The same recomputation for anyone: its result names positions and hashes, never an event's content,
        as the public checkpoints already do."""
        self.registry.require_tenant(tenant)
        return self._verify(tenant)

    def _verify(self, tenant: str) -> Verified:
        checkpoints = [*self.checkpoints(tenant), *self.witnessed(tenant)]
        return verify(self._events(tenant), self._published(tenant), checkpoints, self.keys.verifying_keys)

    def witnessed(self, tenant: str) -> list[Checkpoint]:
        """The tenant's checkpoints as its parent recorded them, in the parent's own history."""
        parent = self.store.parent_of(tenant)
        if parent is None:
            return []
        found = []
        for stored in self.store.states_of(witness_id(parent)):
            state = json.loads(stored)
            if state.get("child") == tenant:
                found.append(
                    Checkpoint(
                        tenant,
                        int(state["position"]),
                        state["head_hash"],
                        state["signed_at"],
                        state["kid"],
                        state["signature"],
                    )
                )
        return found

    def witness(self, actor: Actor, parent: str) -> list[str]:
        """Record each child's latest checkpoint in the parent's history: a witness one level up."""
        if not actor.can_edit(parent):
            raise Forbidden(f"Only an editor of '{parent}' or a platform-admin may witness its children.")
        self.registry.require_tenant(parent)
        witnessed = []
        for child in self.store.children_of(parent):
            latest = self.checkpoints(child)
            if not latest:
                continue
            newest = max(latest, key=lambda c: c.position)
            existing = self.registry.get_or_none(witness_id(parent))
            if isinstance(existing, Witness) and existing.latest.get(child, 0) >= newest.position:
                continue
            aggregate = (
                existing
                if isinstance(existing, Witness)
                else Witness(tenant_slug=parent, actor=actor.sub or "")
            )
            aggregate.witness(
                child=child,
                position=newest.position,
                head_hash=newest.head_hash,
                signed_at=newest.signed_at,
                kid=newest.kid,
                signature=newest.signature,
                actor=actor.sub or "",
            )
            self.registry.record(aggregate)
            witnessed.append(child)
        return witnessed

    def export(self, actor: Actor, tenant: str, path: Path) -> BundleManifest:
        """Write the tenant's bundle: its events as stored, their published hashes, checkpoints and keys."""
        require_auditor(actor, tenant, "export the history")
        self.registry.require_tenant(tenant)
        published = self._published(tenant)
        events = (
            (fact, published.get(position, "")) for position, fact in enumerate(self._events(tenant), start=1)
        )
        amendments = self._amendments(tenant).encode("utf-8")
        return write_bundle(
            path, tenant, events, self.checkpoints(tenant), self.keys.jwks(), {"amendments.md": amendments}
        )

    def _amendments(self, tenant: str) -> str:
        """What each version of the compact changed, rebuilt from the stored events, for the bundle."""
        published, amended = get_topic(Compact.CompactPublished), get_topic(Compact.CompactAmended)
        versions: list[Version] = []
        title = tenant
        sections: dict[str, Section] = {}
        for fact in self._events(tenant):
            if fact.topic not in (published, amended):
                continue
            state = json.loads(fact.state)
            if fact.topic == published:
                title = state["title"]
                sections = {s["key"]: Section.from_dict(s) for s in state["sections"]}
                number, rationale = 1, None
            else:
                for key in state["removed"]:
                    sections.pop(key, None)
                for s in state["upserted"]:
                    sections[s["key"]] = Section.from_dict(s)  # a replaced section keeps its place
                number, rationale = state["compact_version"], state["rationale"]
            versions.append(Version(number, state["effective_on"], rationale, tuple(sections.values())))
        return amendment_history(title, versions)

    def checkpoint(self, actor: Actor, tenant: str) -> Checkpoint:
        """Sign the tenant's current head, after checking the chain from the event store holds."""
        if not actor.is_platform_admin:
            raise Forbidden("Only a platform-admin (or the operator's command line) makes checkpoints.")
        self.registry.require_tenant(tenant)
        checked = self._verify(tenant)
        if not checked.ok or checked.head_hash is None:
            raise Conflict(
                f"The history of '{tenant}' does not verify (first bad position "
                f"{checked.first_bad_position}); no checkpoint was signed."
            )
        if self.keys.signing_key is None:
            raise Forbidden("This instance has no signing key to sign checkpoints with.")
        signed_at = clock.now().isoformat(timespec="seconds")
        made = sign_checkpoint(
            self.keys.signing_key,
            self.keys.signing_kid,
            tenant,
            checked.checked,
            checked.head_hash,
            signed_at,
        )
        self.store.add_checkpoint(made)
        return made
