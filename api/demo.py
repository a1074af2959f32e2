"""The demo: the five seed localities in their tiers, their compacts summarised in the project's own words."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from api.bootstrap import vault_of
from domain.actors import Actor, Role
from domain.commands import (
    AdoptCode,
    AdoptCompact,
    AppointChampion,
    AssignSteeringRole,
    CloseConsultation,
    CreateTenant,
    DraftCode,
    EscalateDispute,
    GiveFundingNotice,
    HoldAnnualReview,
    MergeCode,
    OpenConsultation,
    PublishCompact,
    PublishConsultationFeedback,
    RaiseDispute,
    RecordConsultationResponse,
    ReferPartyToBoard,
    ResolveDispute,
    SignCompact,
)
from domain.commitments import (
    Commitment,
    CommitmentKind,
    DisputeStage,
    DisputeStep,
    Firmness,
    Period,
    PeriodUnit,
)
from domain.compact import ProjectLessons, Section
from domain.document import decode, parse_document
from domain.errors import InvalidInput
from domain.funding_notices import FundingChange
from domain.register import BodyKind, Sector
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

# What the demo chose where the documents are silent. `compacts serve --demo` and `compacts demo` print
# these, and the integrator's guide lists them (a test checks it does).
DEMO_NOTES: tuple[str, ...] = (
    "England's compact is a summary written for the demo, not the National Compact's text, which the seed "
    "documents do not contain; 1 December 2010, the day it comes into force, is the demo's choice.",
    "The Essex and Hertsmere documents are undated: the demo puts them in force on 1 June 2006 and "
    "1 April 2011.",
    "Harlow's document is dated 14 January 2004; the demo takes that as the day it came into force. It "
    "names no parties, and neither does the Essex document, so their registers are empty.",
    "Harrow's document is dated April 2009: the demo uses 1 April 2009 for its compact, its three parties "
    "and its Code of Practice.",
    "Havering's document is the December 2009 draft: the demo publishes it as a draft on 1 December 2009, "
    "with responses due by 7 March 2010 as the document says, and adopts it on 1 April 2010, a date of the "
    "demo's own choosing. That its Appendix A organisations signed, and their champions were appointed, on "
    "1 April 2010 is the demo's assumption too.",
    "Havering's Funding, Volunteering, and Information, Communication and Participation codes were "
    "reviewed and adopted in 2008 (section 5.1): the demo dates that 1 December 2008. The codes still in "
    "development, the BME code's merger into Equality and Diversity and the steering group date from the "
    "draft: the demo uses 1 December 2009.",
    "People: the demo records the roles and organisations of Havering's Appendix A, never the names or "
    "telephone numbers it lists.",
    "Anything keyed 'demo-', whose text begins 'Demo illustration:', or done by a party named "
    "'Example ... (demo)' is the demo's own invention: the documents record no such dispute, consultation, "
    "response, notice, referral or review.",
)

IN_FORCE, PLANNED = Firmness.IN_FORCE, Firmness.PLANNED
NO_TIME_LIMITS = "; the compact sets no time limits."
NO_MINIMUM = "; the compact sets no minimum period."


def commit(
    key: str,
    kind: CommitmentKind,
    summary: str,
    *,
    firmness: Firmness = IN_FORCE,
    bound: tuple[str, ...] = (),
    period: Period | None = None,
    exceptions: tuple[str, ...] = (),
    steps: tuple[DisputeStage, ...] = (),
) -> Commitment:
    """A commitment as the importer proposes it for the document, with no quote: the seeds stay in the seeds."""
    return Commitment(
        key=key,
        kind=kind,
        firmness=firmness,
        summary=summary,
        bound=bound,
        period=period,
        exceptions=exceptions,
        steps=tuple(DisputeStep(stage) for stage in steps),
    )


def s(
    key: str,
    heading: str,
    text: str,
    matters: tuple[str, ...] = (),
    *,
    planned: tuple[str, ...] = (),
    commitments: tuple[Commitment, ...] = (),
) -> Section:
    return Section(key, heading, text, matters, planned, commitments)


@dataclass(frozen=True)
class DemoCompact:
    """A compact as the demo publishes it; a draft is out for consultation until `consultation_closes_on`."""

    title: str
    effective_on: date
    sections: list[Section]
    consultation_closes_on: date | None = None
    adopted_on: date | None = None  # a draft's adoption: the demo's own choice of day

    @property
    def draft(self) -> bool:
        return self.consultation_closes_on is not None


UNTITLED = "Introduction (untitled in the document)"
CHAMPIONS_SUMMARY = "Each of the bodies it binds names a Compact Champion of its own."
PLANNED_DISPUTES = "A way to resolve disagreements and complaints is still to be developed."
YEARLY_REPORT = "The compact is reviewed every year, and a report on it is published every year."

# Each compact's sections carry the seed document's own keys (as the importer reads them) and headings, a
# summary in the project's words, the matters the section covers and those it only promises, and the
# commitments the importer proposes for it (tests/unit/test_commitment_proposals.py).
COMPACTS: dict[str, DemoCompact] = {
    "england": DemoCompact("National Compact (summary for the demo, not its text)", date(2010, 12, 1), [
        s("demo-about", "About this summary",
          "Demo summary: the seed documents do not contain the National Compact, so this tenant holds only "
          "the two national undertakings the registry's demo relies on, in the project's own words. The "
          "Compact for Essex (section 2) says the National Compact governs national compact matters, guides "
          "local compacts, and comes first wherever a rule that holds the same across the whole country is "
          "in question."),
        s("demo-consultation", "Consultation (demo summary)",
          "Demo summary, not the National Compact's words: government holds formal written consultations "
          "for twelve weeks where that is appropriate, and gives its reasons when one is shorter.",
          ("consultation",),
          commitments=(commit("consultation-period", CommitmentKind.CONSULTATION_PERIOD,
                              "Formal written consultations run for 12 weeks where appropriate; a shorter one "
                              "gives its reasons.",
                              bound=("government",), period=Period(12, PeriodUnit.WEEKS)),)),
        s("demo-funding", "Funding (demo summary)",
          "Demo summary, not the National Compact's words: government gives at least three months' notice "
          "in writing before it changes or ends funding or other support, except in exceptional "
          "circumstances, and explains the decision.",
          ("funding",),
          commitments=(commit("funding-notice", CommitmentKind.FUNDING_NOTICE,
                              "Before funding or other support is changed or ended, at least 3 months' notice "
                              "in writing is given, except in exceptional circumstances, with a clear "
                              "rationale for the decision.",
                              bound=("government",), period=Period(3, PeriodUnit.MONTHS),
                              exceptions=("exceptional circumstances",)),)),
    ]),
    "essex": DemoCompact("The Compact for Essex", date(2006, 6, 1), [
        s("1", "Vision",
          "The county's voluntary and community organisations add greatly to its social, cultural and "
          "economic life: they bring users into the design of services, speak for people otherwise unheard, "
          "further equality and diversity, and work against poverty and exclusion. Each sector does best "
          "with the other's understanding and support.",
          ("partnership", "equality")),
        s("2", "Purpose of the Essex Partnership Compact",
          "A local compact sets down how the sectors in an area co-operate, recognising the "
          "sector's contribution and its independence. This one is a county-wide framework beside the "
          "district and borough compacts, any regional compact and the national one: district compacts "
          "govern district matters, this compact wider Essex matters, the national compact national ones. "
          "Partners turn first to the most local compact that applies and go up a level only where it is "
          "silent on the matter; where a rule that holds the same across the whole country is in question, "
          "they turn first to the national compact, and a regional compact is read the same way.",
          ("partnership", "independence")),
        s("3", "Shared Principles",
          "Voluntary action belongs in a democracy and an independent, diverse sector enriches society. "
          "Members respect one another's independence; the sectors have distinct, complementary roles and "
          "different lines of accountability but the same standards of integrity and openness; the sector "
          "may campaign within the law; equal opportunity matters above all; and the statutory sector "
          "includes parish and town councils, with their own local roots.",
          ("independence", "equality", "partnership")),
        s("4", "Undertakings by both Statutory Sector and Voluntary and Community Sector",
          "Every partner organisation appoints a Compact Champion and spreads word of the compact inside "
          "it. Partners also reach out to under-represented communities, avoid conflict and share practice "
          "between the county's compacts, keep one another's confidences, check their joint work against "
          "the compact, agree how to monitor and evaluate it, run accessible complaints procedures, and "
          "support training, volunteers' included.",
          ("champions", "confidentiality", "review", "equality", "volunteering", "disputes"),
          commitments=(commit("champions", CommitmentKind.CHAMPIONS, CHAMPIONS_SUMMARY,
                              bound=("partner organisations",)),)),
        s("5", "Undertakings by Statutory Sector",
          "Statutory signatories respect the sector's independence, its right to campaign and to challenge "
          "whatever the funding; seek proportionate, consistent, transparent and strategic funding; support "
          "infrastructure; look early at what new policies mean for the sector; consult it in good time on "
          "what affects it and give it a reasonable time to reply, unless urgency, sensitivity or "
          "confidentiality prevent it; heed groups representing women, minorities and excluded people; map "
          "services with the sector; and promote volunteering.",
          ("independence", "funding", "consultation", "equality", "volunteering", "partnership"),
          commitments=(commit("consultation-period", CommitmentKind.CONSULTATION_PERIOD,
                              "Consultations are held in good time and allow reasonable time to respond, unless "
                              "urgency, sensitivity or confidentiality rules that out" + NO_MINIMUM,
                              bound=("statutory sector",),
                              exceptions=("urgency", "sensitivity", "confidentiality")),)),
        s("5-2", "Undertakings by voluntary and community sector",
          "(The document numbers this part 5 as well; the registry keys it 5-2.) Voluntary and community "
          "organisations govern themselves well and account properly to funders and users, follow the law and the "
          "Charity Commission's guidance on campaigning, respect the statutory sector's constraints and "
          "elected members' mandate, set quality standards, keep their users and supporters informed and "
          "consulted, involve users, work well with others and promote equal opportunity.",
          ("independence", "consultation", "equality", "partnership")),
        s("6", "Making it Work/Next Steps",
          "Publishing the compact changes nothing by itself. All partners commit to close links with the "
          "district, borough and national compacts; to review the compact together every year and publish "
          "a yearly report on what was achieved and hoped for, the issues met and the changes made; to promote it to other "
          "partners; and, still to come, to develop a way of resolving disagreements and complaints between "
          "the sectors.",
          ("review", "partnership"), planned=("disputes",),
          commitments=(
              commit("annual-review", CommitmentKind.ANNUAL_REVIEW, YEARLY_REPORT, bound=("partners",)),
              commit("dispute-process", CommitmentKind.DISPUTE_PROCESS, PLANNED_DISPUTES, firmness=PLANNED,
                     bound=("partners",)),
          )),
    ]),
    "harlow": DemoCompact("The Harlow Compact", date(2004, 1, 14), [
        s("introduction", UNTITLED,
          "Harlow's local government, its other public bodies and its voluntary and community sector agree a "
          "framework for working together on shared aims and values, each respecting the other's role. It "
          "will work only as far as every party puts its practices into effect.",
          ("partnership",)),
        s("the-harlow-approach", "The Harlow approach",
          "The sectors already work well together. The compact is to strengthen that by settling problems "
          "jointly and writing best practice into a formal agreement; work on consultation and involvement, "
          "not least of people seldom heard, is still being developed.",
          ("partnership",), planned=("consultation",)),
        s("joint-undertakings-shared-principles", "Joint undertakings, shared principles, and vision",
          "The sectors share a picture of Harlow in which voluntary action and an independent, diverse "
          "sector are valued; volunteers are appreciated; partners are equals; people are consulted and "
          "heard; groups may campaign and challenge policy; each body keeps its own priorities, and public "
          "bodies their duties to fund; equal opportunity and inclusion are promoted; and a joint Compact "
          "group oversees who signs up.",
          ("independence", "volunteering", "equality", "consultation", "funding", "partnership")),
        s("undertakings-by-statutory-and-other", "Undertakings by Statutory and other Partner Organisations",
          "Statutory partners undertake to respect the sector's independence whatever the funding; to make "
          "funding open, consistent and longer-term, and to draw up a best-practice code on it; to value "
          "infrastructure support; to involve the sector early in policy; to consult it widely where "
          "confidentiality and sensitivity allow, leaving groups time to ask their own users first; to heed "
          "groups representing minorities and excluded people; to handle the sector's information with "
          "care; to keep accessible ways of dealing with complaints; and to develop and support the codes of "
          "practice still to come.",
          ("funding", "consultation", "confidentiality", "independence", "equality", "disputes"),
          planned=("codes",),
          commitments=(commit("consultation-period", CommitmentKind.CONSULTATION_PERIOD,
                              "Consultations leave groups time to consult their own members and users before "
                              "responding, unless confidentiality or sensitivity rules that out" + NO_MINIMUM,
                              bound=("statutory and other partner organisations",),
                              exceptions=("confidentiality", "sensitivity")),)),
        s("commitments-and-undertakings", "Commitments and undertakings by the Voluntary and Community Sector",
          "Voluntary and community bodies undertake to keep good governance and accountability; to follow "
          "charity law, on campaigning above all; to show a commitment to quality; to inform and consult "
          "their own stakeholders and carry their views; to respect confidences; to work well across the "
          "sectors; to involve service users; to promote equal opportunity and inclusion; and to keep "
          "accessible ways of dealing with complaints.",
          ("partnership", "independence", "consultation", "confidentiality", "equality", "disputes")),
        s("making-it-work", "Making it work",
          "All partners agree to act in the compact's spirit; to adopt its codes of practice once they "
          "exist; to review together every year how the compact works and publish a yearly report of "
          "achievements, aspirations and amendments; and to promote it to other public bodies.",
          ("review",), planned=("codes",),
          commitments=(commit("annual-review", CommitmentKind.ANNUAL_REVIEW, YEARLY_REPORT,
                              bound=("statutory and voluntary/community bodies",)),)),
        s("next-steps", "Next steps",
          "Still to come: a Compact Steering Group to carry the work on; codes of practice on communication, "
          "consultation and participation, on BME and faith communities, on finance and funding, and on "
          "valuing volunteers; and a way of settling disagreements and complaints that arise between the two "
          "sectors.",
          planned=("codes", "disputes"),
          commitments=(commit("dispute-process", CommitmentKind.DISPUTE_PROCESS, PLANNED_DISPUTES,
                              firmness=PLANNED),)),
    ]),
    "harrow": DemoCompact("The Harrow Compact 2009", date(2009, 4, 1), [
        s("introduction", "The Compact",
          "The council, the Health Service and the Police agree how they will work with Harrow's voluntary "
          "and community sector.",
          ("partnership",)),
        s("what-is-a-compact", "What Is A Compact?",
          "A written framework for future working between local government, other statutory bodies, private "
          "business and the voluntary and community sector: shared principles, undertakings by every sector "
          "and some actions.",
          ("partnership",)),
        s("aims-objectives-of-harrow-compact", "Aims & Objectives Of Harrow Compact",
          "To build on existing partnerships through respect and trust. The objectives include shared values "
          "and outcomes, a framework for consultation and community involvement, good communication, fair "
          "access to resources, conflicts settled quickly and as near as possible to where they arise, work "
          "that reflects Harrow's diversity, and support for smaller partners.",
          ("partnership", "consultation", "equality", "disputes", "funding")),
        s("purpose-of-the-compact", "Purpose Of The Compact",
          "It sets out the principles and commitments behind the relationship between sectors whose roles "
          "are distinct and complementary. Statutory bodies spend a great deal of public money in the sector "
          "through contracts, service agreements and grants; each sector answers to different stakeholders.",
          ("partnership",)),
        s("status-of-the-compact", "Status Of The Compact",
          "Not legally binding, though the High Court has treated compacts as a statement of intent, so "
          "ignoring it can lead to judicial review. Any organisation working for Harrow's community may "
          "sign; Harrow Association of Voluntary Service keeps the Register of Parties, brought up to date at "
          "an annual meeting.",
          ("partnership",)),
        s("shared-principles-in-the-harrow-compact", "Shared Principles In The Harrow Compact",
          "Voluntary action and an independent, diverse sector matter to democracy and to Harrow; "
          "partnership brings duties to both sides; the sector may campaign and run its own affairs whatever "
          "its funding; consultation makes for better policy; statutory bodies fund their statutory duties "
          "first; equal opportunity, inclusion and sustainability are promoted.",
          ("independence", "partnership", "consultation", "funding", "equality")),
        s("keeping-the-compact-live", "Keeping The Compact Live",
          "A Compact Board of both sectors, answerable to Harrow Partnership Board, keeps the adopted Compact "
          "Code of Practice up to date. In a dispute, the council's Relationship Manager for the sector "
          "investigates and reports to the Board; if that does not settle it, the Board "
          "may ask another West London partnership, by a reciprocal arrangement, to investigate, mediate and "
          "decide. A signatory found working outside the compact's commitments is referred to the Board.",
          ("disputes", "codes"),
          commitments=(
              commit("dispute-process", CommitmentKind.DISPUTE_PROCESS,
                     "Disputes are settled by an investigation, then by mediation" + NO_TIME_LIMITS,
                     steps=(DisputeStage.INVESTIGATION, DisputeStage.MEDIATION)),
              commit("board-referral", CommitmentKind.OTHER,
                     "An organisation found working outside its commitments is referred to the Compact Board.",
                     bound=("organisation signing the compact",)),
          )),
        s("statutory-sector", "Statutory Sector",
          "A definition: bodies set up by Act of Parliament. Councils are elected; the health, police, fire, "
          "ambulance and probation services answer to ministers."),
        s("voluntary-and-community-sector", "Voluntary and Community Sector",
          "A definition, taken from the Improvement and Development Agency: independent groups that people "
          "set up freely to act on their own or other people's quality of life."),
        s("voluntary-and-community-organisations", "Voluntary and Community Organisations",
          "A definition, taken from a European Commission communication: organisations with some formal "
          "existence that distribute no profit, govern themselves independently of the state, are run "
          "without personal gain and act at least partly for the public good."),
    ]),
    "havering": DemoCompact("Compact for Havering", date(2009, 12, 1), [
        s("introduction-what-is-a-local-compact", "Introduction: What is a Local Compact?",
          "In words it takes from the National Compact Secretariat: an agreement between independent "
          "voluntary and community groups, the council and other public bodies to improve their "
          "relationship, with undertakings on both sides, ways to make them work, and standards for how "
          "the sides communicate with, consult and support one another.",
          ("partnership",)),
        s("1", "A Compact for Havering",
          "A written commitment to partnership between Havering's public bodies and its voluntary and "
          "community sector, underpinning the Sustainable Community Strategy 2008-2013 and the Local Area "
          "Agreements. Begun in 2003, it has since gained Compact Champions and reviewed codes and dispute "
          "resolution. It is voluntary, not legally binding; it recommends three steps for settling disputes "
          "and says how achievements will be monitored and reviewed.",
          ("partnership",)),
        s("2", "The Purpose of the Compact",
          "Open, transparent and fair working between public bodies and the sector, for better "
          "relationships, communication, participation and services: by empowering people, widening local "
          "influence on decisions, and growing the network between public bodies and community "
          "organisations.",
          ("partnership",)),
        s("shared-principles", "Shared principles",
          "Partnership; mutual value and respect; interdependence, with respect for the sector's "
          "independence and for public bodies' statutory duties; equality of opportunity; and sustainable, "
          "cohesive communities.",
          ("partnership", "independence", "equality")),
        s("3", "The Wider Context",
          "The compact is the basis of partnership working in the Sustainable Community Strategy. Havering "
          "has deprived and under-represented communities, and the community sector is well placed to reach "
          "them and to tackle equality and diversity in practice.",
          ("partnership", "equality")),
        s("havering-local-area-agreement", "Havering Local Area Agreement",
          "The Havering Strategic Partnership signed up to the compact's principles in July 2003. Its "
          "partners built them into every Local Area Agreement theme group and value the sector's part in "
          "community participation, inclusion and a strong, independent sector.",
          ("partnership", "equality")),
        s("4.1", "Commitments by all partners",
          "Every partner will work to meet local needs and the community strategy, respect the compact and "
          "take part in its reviews, build it as an equal, share information openly, make consultation "
          "inclusive, decide jointly how partnerships apply it, test new policies against it, and promote "
          "equality and inclusion.",
          ("partnership", "consultation", "equality", "review")),
        s("4.2", "Commitments by Public Bodies",
          "Public bodies will respect the sector's independence and its right to campaign; share out "
          "resources fairly against clear priorities; have every public body adopt the compact and name a "
          "contact; support the sector's infrastructure; involve the sector in policy, consulting it in good "
          "time, openly and inclusively; and treat it as an equal partner, involved early in decisions.",
          ("independence", "funding", "consultation", "partnership"),
          commitments=(commit("consultation-period", CommitmentKind.CONSULTATION_PERIOD,
                              "Consultations are held in good time" + NO_MINIMUM, bound=("public bodies",)),)),
        s("4.3", "Commitments by Voluntary and Community Sector",
          "Voluntary and community bodies will respect public bodies' wider duties, speak for their users, "
          "have their governing bodies endorse the compact, base their relationships on it, and name a "
          "contact for compact matters.",
          ("partnership",)),
        s("5.1", "Codes of good Practice",
          "The Volunteering, Funding, and Information, Communication and Participation codes were reviewed and "
          "adopted in 2008, and remain part of the compact. A Community Groups code, and an Equality and "
          "Diversity code into which the BME code is being folded, are still being developed.",
          ("codes",)),
        s("5.2", "Ownership and promotion of the Compact for Havering",
          "Both sectors commit to what the draft calls a 'Compact way of working'. Public bodies promote the compact to other public "
          "bodies, report progress inside their organisations and build it into policy; voluntary partners "
          "promote it through their networks, and Havco spreads news of progress across the sector.",
          ("partnership",)),
        s("5.3", "Compact Champions",
          "The local public bodies, the partnership board and the larger voluntary organisations that have "
          "signed should each have a Compact Champion: the organisation's named contact for the compact, who "
          "promotes it inside, attends the steering group every quarter, sees that concerns are dealt with "
          "(through the disagreements procedure if need be), challenges breaches and tells the sector's "
          "representatives of gaps.",
          ("champions",),
          commitments=(commit("champions", CommitmentKind.CHAMPIONS, CHAMPIONS_SUMMARY,
                              bound=("local public bodies", "partnership board",
                                     "larger voluntary organisations")),)),
        s("5.4", "Implementation and Review",
          "The Havering Strategic Partnership is responsible for putting the compact into effect, with an "
          "interim representative and deputy. Every twelve months the steering group, or a body like it, "
          "holds an annual conference on its monitoring report, shared concerns and good practice; and after "
          "each joint project those involved ask what went well, what was difficult, what they would do "
          "differently and what wider issues came to light.",
          ("review",),
          commitments=(commit("annual-review", CommitmentKind.ANNUAL_REVIEW,
                              "The compact is reviewed every year at an annual conference that considers a "
                              "monitoring report.",
                              bound=("compact steering group",)),)),
        s("6", "Resolving Disagreements",
          "Partners settle disagreements, conflicts and complaints by keeping relationships open and "
          "positive, with the compact as their framework; as far as they can, the parties settle them "
          "between themselves, through a dispute resolution procedure set out in a separate document.",
          ("disputes",),
          commitments=(commit("dispute-process", CommitmentKind.DISPUTE_PROCESS,
                              "Disputes go through a three-step process, the first between the parties "
                              "themselves" + NO_TIME_LIMITS,
                              steps=(DisputeStage.BETWEEN_PARTIES, DisputeStage.INVESTIGATION,
                                     DisputeStage.MEDIATION)),)),
        s("7", "Ownership and promotion of the Havering Compact",
          "Putting the compact into effect takes capacity on both sides: partners take its undertakings into "
          "their own policies, raise awareness (above all among smaller groups), use publications and "
          "websites, and share good practice. Steering group members act as Compact Champions within their "
          "organisations; the dispute procedure is for issues that ordinary business cannot settle; both "
          "sectors carry equal weight in joint decisions.",
          ("partnership", "champions", "disputes")),
        s("8", "The Way Forward",
          "Owning the compact should help Havering win funding and improve communication, consultation, "
          "volunteering and relations with its communities (the draft notes that this wording is to speak of "
          "equality and diversity). The Havering Strategic Partnership takes responsibility; the steering "
          "group supports its chair as the central contact; the partnership, public bodies, partnership "
          "boards and the sector share the costs.",
          ("partnership",)),
        s("appendix-a", "Appendix A: Compact Steering Committee Membership",
          "Roles and organisations only; the demo leaves out the names and telephone numbers the draft "
          "lists. Chair: United Reformed Church. Funding Code and Volunteering Code: Havco. Consultation "
          "Code: vacant. Equality Code: LBH. Coalition Steering Group partners: LBH and NHS. Champions: the "
          "Police (Metropolitan Police), the LBH Cabinet and an LBH officer (LBH), and the NHS. "
          "Administration: codes and policies, Havco; general business and minutes, LBH. Membership is open "
          "all year round."),
    ], consultation_closes_on=date(2010, 3, 7), adopted_on=date(2010, 4, 1)),
    "hertsmere": DemoCompact("The Hertsmere Compact", date(2011, 4, 1), [
        s("introduction", UNTITLED,
          "Public bodies and the voluntary and community organisations (VCOs) of Hertsmere agree to work in "
          "partnership towards common goals for the borough's communities and residents.",
          ("partnership",)),
        s("mission-statement", "Mission statement",
          "To renew and strengthen the relationship of Hertsmere Borough Council and the Hertsmere Together "
          "partners with the VCOs, so that partnership across the borough meets the Community Strategy's "
          "aim of a community that thrives and is healthier and safer.",
          ("partnership",)),
        s("compact-principles", "Compact principles",
          "Seven shared principles: respect; honesty, with frank discussion as the way to settle "
          "difficulties; independence, including the right to campaign and challenge whatever the funding; "
          "diversity; equality; citizen empowerment; and volunteering.",
          ("independence", "equality", "volunteering", "partnership")),
        s("compact-outcomes", "Compact outcomes",
          "Five outcomes, with a table of what public bodies and voluntary organisations each undertake for "
          "them: a civil society that is strong, diverse and independent; open design of policies, programmes and "
          "services, with early notice of consultations and feedback on them where possible; responsive, "
          "high-quality services, with reasons for every funding decision, multi-year funding where "
          "possible, fair commissioning, and bodies that distribute public funds keeping the same "
          "commitments; clear arrangements for managing change, with at least three months' written notice "
          "before funding or other support is changed or ended, save in exceptional circumstances, and clear "
          "reasons for the decision; and an equal and fair society.",
          ("funding", "consultation", "volunteering", "equality", "independence", "procurement",
           "partnership"),
          commitments=(commit("funding-notice", CommitmentKind.FUNDING_NOTICE,
                              "Before funding or other support is changed or ended, at least 3 months' notice "
                              "in writing is given, except in exceptional circumstances, with a clear "
                              "rationale for the decision.",
                              bound=("public bodies", "bodies distributing funds on behalf of the public sector"),
                              period=Period(3, PeriodUnit.MONTHS),
                              exceptions=("exceptional circumstances",)),)),
    ]),
}  # fmt: skip

# Placeholders for the demo's own illustrations: no real body is said to have done what they do.
EXAMPLE_VOLUNTARY = "Example voluntary organisation (demo)"
EXAMPLE_PUBLIC = "Example public body (demo)"
EXAMPLE_DISTRIBUTOR = "Example trust distributing council funds (demo)"

# The organisations each document names as parties, on the demo's dates (DEMO_NOTES), and the placeholders.
PARTIES: dict[str, list[tuple[str, Sector, BodyKind, date]]] = {
    "harrow": [
        ("Harrow Council", Sector.STATUTORY, BodyKind.COUNCIL, date(2009, 4, 1)),
        ("Health Service", Sector.STATUTORY, BodyKind.HEALTH, date(2009, 4, 1)),
        ("Police", Sector.STATUTORY, BodyKind.POLICE, date(2009, 4, 1)),
        (EXAMPLE_VOLUNTARY, Sector.VOLUNTARY_COMMUNITY, BodyKind.COMMUNITY_GROUP, date(2009, 4, 1)),
        (EXAMPLE_PUBLIC, Sector.STATUTORY, BodyKind.OTHER, date(2009, 4, 1)),
    ],
    "havering": [
        ("London Borough of Havering (LBH)", Sector.STATUTORY, BodyKind.COUNCIL, date(2010, 4, 1)),
        ("Havco (Havering Council for Voluntary Services)", Sector.VOLUNTARY_COMMUNITY,
         BodyKind.INFRASTRUCTURE_BODY, date(2010, 4, 1)),
        ("United Reformed Church", Sector.VOLUNTARY_COMMUNITY, BodyKind.FAITH_GROUP, date(2010, 4, 1)),
        ("NHS", Sector.STATUTORY, BodyKind.HEALTH, date(2010, 4, 1)),
        ("Metropolitan Police", Sector.STATUTORY, BodyKind.POLICE, date(2010, 4, 1)),
    ],
    "hertsmere": [
        ("Hertsmere Borough Council", Sector.STATUTORY, BodyKind.COUNCIL, date(2011, 4, 1)),
        # Its mission statement sets the Hertsmere Together partners beside the council, apart from the VCOs.
        ("Hertsmere Together Partners", Sector.STATUTORY, BodyKind.OTHER, date(2011, 4, 1)),
        (EXAMPLE_DISTRIBUTOR, Sector.VOLUNTARY_COMMUNITY, BodyKind.CHARITY, date(2011, 4, 1)),
    ],
}  # fmt: skip

LBH, HAVCO = "London Borough of Havering (LBH)", "Havco (Havering Council for Voluntary Services)"
DRAFT_DAY, ADOPTION_DAY, CODES_REVIEWED = date(2009, 12, 1), date(2010, 4, 1), date(2008, 12, 1)

# Appendix A's champions: organisation, the role the appendix gives, and a label in place of a person.
HAVERING_CHAMPIONS: list[tuple[str, str, str]] = [
    ("Metropolitan Police", "Police", "Metropolitan Police champion (name not recorded)"),
    (LBH, "LBH Cabinet", "LBH cabinet member (name not recorded)"),
    (LBH, "LBH Officer", "LBH officer (name not recorded)"),
    ("NHS", "NHS", "NHS champion (name not recorded)"),
]

# Appendix A's steering committee: role, holder (a label, never a person), organisation, code led.
HAVERING_STEERING: list[tuple[SteeringRole, str, str, str | None]] = [
    (SteeringRole.CHAIR, "Chair (name not recorded)", "United Reformed Church", None),
    (SteeringRole.CODE_LEAD, "Funding Code lead (name not recorded)", HAVCO, "funding"),
    (SteeringRole.CODE_LEAD, "Volunteering Code lead (name not recorded)", HAVCO, "volunteering"),
    (SteeringRole.CODE_LEAD, "Equality Code lead (name not recorded)", LBH, "equality-and-diversity"),
    (SteeringRole.MEMBER, "Coalition Steering Group partner for LBH (name not recorded)", LBH, None),
    (SteeringRole.MEMBER, "Coalition Steering Group partner for the NHS (name not recorded)", "NHS", None),
    (SteeringRole.ADMINISTRATION, "Codes and policies administrator (name not recorded)", HAVCO, None),
    (SteeringRole.ADMINISTRATION, "General and minutes administrator (name not recorded)", LBH, None),
]

# Sections that would put people's contact details in immutable events: never imported.
PHONE = re.compile(r"(?<!\d)0\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?!\d)")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def personal(text: str) -> bool:
    """Whether a section's text holds a telephone number or an e-mail address."""
    return bool(PHONE.search(text) or EMAIL.search(text))


