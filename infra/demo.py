"""A demo history around the five seed localities, in the project's own words: `compacts serve --demo`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

from domain.actors import Actor, Role
from domain.commitments import DisputeStage
from domain.compact import ProjectLessons, Section
from domain.document import decode, parse_document
from domain.errors import InvalidInput
from domain.funding_notices import FundingChange
from domain.register import BodyKind, Contact, Sector
from domain.steering_group import SteeringRole
from domain.tenancy import Tier, tenant_id
from services.codes import CodeService
from services.compacts import CompactService
from services.consultations import ConsultationService, FundingNoticeService
from services.disputes import DisputeService
from services.registry import Registry
from services.steering_group import SteeringGroupService
from services.tenants import TenantService

DEMO = Actor(sub="demo@compact-registry.example", roles=frozenset({Role.PLATFORM_ADMIN}))

TIERS: list[tuple[str, str, Tier, str | None]] = [
    ("england", "England", Tier.NATIONAL, None),
    ("london", "London", Tier.REGIONAL, "england"),
    ("east-of-england", "East of England", Tier.REGIONAL, "england"),
    ("essex", "Essex", Tier.COUNTY, "east-of-england"),
    ("hertfordshire", "Hertfordshire", Tier.COUNTY, "east-of-england"),
    ("harlow", "Harlow", Tier.DISTRICT, "essex"),
    ("hertsmere", "Hertsmere", Tier.DISTRICT, "hertfordshire"),
    ("harrow", "Harrow", Tier.DISTRICT, "london"),
    ("havering", "Havering", Tier.DISTRICT, "london"),
]


def s(key: str, heading: str, text: str, *matters: str) -> Section:
    return Section(key, heading, text, matters)


# Summaries written for the demo; the documents themselves can be imported separately.
COMPACTS: dict[str, tuple[str, date, list[Section]]] = {
    "england": ("The national Compact", date(2010, 12, 1), [
        s("1", "Why a compact", "Government and civil society agree how they will work together.", "partnership"),
        s("2", "An independent sector", "Organisations may campaign and challenge, whoever funds them.", "independence"),
        s("3", "Funding", "Fair, transparent funding, with notice before it changes.", "funding", "procurement"),
        s("4", "Consultation", "Consult early, for long enough, and say what changed as a result.", "consultation"),
        s("5", "Equality", "Support organisations serving people who are often left out.", "equality"),
        s("6", "Volunteering", "Value volunteers and the groups that support them.", "volunteering"),
    ]),
    "essex": ("The Compact for Essex", date(2006, 6, 1), [
        s("1", "Purpose", "Public bodies and community groups across the county agree common ground.", "partnership"),
        s("2", "Which compact applies", "The most local compact first; a wider one only where it is silent.", "partnership"),
        s("3", "Compact Champions", "Each signatory names a champion who keeps the compact alive.", "champions"),
        s("4", "Consultation", "Timely consultation, with enough time to gather members' views.", "consultation"),
        s("5", "Disputes", "Disagreements are settled between the parties before going further.", "disputes"),
        s("6", "Monitoring", "A yearly review and report on what was achieved.", "review"),
    ]),
    "harlow": ("The Harlow Compact", date(2004, 1, 14), [
        s("1", "The Harlow approach", "Statutory and voluntary partners strengthen a relationship that already works.", "partnership"),
        s("2", "Shared vision", "An independent, diverse sector, valued volunteers and equal partners.", "independence", "volunteering", "equality"),
        s("3", "Undertakings of statutory partners", "Open funding, early involvement in policy, respect for confidential information.", "funding", "consultation", "confidentiality"),
        s("4", "Undertakings of the sector", "Good governance, quality and listening to users.", "partnership"),
        s("5", "Making it work", "A joint group oversees sign-up and reviews the compact every year.", "review"),
        s("6", "Next steps", "Codes of practice will follow, starting with funding.", "codes"),
    ]),
    "hertsmere": ("The Hertsmere Compact", date(2007, 9, 1), [
        s("1", "Commitments", "A table of what each side commits to and the outcome it expects.", "partnership"),
        s("2", "Funding changes", "At least three months' written notice before funding changes or ends.", "funding"),
        s("3", "Consultation", "Sector views are sought before decisions that affect it.", "consultation"),
    ]),
    "harrow": ("The Harrow Compact 2009", date(2009, 4, 1), [
        s("1", "Status of the Compact", "A register of parties records who has signed.", "partnership"),
        s("2", "Funding", "Clear funding arrangements and timely payments.", "funding"),
        s("3", "Keeping the Compact live", "Complaints go first to the parties, then to the board.", "disputes", "review"),
    ]),
    "havering": ("Compact for Havering", date(2010, 4, 1), [
        s("1", "Disputes", "Three steps: the parties, an investigation, then outside mediation.", "disputes"),
        s("5.1", "Codes of practice", "Codes are developed, adopted and reviewed by the steering group.", "codes"),
        s("5.3", "Compact Champions", "Each organisation names a champion.", "champions"),
        s("5.4", "Annual review", "A yearly review of achievements, aspirations and changes.", "review"),
    ]),
}  # fmt: skip

PARTIES: dict[str, list[tuple[str, Sector, BodyKind, date]]] = {
    "harlow": [
        ("Harlow Council", Sector.STATUTORY, BodyKind.COUNCIL, date(2004, 1, 14)),
        ("Harlow Council for Voluntary Service", Sector.VOLUNTARY_COMMUNITY, BodyKind.INFRASTRUCTURE_BODY, date(2004, 1, 14)),
        ("Essex Police (Harlow district)", Sector.STATUTORY, BodyKind.POLICE, date(2004, 3, 1)),
        ("Harlow Faith Forum", Sector.VOLUNTARY_COMMUNITY, BodyKind.FAITH_GROUP, date(2005, 5, 1)),
    ],
    "essex": [
        ("Essex County Council", Sector.STATUTORY, BodyKind.COUNCIL, date(2006, 6, 1)),
        ("Essex Fire and Rescue", Sector.STATUTORY, BodyKind.FIRE, date(2006, 9, 1)),
    ],
    "harrow": [
        ("Harrow Council", Sector.STATUTORY, BodyKind.COUNCIL, date(2009, 4, 1)),
        ("Harrow Association of Voluntary Service", Sector.VOLUNTARY_COMMUNITY, BodyKind.INFRASTRUCTURE_BODY, date(2009, 4, 1)),
        ("Harrow Primary Care Trust", Sector.STATUTORY, BodyKind.HEALTH, date(2009, 6, 1)),
    ],
    "havering": [
        ("Havering Council", Sector.STATUTORY, BodyKind.COUNCIL, date(2010, 4, 1)),
        ("Havering Association of Voluntary and Community Organisations", Sector.VOLUNTARY_COMMUNITY, BodyKind.INFRASTRUCTURE_BODY, date(2010, 4, 1)),
    ],
    "hertsmere": [
        ("Hertsmere Borough Council", Sector.STATUTORY, BodyKind.COUNCIL, date(2007, 9, 1)),
        ("Community Action Hertsmere", Sector.VOLUNTARY_COMMUNITY, BodyKind.INFRASTRUCTURE_BODY, date(2007, 9, 1)),
    ],
}  # fmt: skip


def documents_in(folder: Path, say: Callable[[str], None]) -> dict[str, tuple[str, list[Section]]]:
    """The compact documents in a folder, by the demo tenant each one's title names."""
    names = {name.casefold(): slug for slug, name, _tier, _parent in TIERS}
    found: dict[str, tuple[str, list[Section]]] = {}
    for path in sorted(p for p in folder.iterdir() if p.suffix.lower() in {".txt", ".md"}):
        if path.name.lower() == "readme.md":
            continue
        try:
            parsed = parse_document(decode(path.read_bytes()))
        except InvalidInput as refused:
            say(f"skipped {path.name}: {refused.message}")
            continue
        words = set(re.findall(r"[a-z]+", parsed.title.casefold()))
        slug = next((slug for name, slug in names.items() if set(name.split()) <= words), None)
        if slug is None or slug not in COMPACTS:
            say(f"skipped {path.name}: its title '{parsed.title}' names no demo locality")
            continue
        found[slug] = (parsed.title, parsed.to_sections())
        say(f"{slug}: {parsed.title} from {path.name}, {len(found[slug][1])} sections")
    return found


