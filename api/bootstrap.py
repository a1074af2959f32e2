"""The one place that wires the services to infra's adapters: which adapter fills which port."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from infra.audit_store import PostgresAuditStore
from infra.database import Database
from infra.event_store import datastore_of
from infra.personal import KeyVault
from infra.settings import Settings
from infra.tokens import KeyRing
from infra.webhook_sender import Sender
from infra.webhook_targets import PublicTargets
from projections.webhook_delivery import DeliveryWorker
from services.audit import AuditService
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.importer import ImportService
from services.registry import Registry
from services.steering_group import SteeringGroupService
from services.tenants import TenantService
from services.webhooks import WebhookService


def vault_of(registry: Registry) -> KeyVault:
    """The per-person keys, kept beside the event store and reached through its pool."""
    return KeyVault(datastore_of(registry))


def webhook_service_of(registry: Registry, settings: Settings) -> WebhookService:
    """Webhooks, their secrets sealed in the vault, their hosts checked as the operator allows."""
    return WebhookService(
        registry, vault_of(registry), PublicTargets(allow_private=settings.webhook_allow_private)
    )


def delivery_worker_of(db: Database, settings: Settings) -> DeliveryWorker:
    """The webhook delivery worker, sending only where the operator allows, retrying as configured."""
    sender = Sender(PublicTargets(allow_private=settings.webhook_allow_private))
    return DeliveryWorker(db, sender, timedelta(seconds=settings.webhook_retry_seconds))


def audit_store_of(registry: Registry) -> PostgresAuditStore:
    return PostgresAuditStore(datastore_of(registry))


@dataclass(frozen=True)
class Commands:
    """Every service an entry point calls, on one registry, each wired to its adapters."""

    registry: Registry
    tenants: TenantService
    compacts: CompactService
    codes: CodeService
    steering: SteeringGroupService
    disputes: DisputeService
    consultations: ConsultationService
    notices: FundingNoticeService
    importer: ImportService
    audit: AuditService


def commands(registry: Registry, keys: KeyRing) -> Commands:
    compacts = CompactService(registry, vault_of(registry))
    return Commands(
        registry=registry,
        tenants=TenantService(registry),
        compacts=compacts,
        codes=CodeService(registry),
        steering=SteeringGroupService(registry),
        disputes=DisputeService(registry),
        consultations=ConsultationService(registry),
        notices=FundingNoticeService(registry),
        importer=ImportService(registry, compacts),
        audit=AuditService(registry, audit_store_of(registry), keys),
    )
