from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class Lookup(BaseModel):
    lookup: "LookupLookup"


class LookupLookup(BaseModel):
    answered_by: Optional["LookupLookupAnsweredBy"] = Field(alias="answeredBy")
    sections: list["LookupLookupSections"]
    trail: list["LookupLookupTrail"]
    explanation: str


class LookupLookupAnsweredBy(BaseModel):
    slug: str
    name: str


class LookupLookupSections(BaseModel):
    key: str
    heading: str


class LookupLookupTrail(BaseModel):
    tenant: "LookupLookupTrailTenant"
    covered: bool
    reason: str


class LookupLookupTrailTenant(BaseModel):
    slug: str


Lookup.model_rebuild()
LookupLookup.model_rebuild()
LookupLookupTrail.model_rebuild()
