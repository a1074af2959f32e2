"""A tenant's compact text: published as version 1, then amended section by section, each on its date."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, NotRequired, TypedDict

from eventsourcing.domain import event

from domain import payloads
from domain.commitments import Commitment, CommitmentData, CommitmentKind, check_commitment
from domain.errors import Conflict, InvalidInput, NotFound
from domain.events import RegistryAggregate, aggregate_id
from domain.matters import resolve_matters
from domain.text import one_line, refuse_disguised

PROPOSAL_KEY = re.compile(r"^[a-z][a-z0-9-]{1,62}\Z")
SECTION_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}\Z")
TITLE_MAX = 300
TEXT_MAX = 50_000


class SectionData(TypedDict):
    """A Section as the compact's events store it."""

    key: str
    heading: str
    text: str
    matters: list[str]
    # Left out when empty, so a section recorded before they existed keeps its bytes.
    planned: NotRequired[list[str]]
    commitments: NotRequired[list[CommitmentData]]


@dataclass(frozen=True)
class Section:
    """One section of a compact: the matters it covers, those it only promises, and its commitments."""

    key: str
    heading: str
    text: str
    matters: tuple[str, ...]
    planned: tuple[str, ...] = ()
    commitments: tuple[Commitment, ...] = ()

    def as_dict(self) -> SectionData:
        data: SectionData = {
            "key": self.key,
            "heading": self.heading,
            "text": self.text,
            "matters": list(self.matters),
        }
        if self.planned:
            data["planned"] = list(self.planned)
        if self.commitments:
            data["commitments"] = [c.as_dict() for c in self.commitments]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Section:
        return cls(
            payloads.text(data, "key"),
            payloads.text(data, "heading"),
            payloads.text(data, "text"),
            payloads.texts(data, "matters"),
            payloads.texts(data, "planned"),
            tuple(Commitment.from_dict(c) for c in payloads.records(data, "commitments")),
        )


@dataclass(frozen=True)
class ProjectLessons:
    """The four questions asked at the end of a joint project (Havering 5.4.3)."""

    project: str
    went_well: str
    difficult: str
    different_next_time: str
    strategic_issues: str


@dataclass
class Proposal:
    """An amendment put forward for consultation, waiting to be adopted or rejected."""

    effective_on: date
    rationale: str
    upsert: list[Section]
    remove: list[str]
    proposed_on: date
    closes_on: date | None
    decision: str | None = None


def _items(values: list[str]) -> list[str]:
    return [cleaned for v in values if (cleaned := " ".join(v.split()))]


def check_title(title: str) -> str:
    return one_line(
        title,
        empty="The title is empty: give the compact the title on its cover.",
        max_length=TITLE_MAX,
        what="The title",
    )


def check_sections(sections: list[Section], *, allow_empty: bool = False) -> list[Section]:
    """Sections with well-formed, unique keys, non-empty headings and text, known matters, and commitments
    that each pass their own checks and have keys unique across the sections given."""
    if not sections and not allow_empty:
        raise InvalidInput("A compact needs at least one section.")
    seen: set[str] = set()
    checked: list[Section] = []
    for s in sections:
        if not SECTION_KEY.match(s.key):
            raise InvalidInput(
                f"'{s.key}' is not a valid section key: use up to 40 letters, digits, '.', '_' or '-' "
                "(for example '4.2' or 'next-steps')."
            )
        if s.key in seen:
            raise InvalidInput(f"The section key '{s.key}' appears twice; each section needs its own key.")
        seen.add(s.key)
        heading = " ".join(refuse_disguised(s.heading, f"The heading of section '{s.key}'").split())
        if not heading:
            raise InvalidInput(f"Section '{s.key}' has no heading.")
        text = s.text.strip()
        if not text:
            raise InvalidInput(f"Section '{s.key}' has no text.")
        if len(text) > TEXT_MAX:
            raise InvalidInput(f"Section '{s.key}' is longer than {TEXT_MAX} characters.")
        matters = tuple(resolve_matters(list(s.matters)))
        planned = tuple(resolve_matters(list(s.planned)))
        both = sorted(set(matters) & set(planned))
        if both:
            raise InvalidInput(
                f"Section '{s.key}' both covers and only plans {', '.join(both)}; a matter the section only "
                "promises to develop is planned, not covered."
            )
        commitments = tuple(check_commitment(c) for c in s.commitments)
        checked.append(Section(s.key, heading, text, matters, planned, commitments))
    unique_commitments(checked)
    return checked