def documents_in(folder: Path, say: Callable[[str], None]) -> dict[str, tuple[str, list[Section]]]:
    """The compact documents in a folder, by the demo tenant each one's title names, without contact details.

    A section holding telephone numbers or e-mail addresses (Havering's Appendix A lists people with their
    numbers; its last page names the person to send responses to) is left out: compact text is public and
    immutable, where a person's details must stay erasable.
    """
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
        sections = parsed.to_sections()
        kept = [section for section in sections if not personal(section.text)]
        found[slug] = (parsed.title, kept)
        say(f"{slug}: {parsed.title} from {path.name}, {len(kept)} sections")
        left = [section.key for section in sections if personal(section.text)]
        if left:
            say(f"{slug}: left out {', '.join(left)}: they hold telephone numbers or e-mail addresses")
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
    tenants, compacts = TenantService(registry), CompactService(registry, vault_of(registry))
    for slug, name, tier, parent in TIERS:
        tenants.create_tenant(DEMO, CreateTenant(slug=slug, name=name, tier=tier, parent=parent))
    for slug, compact in COMPACTS.items():
        title, sections = imported.get(slug, (compact.title, compact.sections))
        compacts.publish(
            DEMO,
            PublishCompact(
                tenant=slug,
                title=title,
                effective_on=compact.effective_on,
                sections=tuple(sections),
                draft=compact.draft,
                consultation_closes_on=compact.consultation_closes_on,
            ),
        )
    say("tiers and compacts recorded")
    _havering_draft(registry)
    for slug, parties in PARTIES.items():
        for party, sector, kind, signed in parties:
            compacts.sign(
                DEMO, SignCompact(tenant=slug, party=party, sector=sector, kind=kind, signed_on=signed)
            )
    _codes(registry)
    _havering_people(registry)
    say("registers, codes, champions and the steering group recorded")
    _illustrations(registry)
    say("the demo's own illustrations recorded: a dispute, a referral, consultations, a notice, a review")
    for note in DEMO_NOTES:
        say(f"note: {note}")
    return True


