"""Every command the registry takes, one frozen dataclass each: what a caller intends, before any rule.

A command is built where a request arrives (a GraphQL mutation, the command line, the demo) and handed
whole to the service that carries it out, so a reader and mypy can follow each argument from the request
to the event. The names are imperative; the events they may record are past-tense facts (`SignCompact`
records `PartySigned`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain.commitments import DisputeStage
from domain.compact import ProjectLessons, Section
from domain.consultations import ShortPeriodReason
from domain.funding_notices import FundingChange
from domain.register import BodyKind, Contact, Sector
from domain.steering_group import SteeringRole
from domain.tenancy import Tier

# Tenants


@dataclass(frozen=True)
class CreateTenant:
    slug: str
    name: str
    tier: Tier
    parent: str | None = None


# The compact's text


@dataclass(frozen=True)
class PublishCompact:
    tenant: str
    title: str
    effective_on: date
    sections: tuple[Section, ...]
    draft: bool = False
    consultation_closes_on: date | None = None


@dataclass(frozen=True)
class AdoptCompact:
    tenant: str
    adopted_on: date


@dataclass(frozen=True)
class AmendCompact:
    tenant: str
    effective_on: date
    rationale: str
    upsert: tuple[Section, ...] = ()
    remove: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProposeAmendment:
    tenant: str
    key: str
    effective_on: date
    rationale: str
    proposed_on: date
    upsert: tuple[Section, ...] = ()
    remove: tuple[str, ...] = ()
    consultation_closes_on: date | None = None


@dataclass(frozen=True)
class AdoptAmendment:
    tenant: str
    key: str
    adopted_on: date


@dataclass(frozen=True)
class RejectAmendment:
    tenant: str
    key: str
    on: date
    reason: str


@dataclass(frozen=True)
class HoldAnnualReview:
    tenant: str
    held_on: date
    achievements: tuple[str, ...] = ()
    aspirations: tuple[str, ...] = ()
    issues: tuple[str, ...] = ()
    amendments: tuple[str, ...] = ()
    projects: tuple[ProjectLessons, ...] = ()


# The Register of Parties and its champions


@dataclass(frozen=True)
class SignCompact:
    tenant: str
    party: str
    sector: Sector
    signed_on: date
    kind: BodyKind | None = None
    contact: Contact | None = None


@dataclass(frozen=True)
class WithdrawParty:
    tenant: str
    party: str
    on: date
    reason: str


@dataclass(frozen=True)
class RecordPartyContact:
    tenant: str
    party: str
    contact: Contact


@dataclass(frozen=True)
class AppointChampion:
    tenant: str
    party: str
    name: str
    appointed_on: date
    role: str | None = None


@dataclass(frozen=True)
class StandDownChampion:
    tenant: str
    party: str
    on: date
    role: str | None = None


@dataclass(frozen=True)
class ReferPartyToBoard:
    tenant: str
    party: str
    on: date
    finding: str
    dispute: str | None = None


@dataclass(frozen=True)
class EraseDataSubject:
    subject: str


# Codes of Good Practice


@dataclass(frozen=True)
class DraftCode:
    tenant: str
    key: str
    title: str
    drafted_on: date
    matters: tuple[str, ...] = ()
    lead: str | None = None


@dataclass(frozen=True)
class AdoptCode:
    tenant: str
    key: str
    title: str
    adopted_on: date
    # No default: adopting a drafted code replaces its matters with these, so none must be said outright.
    matters: tuple[str, ...]


@dataclass(frozen=True)
class ReviewCode:
    tenant: str
    key: str
    reviewed_on: date
    next_review_due: date | None = None
    notes: str = ""


@dataclass(frozen=True)
class MergeCode:
    tenant: str
    key: str
    into: str
    on: date


@dataclass(frozen=True)
class WithdrawCode:
    tenant: str
    key: str
    on: date
    reason: str


@dataclass(frozen=True)
class EndorseCode:
    tenant: str
    key: str
    party: str
    on: date


# The steering group


@dataclass(frozen=True)
class AssignSteeringRole:
    tenant: str
    role: SteeringRole
    holder: str
    since: date
    party: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class EndSteeringRole:
    tenant: str
    role: SteeringRole
    holder: str
    on: date
    code: str | None = None


# Disputes


@dataclass(frozen=True)
class RaiseDispute:
    tenant: str
    key: str
    raised_by: str
    against: str
    commitment: str
    summary: str
    raised_on: date


@dataclass(frozen=True)
class EscalateDispute:
    tenant: str
    key: str
    to: DisputeStage
    on: date
    handled_by: str
    reason: str


@dataclass(frozen=True)
class ResolveDispute:
    tenant: str
    key: str
    on: date
    outcome: str


@dataclass(frozen=True)
class WithdrawDispute:
    tenant: str
    key: str
    on: date
    outcome: str


# Consultations and funding notices


@dataclass(frozen=True)
class OpenConsultation:
    tenant: str
    key: str
    title: str
    consulted: tuple[str, ...]
    opens_on: date
    closes_on: date
    short_reason: ShortPeriodReason | None = None
    short_explanation: str | None = None
    uniform_at: Tier | None = None


@dataclass(frozen=True)
class RecordConsultationResponse:
    tenant: str
    key: str
    respondent: str
    received_on: date
    summary: str


@dataclass(frozen=True)
class CloseConsultation:
    tenant: str
    key: str
    on: date


@dataclass(frozen=True)
class ExplainShortConsultation:
    tenant: str
    key: str
    reason: ShortPeriodReason
    explanation: str


@dataclass(frozen=True)
class PublishConsultationFeedback:
    tenant: str
    key: str
    on: date
    feedback: str


@dataclass(frozen=True)
class GiveFundingNotice:
    tenant: str
    key: str
    public_body: str
    voluntary_body: str
    change: FundingChange
    given_on: date
    effective_on: date
    rationale: str
    exceptional_circumstances: str | None = None
    uniform_at: Tier | None = None


@dataclass(frozen=True)
class RecordExceptionalCircumstances:
    tenant: str
    key: str
    circumstances: str


# Webhooks


@dataclass(frozen=True)
class CreateWebhook:
    tenant: str
    url: str
    events: tuple[str, ...]
    include_private: bool = False


@dataclass(frozen=True)
class DeleteWebhook:
    id: str