def unique_commitments(sections: list[Section]) -> None:
    """Commitment keys name one commitment in the whole compact."""
    where: dict[str, str] = {}
    for s in sections:
        for c in s.commitments:
            if c.key in where:
                raise InvalidInput(
                    f"The commitment key '{c.key}' is used in section '{where[c.key]}' and in section "
                    f"'{s.key}'; each commitment needs its own key."
                )
            where[c.key] = s.key


@dataclass(frozen=True)
class Version:
    """One version of the text, as the aggregate keeps it to say what was in force on a date."""

    version: int
    effective_on: date
    sections: tuple[Section, ...]


def compact_id(tenant: str) -> str:
    return aggregate_id(tenant, "compact")


class Compact(RegistryAggregate):
    """The text of a tenant's compact and every version it has had."""

    class CompactPublished(RegistryAggregate.Created):
        tenant_slug: str
        title: str
        effective_on: str
        # Plain dicts, not SectionData: the compact text read model takes them as such.
        sections: list[dict[str, Any]]
        acting_as: str  # the role the actor recorded it in, which the public may see instead of who
        draft: bool  # published for consultation: in force only once adopted
        consultation_closes_on: str | None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["acting_as"] = ""  # recorded before roles were kept: not known
            state["draft"] = False  # every compact was published in force then
            state["consultation_closes_on"] = None

    class CompactAdopted(RegistryAggregate.Event):
        """A draft compact adopted: its text is in force from `on`."""

        on: str

    class AmendmentProposed(RegistryAggregate.Event):
        proposal: str
        effective_on: str
        rationale: str
        upserted: list[SectionData]
        removed: list[str]
        proposed_on: str
        consultation_closes_on: str | None

    class AmendmentAdopted(RegistryAggregate.Event):
        proposal: str
        on: str

    class AmendmentRejected(RegistryAggregate.Event):
        proposal: str
        on: str
        reason: str

    class AnnualReviewHeld(RegistryAggregate.Event):
        held_on: str
        achievements: list[str]
        aspirations: list[str]
        issues: list[str]
        amendments: list[str]

    class ProjectLessonsRecorded(RegistryAggregate.Event):
        held_on: str
        project: str
        went_well: str
        difficult: str
        different_next_time: str
        strategic_issues: str

    class CompactAmended(RegistryAggregate.Event):
        compact_version: int
        effective_on: str
        rationale: str
        upserted: list[dict[str, Any]]  # as CompactPublished's sections
        removed: list[str]
        acting_as: str

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["acting_as"] = ""

    @staticmethod
    def create_id(tenant_slug: str, **_: object) -> str:
        return compact_id(tenant_slug)

    @event(CompactPublished)
    def __init__(
        self,
        tenant_slug: str,
        title: str,
        effective_on: str,
        sections: list[SectionData],
        actor: str,
        acting_as: str = "",
        draft: bool = False,
        consultation_closes_on: str | None = None,
    ) -> None:
        self.title = title
        self.compact_version = 1
        self.published_on = date.fromisoformat(effective_on)
        self.effective_on = self.published_on
        self.sections: dict[str, Section] = {s["key"]: Section.from_dict(s) for s in sections}
        self.proposals: dict[str, Proposal] = {}
        self.reviews_held: set[date] = set()
        self.draft = draft
        self.consultation_closes_on = (
            date.fromisoformat(consultation_closes_on) if consultation_closes_on else None
        )
        self.adopted_on: date | None = None
        self.versions = [Version(1, self.published_on, tuple(self.sections.values()))]

    def in_force(self, on: date) -> Version | None:
        """The version in force on `on`: the latest to take effect by then, once a draft is adopted."""
        if self.draft and (self.adopted_on is None or self.adopted_on > on):
            return None
        taken = [v for v in self.versions if v.effective_on <= on]
        return max(taken, key=lambda v: (v.effective_on, v.version)) if taken else None

    def commitments_on(self, on: date, kind: CommitmentKind) -> list[tuple[str, Commitment]]:
        """The commitments of a kind in the text in force on `on`, with the section holding each."""
        version = self.in_force(on)
        if version is None:
            return []
        return [(s.key, c) for s in version.sections for c in s.commitments if c.kind is kind]

    def adopt(self, *, on: date, actor: str) -> None:
        """Put a draft compact into force from `on`, after its consultation."""
        if not self.draft:
            raise Conflict("This compact was published in force, not as a draft; there is nothing to adopt.")
        if self.adopted_on is not None:
            raise Conflict(f"The draft was already adopted, on {self.adopted_on.isoformat()}.")
        if on < self.published_on:
            raise InvalidInput(
                f"The draft was published on {self.published_on.isoformat()}; it cannot be adopted "
                "before that."
            )
        if self.consultation_closes_on is not None and on < self.consultation_closes_on:
            raise InvalidInput(
                f"The consultation on the draft is open until {self.consultation_closes_on.isoformat()}; "
                "adopt it after it closes."
            )
        self._adopted_draft(on=on.isoformat(), actor=actor)

    @event(CompactAdopted)
    def _adopted_draft(self, on: str, actor: str) -> None:
        self.adopted_on = date.fromisoformat(on)

    def _check_change(
        self, effective_on: date, rationale: str, upsert: list[Section], remove: list[str]
    ) -> tuple[str, list[Section]]:
        """The rationale and checked sections of a change the current text can take, else why not."""
        reason = " ".join(rationale.split())
        if not reason:
            raise InvalidInput("Give a rationale: say why the compact is being amended.")
        if effective_on < self.effective_on:
            raise InvalidInput(
                f"The amendment takes effect on {effective_on.isoformat()}, before version "
                f"{self.compact_version} ({self.effective_on.isoformat()}); amendments follow one another."
            )
        if not upsert and not remove:
            raise InvalidInput("The amendment changes nothing: give sections to add, replace or remove.")
        checked = check_sections(upsert, allow_empty=True)
        upserted_keys = {s.key for s in checked}
        for key in remove:
            if key in upserted_keys:
                raise InvalidInput(f"Section '{key}' is both replaced and removed; choose one.")
            if key not in self.sections:
                raise NotFound(f"The compact has no section '{key}' to remove.")
        if len(set(remove)) != len(remove):
            raise InvalidInput("A section is listed twice for removal.")
        remaining = (set(self.sections) - set(remove)) | upserted_keys
        if not remaining:
            raise InvalidInput("The amendment would leave the compact with no sections.")
        kept = [s for key, s in self.sections.items() if key not in upserted_keys and key not in remove]
        unique_commitments([*kept, *checked])
        return reason, checked

    def amend(
        self,
        *,
        effective_on: date,
        rationale: str,
        upsert: list[Section],
        remove: list[str],
        actor: str,
        acting_as: str = "",
    ) -> None:
        """Replace or add sections and remove others, from `effective_on`; version + 1."""
        reason, checked = self._check_change(effective_on, rationale, upsert, remove)
        self._amended(
            compact_version=self.compact_version + 1,
            effective_on=effective_on.isoformat(),
            rationale=reason,
            upserted=[s.as_dict() for s in checked],
            removed=list(remove),
            actor=actor,
            acting_as=acting_as,
        )

    def propose(
        self,
        *,
        key: str,
        effective_on: date,
        rationale: str,
        upsert: list[Section],
        remove: list[str],
        proposed_on: date,
        consultation_closes_on: date | None,
        actor: str,
    ) -> None:
        """Put an amendment forward for consultation; it changes nothing until adopted."""
        if not PROPOSAL_KEY.match(key):
            raise InvalidInput(
                f"'{key}' is not a valid proposal key: use 2 to 63 lower-case letters, digits and '-', "
                "starting with a letter (for example '2010-review')."
            )
        if key in self.proposals:
            raise Conflict(f"There is already a proposal '{key}'; choose another key.")
        if proposed_on < self.published_on:
            raise InvalidInput("An amendment cannot be proposed before the compact was published.")
        if consultation_closes_on is not None and consultation_closes_on < proposed_on:
            raise InvalidInput("The consultation cannot close before the proposal is made.")
        if effective_on < proposed_on:
            raise InvalidInput("A proposed amendment cannot take effect before it is proposed.")
        reason, checked = self._check_change(effective_on, rationale, upsert, remove)
        self._proposed(
            proposal=key,
            effective_on=effective_on.isoformat(),
            rationale=reason,
            upserted=[s.as_dict() for s in checked],
            removed=list(remove),
            proposed_on=proposed_on.isoformat(),
            consultation_closes_on=consultation_closes_on.isoformat() if consultation_closes_on else None,
            actor=actor,
        )

    @event(AmendmentProposed)
    def _proposed(
        self,
        proposal: str,
        effective_on: str,
        rationale: str,
        upserted: list[SectionData],
        removed: list[str],
        proposed_on: str,
        consultation_closes_on: str | None,
        actor: str,
    ) -> None:
        self.proposals[proposal] = Proposal(
            effective_on=date.fromisoformat(effective_on),
            rationale=rationale,
            upsert=[Section.from_dict(d) for d in upserted],
            remove=list(removed),
            proposed_on=date.fromisoformat(proposed_on),
            closes_on=date.fromisoformat(consultation_closes_on) if consultation_closes_on else None,
        )

    def _pending(self, key: str) -> Proposal:
        proposal = self.proposals.get(key)
        if proposal is None:
            raise NotFound(f"There is no proposed amendment '{key}'.")
        if proposal.decision is not None:
            raise Conflict(f"The proposal '{key}' was already {proposal.decision.lower()}.")
        return proposal

    def adopt_proposal(self, *, key: str, adopted_on: date, actor: str, acting_as: str = "") -> None:
        """Adopt a proposal after its consultation: it becomes the next version, from its effective date."""
        proposal = self._pending(key)
        if proposal.closes_on is not None and adopted_on < proposal.closes_on:
            raise InvalidInput(
                f"The consultation on '{key}' is open until {proposal.closes_on.isoformat()}; "
                "adopt it after it closes."
            )
        if adopted_on < proposal.proposed_on:
            raise InvalidInput("A proposal cannot be adopted before it was made.")
        # The text may have moved on since the proposal: its change is checked again now.
        reason, checked = self._check_change(
            proposal.effective_on, proposal.rationale, proposal.upsert, proposal.remove
        )
        self._adopted(proposal=key, on=adopted_on.isoformat(), actor=actor)
        self._amended(
            compact_version=self.compact_version + 1,
            effective_on=proposal.effective_on.isoformat(),
            rationale=reason,
            upserted=[s.as_dict() for s in checked],
            removed=list(proposal.remove),
            actor=actor,
            acting_as=acting_as,
        )

    def reject_proposal(self, *, key: str, on: date, reason: str, actor: str) -> None:
        proposal = self._pending(key)
        if on < proposal.proposed_on:
            raise InvalidInput("A proposal cannot be rejected before it was made.")
        cleaned = " ".join(reason.split())
        if not cleaned:
            raise InvalidInput("Give the reason the proposal was rejected.")
        self._rejected(proposal=key, on=on.isoformat(), reason=cleaned, actor=actor)

    @event(AmendmentAdopted)
    def _adopted(self, proposal: str, on: str, actor: str) -> None:
        self.proposals[proposal].decision = "ADOPTED"

    @event(AmendmentRejected)
    def _rejected(self, proposal: str, on: str, reason: str, actor: str) -> None:
        self.proposals[proposal].decision = "REJECTED"

    def hold_annual_review(
        self,
        *,
        held_on: date,
        achievements: list[str],
        aspirations: list[str],
        issues: list[str],
        amendments: list[str],
        actor: str,
        projects: tuple[ProjectLessons, ...] = (),
    ) -> None:
        """The yearly look back: what was achieved, what is hoped for, what troubled, what to amend.

        Each finished joint project brings the answers to the four questions of its own.
        """
        if held_on < self.published_on:
            raise InvalidInput("An annual review cannot be held before the compact was published.")
        if held_on in self.reviews_held:
            raise Conflict(f"An annual review held on {held_on.isoformat()} is already recorded.")
        for key in amendments:
            if key not in self.proposals:
                raise NotFound(f"The review refers to proposal '{key}', which does not exist.")
        items = {name: _items(values) for name, values in (
            ("achievements", achievements), ("aspirations", aspirations), ("issues", issues)
        )}  # fmt: skip
        if not any(items.values()) and not amendments and not projects:
            raise InvalidInput(
                "The review records nothing: give achievements, aspirations, issues, amendments or projects."
            )
        lessons = [_lessons(p) for p in projects]
        names = [p["project"].casefold() for p in lessons]
        if len(set(names)) != len(names):
            raise InvalidInput("A project appears twice in the review; record each project once.")
        self._reviewed(held_on=held_on.isoformat(), amendments=list(amendments), actor=actor, **items)
        for answers in lessons:
            self._lessons(held_on=held_on.isoformat(), actor=actor, **answers)

    @event(ProjectLessonsRecorded)
    def _lessons(
        self,
        held_on: str,
        project: str,
        went_well: str,
        difficult: str,
        different_next_time: str,
        strategic_issues: str,
        actor: str,
    ) -> None:
        pass

    @event(AnnualReviewHeld)
    def _reviewed(
        self,
        held_on: str,
        achievements: list[str],
        aspirations: list[str],
        issues: list[str],
        amendments: list[str],
        actor: str,
    ) -> None:
        self.reviews_held.add(date.fromisoformat(held_on))

    @event(CompactAmended)
    def _amended(
        self,
        compact_version: int,
        effective_on: str,
        rationale: str,
        upserted: list[SectionData],
        removed: list[str],
        actor: str,
        acting_as: str = "",
    ) -> None:
        self.compact_version = compact_version
        self.effective_on = date.fromisoformat(effective_on)
        for key in removed:
            del self.sections[key]
        for data in upserted:
            self.sections[data["key"]] = Section.from_dict(data)
        self.versions.append(Version(compact_version, self.effective_on, tuple(self.sections.values())))