def _havering_draft(registry: Registry) -> None:
    """The December 2009 draft's consultation, closing on the document's date; then the demo adopts it."""
    consultations = ConsultationService(registry)
    consultations.open(DEMO, OpenConsultation(
        tenant="havering", key="compact-draft-2009", title="Draft Compact for Havering",
        consulted=("Demo illustration: the compact's partners and the wider voluntary and community sector",),
        opens_on=DRAFT_DAY, closes_on=date(2010, 3, 7),
    ))  # fmt: skip
    consultations.record_response(DEMO, RecordConsultationResponse(
        tenant="havering", key="compact-draft-2009", respondent="Example residents' association (demo)",
        received_on=date(2010, 2, 1),
        summary="Demo illustration: asks that smaller groups hear about the compact and its champions.",
    ))  # fmt: skip
    consultations.close(
        DEMO, CloseConsultation(tenant="havering", key="compact-draft-2009", on=date(2010, 3, 7))
    )
    consultations.publish_feedback(DEMO, PublishConsultationFeedback(
        tenant="havering", key="compact-draft-2009", on=date(2010, 3, 20),
        feedback="Demo illustration: the document records neither the responses nor any change to the "
        "draft; the demo adopts the draft unchanged on 1 April 2010, a date of its own choosing.",
    ))  # fmt: skip
    CompactService(registry, vault_of(registry)).adopt(
        DEMO, AdoptCompact(tenant="havering", adopted_on=ADOPTION_DAY)
    )


