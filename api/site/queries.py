"""The GraphQL documents the site's pages run, one per page, as an integrator without a token could."""

from __future__ import annotations

from domain.commitments import CommitmentKind

DIRECTORY = """
query Directory {
  tenants { slug name tier parent { slug name } compact { title effectiveOn adoptedOn } }
}
"""

# The kinds of undertaking a higher tier's compact can govern a locality by; OTHER names no rule.
GOVERNED_KINDS = tuple(kind for kind in CommitmentKind if kind is not CommitmentKind.OTHER)

GOVERNING = "\n".join(
    f"  {kind.value.lower()}: governing(locality: $slug, kind: {kind.value}, asOf: $asOf) {{ ...Governs }}"
    for kind in GOVERNED_KINDS
)

COMPACT = (
    """
query CompactPage($slug: String!, $asOf: Date!) {
  tenant(slug: $slug) {
    slug name tier
    parent { slug name tier }
    children { slug name tier }
    compact(asOf: $asOf) {
      title version effectiveOn adoptedOn
      sections {
        key heading text matters planned
        commitments {
          key kind firmness bound summary exceptions
          period { text }
          steps { stage period { text } }
        }
      }
    }
    draftCompact(asOf: $asOf) { title consultationClosesOn }
    parties(asOf: $asOf) { name sector kind signedOn }
    champions(asOf: $asOf) { name party role appointedOn }
    codes(asOf: $asOf) { key title status matters adoptedOn lead nextReviewDue supersededBy endorsedBy }
    consultations { key title consulted opensOn closesOn closedOn }
    compactVersions { version effectiveOn }
  }
  matters { key title }
"""
    + GOVERNING
    + """
}
fragment Governs on Governing {
  commitment { key kind summary period { text } tenant { slug name tier } section { key heading } }
}
"""
)

VERSIONS = """
query Versions($slug: String!) {
  tenant(slug: $slug) {
    slug name
    compactVersions { version title effectiveOn rationale recordedAt recordedBy }
  }
}
"""

DIFF = """
query Diff($slug: String!, $from: Int!, $to: Int!) {
  tenant(slug: $slug) {
    slug name
    compactVersions { version effectiveOn }
    compactDiff(from: $from, to: $to) {
      fromVersion toVersion
      added { key heading text }
      removed { key heading text }
      changed { key before { heading } after { heading } words { op text } }
    }
  }
}
"""

HISTORY = """
query History($slug: String!) {
  tenant(slug: $slug) {
    slug name
    compactVersions { version title effectiveOn rationale recordedAt recordedBy }
    amendmentProposals {
      key rationale proposedOn effectiveOn consultationClosesOn status decidedOn rejectionReason
    }
  }
  checkpoints(tenant: $slug) { position headHash signedAt kid }
}
"""

REPORT = """
query Report($slug: String!, $year: Int!) {
  tenant(slug: $slug) { slug name }
  annualReport(tenant: $slug, year: $year) {
    year compactTitle
    amendments { version effectiveOn rationale changes }
    partiesJoined { name on detail }
    partiesLeft { name on detail }
    championsAppointed { name party on }
    championsGone { name party on }
    codes { key title change on detail }
    consultations { key title opensOn closesOn weeks minimum short shortReason feedbackOn }
    fundingNotices {
      publicBody voluntaryBody change givenOn effectiveOn minimum short exceptionalCircumstances
    }
    reviews { heldOn achievements aspirations issues amendments projects }
  }
}
"""

LOOKUP_FORM = """
query LookupForm {
  tenants { slug name tier }
  matters { key title }
}
"""

LOOKUP = """
query Lookup($locality: String!, $matter: String!, $asOf: Date!) {
  tenants { slug name tier }
  matters { key title }
  lookup(locality: $locality, matter: $matter, asOf: $asOf) {
    answeredBy { slug name tier }
    sections { key heading text }
    codes { key title status }
    trail { tenant { slug name tier } covered reason }
    explanation
  }
}
"""
