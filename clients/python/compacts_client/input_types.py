from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import CommitmentKind, DisputeStage, Firmness, PeriodUnit


class CommitmentInput(BaseModel):
    """A commitment a section makes: publish, amend or import it with the section."""

    key: str
    kind: CommitmentKind
    summary: str
    firmness: Firmness = Firmness.IN_FORCE
    bound: list[str] = Field(default_factory=lambda: [])
    period: Optional["PeriodInput"] = None
    exceptions: list[str] = Field(default_factory=lambda: [])
    steps: list["DisputeStepInput"] = Field(default_factory=lambda: [])
    quote: str = ""


class ContactInput(BaseModel):
    """A party's named point of contact; never shown to the public."""

    name: str
    email: Optional[str] = None
    phone: Optional[str] = None


class DisputeStepInput(BaseModel):
    """One step of a dispute process, with a time limit only where the compact sets one."""

    stage: DisputeStage
    period: Optional["PeriodInput"] = None


class PeriodInput(BaseModel):
    """A length of time the compact itself sets."""

    amount: int
    unit: PeriodUnit


class ProjectLessonsInput(BaseModel):
    """The answers to the four questions asked at the end of a joint project."""

    project: str
    went_well: str = Field(alias="wentWell")
    difficult: str
    different_next_time: str = Field(alias="differentNextTime")
    strategic_issues: str = Field(alias="strategicIssues")


class SectionInput(BaseModel):
    """A section to publish, or to add or replace in an amendment."""

    key: str
    heading: str
    text: str
    matters: list[str]
    planned: Optional[list[str]] = None
    "Matters the section only promises to develop (not covered in `lookup`)."
    commitments: Optional[list["CommitmentInput"]] = None
    "What the section undertakes; amending them is amending the section."


CommitmentInput.model_rebuild()
DisputeStepInput.model_rebuild()
SectionInput.model_rebuild()
