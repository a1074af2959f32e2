"""Plain English for every value the public site shows: enum members, code changes, dates."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum

from domain.codes import CodeStatus
from domain.commitments import CommitmentKind, DisputeStage, Firmness, PeriodUnit
from domain.consultations import ShortPeriodReason
from domain.disputes import DisputeStatus
from domain.funding_notices import FundingChange
from domain.register import BodyKind, Sector
from domain.steering_group import SteeringRole
from domain.tenancy import Tier

# Keyed by the enum, so that a member added to the domain without a label fails the unit test that walks them.
LABELS: Mapping[type[StrEnum], Mapping[str, str]] = {
    Tier: {
        "NATIONAL": "National",
        "REGIONAL": "Regional",
        "COUNTY": "County",
        "DISTRICT": "District or borough",
    },
    Sector: {
        "STATUTORY": "Statutory sector",
        "VOLUNTARY_COMMUNITY": "Voluntary and community sector",
        "PRIVATE": "Private sector",
    },
    BodyKind: {
        "COUNCIL": "Council",
        "PARISH_OR_TOWN_COUNCIL": "Parish or town council",
        "HEALTH": "Health body",
        "POLICE": "Police",
        "FIRE": "Fire and rescue service",
        "EDUCATION": "Education body",
        "HOUSING": "Housing body",
        "CHARITY": "Charity",
        "COMMUNITY_GROUP": "Community group",
        "FAITH_GROUP": "Faith group",
        "SOCIAL_ENTERPRISE": "Social enterprise",
        "INFRASTRUCTURE_BODY": "Infrastructure body",
        "BUSINESS": "Business",
        "OTHER": "Other body",
    },
    CommitmentKind: {
        "CONSULTATION_PERIOD": "Consultation period",
        "FUNDING_NOTICE": "Notice of funding changes",
        "CHAMPIONS": "Compact Champions",
        "ANNUAL_REVIEW": "Annual review",
        "DISPUTE_PROCESS": "Resolving disputes",
        "CODE_REVIEW": "Reviewing codes of practice",
        "OTHER": "Other undertaking",
    },
    Firmness: {
        "IN_FORCE": "In force",
        "PLANNED": "Planned, not yet in force",
    },
    PeriodUnit: {
        "DAYS": "days",
        "WEEKS": "weeks",
        "MONTHS": "months",
        "YEARS": "years",
    },
    DisputeStage: {
        "BETWEEN_PARTIES": "Between the parties",
        "INVESTIGATION": "Investigation",
        "MEDIATION": "Mediation",
    },
    DisputeStatus: {
        "OPEN": "Open",
        "RESOLVED": "Resolved",
        "WITHDRAWN": "Withdrawn",
    },
    CodeStatus: {
        "IN_DEVELOPMENT": "In development",
        "ADOPTED": "Adopted",
        "WITHDRAWN": "Withdrawn",
        "SUPERSEDED": "Merged into another code",
    },
    ShortPeriodReason: {
        "URGENCY": "Urgency",
        "SENSITIVITY": "Sensitivity",
        "CONFIDENTIALITY": "Confidentiality",
    },
    FundingChange: {
        "REDUCED": "Funding reduced",
        "ENDED": "Funding ended",
        "CHANGED": "Funding changed",
    },
    SteeringRole: {
        "CHAIR": "Chair",
        "VICE_CHAIR": "Vice-chair",
        "SECRETARY": "Secretary",
        "ADMINISTRATION": "Administration",
        "CODE_LEAD": "Code lead",
        "MEMBER": "Member",
    },
}

# English month names whatever the process's locale (strftime's %B follows it).
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

# Values the read models spell as text rather than as a domain enum.
COMPACT_STATUS = {"IN_FORCE": "In force", "DRAFT": "Draft out for consultation"}
PROPOSAL_STATUS = {"PROPOSED": "Out for consultation", "ADOPTED": "Adopted", "REJECTED": "Rejected"}
CODE_CHANGES = {
    "DRAFTED": "Drafted",
    "ADOPTED": "Adopted",
    "REVIEWED": "Reviewed",
    "SUPERSEDED": "Merged into another code",
    "WITHDRAWN": "Withdrawn",
}
TEXT_VALUES: Mapping[str, Mapping[str, str]] = {
    "compact_status": COMPACT_STATUS,
    "proposal_status": PROPOSAL_STATUS,
    "code_change": CODE_CHANGES,
}
BY_NAME: Mapping[str, Mapping[str, str]] = {
    **{kind.__name__: values for kind, values in LABELS.items()},
    **TEXT_VALUES,
}


def label(value: object, kind: str) -> str:
    """`VOLUNTARY_COMMUNITY` of `Sector` is "Voluntary and community sector"; an unknown value shows as it is.

    An unknown value can only come from a member added since this module was written, which the unit test
    catches; showing it raw beats a page that fails.
    """
    text = str(value)
    return BY_NAME.get(kind, {}).get(text, text)


def long_date(value: object) -> str:
    """An ISO date (or a date) as people write it in England: "7 March 2010"; anything else as it is."""
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        return "" if value is None else str(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


ISO_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def dates_in_words(text: object) -> str:
    """The API's sentences name dates as 2012-01-01; a page says "1 January 2012"."""
    return ISO_DATE.sub(lambda m: long_date(m.group(1)), "" if text is None else str(text))