def _codes(registry: Registry) -> None:
    """Harlow's four codes to be developed; Havering's six as section 5.1 has them; Harrow's adopted code."""
    codes = CodeService(registry)
    for key, title, matter in (
        ("communication-consultation-and-participation", "Communication, Consultation and Participation",
         "consultation"),
        ("bme-and-faith-communities", "BME and Faith Communities", "equality"),
        ("finance-and-funding", "Finance and Funding", "funding"),
        ("valuing-volunteers", "Valuing Volunteers", "volunteering"),
    ):  # fmt: skip
        # Listed for development in Harlow's "Next steps", on the document's date.
        codes.draft(DEMO, DraftCode(
            tenant="harlow", key=key, title=title, matters=(matter,), lead=None,
            drafted_on=date(2004, 1, 14),
        ))  # fmt: skip
    for key, title, matter, lead in (
        ("funding", "Funding Code of Good Practice", "funding", HAVCO),
        ("volunteering", "Volunteering Code of Good Practice", "volunteering", HAVCO),
        ("information-communication-and-participation",
         "Information, Communication and Participation Code of Good Practice", "consultation", None),
    ):  # fmt: skip
        codes.draft(DEMO, DraftCode(
            tenant="havering", key=key, title=title, matters=(matter,), lead=lead,
            drafted_on=CODES_REVIEWED,
        ))  # fmt: skip
        codes.adopt(
            DEMO,
            AdoptCode(tenant="havering", key=key, title=title, matters=(matter,), adopted_on=CODES_REVIEWED),
        )
    for key, title, matter, lead in (
        ("equality-and-diversity", "Equality and Diversity Code", "equality", LBH),
        ("bme", "BME Code", "equality", None),
        ("community-groups", "Community Groups Code", "community-groups", None),
    ):  # fmt: skip
        codes.draft(DEMO, DraftCode(
            tenant="havering", key=key, title=title, matters=(matter,), lead=lead,
            drafted_on=DRAFT_DAY,
        ))  # fmt: skip
    codes.merge(DEMO, MergeCode(tenant="havering", key="bme", into="equality-and-diversity", on=DRAFT_DAY))
    # Harrow's code names no matter; it covers none in a lookup.
    codes.adopt(DEMO, AdoptCode(
        tenant="harrow", key="compact-code-of-practice", title="The Compact Code of Practice",
        matters=(), adopted_on=date(2009, 4, 1),
    ))  # fmt: skip