def load_demo(
    registry: Registry, say: Callable[[str], None] = lambda _m: None, documents: Path | None = None
) -> bool:
    """Record the demo history; False (and nothing recorded) when the registry already has it.

    With `documents`, the compacts found there replace the demo's own summaries of them.
    """
    if registry.exists(tenant_id("england")):
        return False
    imported = documents_in(documents, say) if documents is not None else {}
    tenants, compacts = TenantService(registry), CompactService(registry)
    codes, steering = CodeService(registry), SteeringGroupService(registry)
    for slug, name, tier, parent in TIERS:
        tenants.create_tenant(DEMO, slug=slug, name=name, tier=tier, parent=parent)
    for slug, (title, on, sections) in COMPACTS.items():
        title, sections = imported.get(slug, (title, sections))
        compacts.publish(DEMO, tenant=slug, title=title, effective_on=on, sections=sections)
        for party, sector, kind, signed in PARTIES.get(slug, []):
            compacts.sign(DEMO, tenant=slug, party=party, sector=sector, kind=kind, signed_on=signed)
    say("tiers, compacts and registers recorded")

    # Harlow: a year of working, an annual review, an amendment, a champion, a party leaving.
    compacts.record_contact(DEMO, tenant="harlow", party="Harlow Council for Voluntary Service",
                            contact=Contact("Demo Contact", "cvs@example.org"))  # fmt: skip
    compacts.appoint_champion(
        DEMO, tenant="harlow", party="Harlow Council", name="A. Champion", appointed_on=date(2004, 6, 1)
    )
    compacts.hold_annual_review(DEMO, tenant="harlow", held_on=date(2005, 1, 20),
                                achievements=["Funding code drafted", "Compact group meeting quarterly"],
                                aspirations=["More faith groups signed up"], issues=["Short consultation periods"],
                                amendments=[])  # fmt: skip
    compacts.propose(DEMO, tenant="harlow", key="review-2005", effective_on=date(2005, 4, 1), rationale="First annual review",
                     upsert=[s("7", "Compact group", "A joint group of both sectors meets four times a year.", "review", "partnership")],
                     remove=[], proposed_on=date(2005, 1, 20), consultation_closes_on=date(2005, 3, 1))  # fmt: skip
    compacts.adopt_proposal(DEMO, tenant="harlow", key="review-2005", adopted_on=date(2005, 3, 15))
    codes.adopt(
        DEMO,
        tenant="harlow",
        key="funding",
        title="Funding Code of Practice",
        matters=["funding"],
        adopted_on=date(2005, 9, 1),
    )
    compacts.withdraw(
        DEMO, tenant="harlow", party="Harlow Faith Forum", on=date(2008, 3, 31), reason="The forum closed"
    )

    # Essex: champions for its signatories.
    compacts.appoint_champion(
        DEMO, tenant="essex", party="Essex County Council", name="B. Champion", appointed_on=date(2006, 7, 1)
    )

    # Havering: codes adopted, one in development, the BME code merged into Equality and Diversity.
    codes.adopt(
        DEMO,
        tenant="havering",
        key="bme",
        title="Black and Minority Ethnic Groups",
        matters=["bme groups"],
        adopted_on=date(2010, 6, 1),
    )
    codes.adopt(
        DEMO,
        tenant="havering",
        key="equality-and-diversity",
        title="Equality and Diversity",
        matters=["diversity"],
        adopted_on=date(2010, 6, 1),
    )
    codes.adopt(
        DEMO,
        tenant="havering",
        key="funding",
        title="Funding",
        matters=["funding"],
        adopted_on=date(2010, 9, 1),
    )
    codes.draft(
        DEMO,
        tenant="havering",
        key="volunteering",
        title="Volunteering",
        matters=["volunteering"],
        lead="HAVCO",
        drafted_on=date(2010, 9, 1),
    )
    codes.merge(DEMO, tenant="havering", key="bme", into="equality-and-diversity", on=date(2011, 6, 1))
    steering.assign(
        DEMO,
        tenant="havering",
        role=SteeringRole.CHAIR,
        holder="C. Chair",
        party="Havering Council",
        code=None,
        since=date(2010, 4, 1),
    )
    steering.assign(
        DEMO,
        tenant="havering",
        role=SteeringRole.CODE_LEAD,
        holder="D. Lead",
        party=None,
        code="funding",
        since=date(2010, 4, 1),
    )
    compacts.appoint_champion(
        DEMO, tenant="havering", party="Havering Council", name="E. Champion", appointed_on=date(2010, 5, 1)
    )
    say("champions, codes, reviews and the steering group recorded")
    _upkeep(registry)
    say("a dispute, a consultation and a funding notice recorded")
    return True


