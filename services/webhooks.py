"""Commands on webhook subscriptions: create one (its secret shown once), delete one."""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from typing import Protocol

from domain.actors import Actor, require_editor
from domain.commands import CreateWebhook, DeleteWebhook
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.events import tenant_of
from domain.webhooks import Webhook, check_events, check_url, webhook_id
from services.ports import PersonalData
from services.registry import UNSTORABLE_TEXT, Recorded, Registry, unstorable

SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret
SECRET_BYTES = 32


class Targets(Protocol):
    """Whether a URL's host may be sent to (infra resolves it): raises InvalidInput when not."""

    def check(self, url: str) -> None: ...


@dataclass(frozen=True)
class CreatedWebhook:
    """A new subscription, with the signing secret that is shown this once and never again."""

    recorded: Recorded
    id: str
    secret: str


def new_secret() -> str:
    """A Standard Webhooks secret: 'whsec_' and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


class WebhookService:
    def __init__(self, registry: Registry, vault: PersonalData, targets: Targets) -> None:
        self.registry = registry
        self.vault = vault
        self.targets = targets

    def create(self, actor: Actor, command: CreateWebhook) -> CreatedWebhook:
        who = require_editor(actor, command.tenant, "create a webhook")
        url = check_url(command.url)
        if unstorable(url):
            raise InvalidInput(UNSTORABLE_TEXT)
        events = check_events(list(command.events))
        if command.include_private and not actor.can_audit(command.tenant):
            raise Forbidden(
                f"Your token does not allow you to read the private events of '{command.tenant}'."
            )
        self.registry.require_tenant(command.tenant)
        self.targets.check(url)
        key = uuid.uuid4().hex
        secret = new_secret()
        # Sealed under a key of the subscription's own (its id): deleting the webhook erases the key, and
        # the history, which members may read, holds only the sealed text.
        sealed = self.vault.seal(webhook_id(command.tenant, key), secret)
        hook = Webhook(
            tenant_slug=command.tenant,
            key=key,
            url=url,
            events=list(events),
            include_private=command.include_private,
            secret=sealed,
            actor=who,
        )
        return CreatedWebhook(self.registry.record(hook), hook.id, secret)

    def delete(self, actor: Actor, command: DeleteWebhook) -> Recorded:
        tenant = tenant_of(command.id)
        require_editor(actor, tenant, "delete a webhook")
        missing = f"There is no webhook '{command.id[:120]}'."
        hook = self.registry.get_or_none(command.id)
        if not isinstance(hook, Webhook) or hook.deleted:
            raise NotFound(missing)
        recorded = self.registry.update(command.id, Webhook, lambda h: h.delete(actor.sub or ""), missing)
        # Its secret goes with it: no later delivery can be signed with it.
        self.vault.erase(command.id)
        return recorded