def _lessons(p: ProjectLessons) -> dict[str, str]:
    """The project's answers, each question answered (a 'none' is an answer; silence is not)."""
    project = one_line(p.project, empty="Name the joint project.", max_length=300, what="The project's name")
    answers = {"project": project}
    for name, question in (
        ("went_well", "what went well"),
        ("difficult", "what was difficult"),
        ("different_next_time", "what would be different next time"),
        ("strategic_issues", "what broader strategic issues were uncovered"),
    ):
        answer = " ".join(getattr(p, name).split())
        if not answer:
            raise InvalidInput(f"For '{project}', say {question} (write 'none' if nothing).")
        if len(answer) > 5000:
            raise InvalidInput(f"For '{project}', the answer to {question} is longer than 5000 characters.")
        answers[name] = answer
    return answers


def publish_compact(
    *,
    tenant: str,
    title: str,
    effective_on: date,
    sections: list[Section],
    actor: str,
    acting_as: str = "",
    draft: bool = False,
    consultation_closes_on: date | None = None,
) -> Compact:
    """Version 1 of a tenant's compact, after checking its title and sections.

    A draft is published for consultation on `effective_on` and is in force only once adopted.
    """
    if consultation_closes_on is not None and not draft:
        raise InvalidInput("Only a draft is published with a consultation; say that it is a draft.")
    if consultation_closes_on is not None and consultation_closes_on < effective_on:
        raise InvalidInput("The consultation on the draft cannot close before the draft is published.")
    return Compact(
        tenant_slug=tenant,
        title=check_title(title),
        effective_on=effective_on.isoformat(),
        sections=[s.as_dict() for s in check_sections(sections)],
        actor=actor,
        acting_as=acting_as,
        draft=draft,
        consultation_closes_on=consultation_closes_on.isoformat() if consultation_closes_on else None,
    )