def _upkeep(registry: Registry) -> None:
    """Keeping compacts alive: Havering's consultation, Harrow's dispute, Hertsmere's notice."""
    consultations = ConsultationService(registry)
    consultations.open(
        DEMO, tenant="havering", key="compact-draft-2009", title="Draft Compact for Havering",
        consulted=["Voluntary and community organisations", "Public sector partners"],
        opens_on=date(2009, 12, 7), closes_on=date(2010, 3, 7),
    )  # fmt: skip
    consultations.record_response(
        DEMO, tenant="havering", key="compact-draft-2009", respondent="A residents' association",
        received_on=date(2010, 2, 1), summary="Asks for a named champion in every organisation.",
    )  # fmt: skip
    consultations.close(DEMO, tenant="havering", key="compact-draft-2009", on=date(2010, 3, 7))
    consultations.publish_feedback(
        DEMO, tenant="havering", key="compact-draft-2009", on=date(2010, 3, 20),
        feedback="Champions are now named in section 5.3; the dispute steps were shortened.",
    )  # fmt: skip
    disputes = DisputeService(registry)
    disputes.raise_dispute(
        DEMO, tenant="harrow", key="grant-conditions-2010", raised_by="Harrow Association of Voluntary Service",
        against="Harrow Primary Care Trust", commitment="Funding terms agreed before work starts",
        summary="Conditions were added to a grant after the work had begun.", raised_on=date(2010, 2, 1),
    )  # fmt: skip
    disputes.escalate(
        DEMO, tenant="harrow", key="grant-conditions-2010", to=DisputeStage.INVESTIGATION, on=date(2010, 3, 15),
        handled_by="The council's relationship manager", reason="The parties could not agree.",
    )  # fmt: skip
    disputes.resolve(
        DEMO, tenant="harrow", key="grant-conditions-2010", on=date(2010, 4, 20),
        outcome="The added conditions were dropped and the board noted the lesson.",
    )  # fmt: skip
    FundingNoticeService(registry).give(
        DEMO, tenant="hertsmere", key="day-centre-2009", public_body="Hertsmere Borough Council",
        voluntary_body="A day centre", change=FundingChange.REDUCED, given_on=date(2009, 1, 5),
        effective_on=date(2009, 4, 6), rationale="The grant is moved to a service contract.",
    )  # fmt: skip
    CompactService(registry).hold_annual_review(
        DEMO, tenant="havering", held_on=date(2011, 4, 12), achievements=["Champions named in every partner"],
        aspirations=["A volunteering code adopted"], issues=[], amendments=[],
        projects=(ProjectLessons("The 2010 compact conference", "Many first-time attendees",
                                 "Finding a venue", "Book a year ahead", "Funding for small groups"),),
    )  # fmt: skip