def _havering_people(registry: Registry) -> None:
    """Appendix A's champions and steering committee, as roles and organisations."""
    compacts, steering = CompactService(registry, vault_of(registry)), SteeringGroupService(registry)
    for party, role, label in HAVERING_CHAMPIONS:
        compacts.appoint_champion(
            DEMO,
            AppointChampion(tenant="havering", party=party, name=label, role=role, appointed_on=ADOPTION_DAY),
        )
    for post, holder, organisation, code in HAVERING_STEERING:
        steering.assign(
            DEMO,
            AssignSteeringRole(
                tenant="havering", role=post, holder=holder, party=organisation, code=code, since=DRAFT_DAY
            ),
        )


def _illustrations(registry: Registry) -> None:
    """The demo's own events, none of them in the documents: each keyed 'demo-' or written as such."""
    disputes = DisputeService(registry)
    disputes.raise_dispute(DEMO, RaiseDispute(
        tenant="harrow", key="demo-dispute-2010", raised_by=EXAMPLE_VOLUNTARY, against=EXAMPLE_PUBLIC,
        commitment="Shared Principles In The Harrow Compact: the sector runs its own affairs whatever its funding",
        summary="Demo illustration: a grant's new conditions are said to limit the group's campaigning.",
        raised_on=date(2010, 2, 1),
    ))  # fmt: skip
    disputes.escalate(DEMO, EscalateDispute(
        tenant="harrow", key="demo-dispute-2010", to=DisputeStage.MEDIATION, on=date(2010, 3, 15),
        handled_by="Demo illustration: another West London partnership, by reciprocal arrangement",
        reason="Demo illustration: the Relationship Manager's report to the Compact Board did not settle it.",
    ))  # fmt: skip
    disputes.resolve(DEMO, ResolveDispute(
        tenant="harrow", key="demo-dispute-2010", on=date(2010, 4, 20),
        outcome="Demo illustration: the conditions were rewritten and both parties accepted them.",
    ))  # fmt: skip
    CompactService(registry, vault_of(registry)).refer_to_board(DEMO, ReferPartyToBoard(
        tenant="harrow", party=EXAMPLE_PUBLIC, on=date(2010, 9, 1),
        finding="Demo illustration: found not to have named a contact for the compact.",
    ))  # fmt: skip
    ConsultationService(registry).open(DEMO, OpenConsultation(
        tenant="harrow", key="demo-consultation-2011",
        title="Demo illustration: an eight-week consultation with no reason given",
        consulted=(EXAMPLE_VOLUNTARY,), opens_on=date(2011, 6, 1), closes_on=date(2011, 7, 27),
    ))  # fmt: skip
    FundingNoticeService(registry).give(DEMO, GiveFundingNotice(
        tenant="hertsmere", key="demo-notice-2012", public_body=EXAMPLE_DISTRIBUTOR,
        voluntary_body="Example community group (demo)", change=FundingChange.REDUCED,
        given_on=date(2012, 1, 9), effective_on=date(2012, 3, 1),
        rationale="Demo illustration: the trust's own funding fell, and it passes the cut on to the group.",
    ))  # fmt: skip
    CompactService(registry, vault_of(registry)).hold_annual_review(DEMO, HoldAnnualReview(
        tenant="havering", held_on=date(2011, 3, 15),
        achievements=("Demo illustration: the first annual conference was held",),
        aspirations=("Demo illustration: finish the Community Groups and Equality and Diversity codes",),
        issues=("Demo illustration: the Consultation Code lead is still vacant",), amendments=(),
        projects=(ProjectLessons("Demo illustration: a joint project", "Demo illustration: partners met often",
                                 "Demo illustration: finding a venue", "Demo illustration: book a year ahead",
                                 "Demo illustration: smaller groups need support to take part"),),
    ))  # fmt: skip
