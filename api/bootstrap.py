"""The one place that wires the services to infra's adapters: which adapter fills which port."""

from __future__ import annotations

from dataclasses import dataclass

from infra.audit_store import PostgresAuditStore
from infra.event_store import datastore_of
from infra.personal import KeyVault
from infra.tokens import KeyRing
from services.audit import AuditService
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.importer import ImportService
from services.registry import Registry
from services.steering_group import SteeringGroupService
from services.tenants import TenantService


def vault_of(registry: Registry) -> KeyVault:
    """The per-person keys, kept beside the event store and reached through its pool."""
    return KeyVault(datastore_of(registry))


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
