"""The commitments the importer proposes: exactly those each seed compact makes, and how figures are read."""

from __future__ import annotations

from dataclasses import replace

import pytest

from domain.commitment_reading import KIND_MATTERS, SectionText, read_commitments, read_period
from domain.commitments import (
    Commitment,
    CommitmentKind,
    DisputeStage,
    DisputeStep,
    Firmness,
    Period,
    PeriodUnit,
    check_commitment,
)
from domain.document import ParsedDocument, parse_document
from tests.unit.test_document_import import SEEDS, seed

IN_FORCE, PLANNED = Firmness.IN_FORCE, Firmness.PLANNED
NO_TIME_LIMITS = "; the compact sets no time limits."
NO_MINIMUM = "; the compact sets no minimum period."


def proposed(doc: ParsedDocument) -> list[tuple[str, Commitment]]:
    """Each commitment with its section's key, its quote set aside (the seeds' sentences stay in the seeds)."""
    return [(key, replace(c, quote="")) for key, c in doc.commitments]


def quotes(doc: ParsedDocument) -> dict[str, list[str]]:
    """Each commitment's quote, as the passages of the document it was read from."""
    return {c.key: c.quote.split(" \u2026 ") for _, c in doc.commitments}


def assert_quoted_from(doc: ParsedDocument, fragments: dict[str, list[str]]) -> None:
    """Every passage quoted is the document's own text, and is the one holding the words expected of it."""
    text = " ".join(" ".join(s.text.split()) for s in doc.sections)
    found = quotes(doc)
    assert list(found) == list(fragments)
    for key, passages in found.items():
        assert all(passage in text for passage in passages), key
        assert len(passages) == len(fragments[key]), key
        assert all(f in p for f, p in zip(fragments[key], passages, strict=True)), key


def test_hertsmere_gives_three_months_notice_of_funding_changes_and_nothing_else() -> None:
    doc = seed("hertsmere")
    # Its table also promises "early notice of forthcoming consultations, where possible". That says when a
    # consultation is announced, not how long it runs nor how soon it comes, so it is not proposed as a
    # CONSULTATION_PERIOD: one with no period would still govern and stop the walk up the tiers from reaching
    # a compact (Hertfordshire's, the national one) that does say how long consultations run.
    assert proposed(doc) == [
        (
            "compact-outcomes",
            Commitment(
                key="funding-notice",
                kind=CommitmentKind.FUNDING_NOTICE,
                firmness=IN_FORCE,
                summary="Before funding or other support is changed or ended, at least 3 months' notice in "
                "writing is given, except in exceptional circumstances, with a clear rationale for the decision.",
                # The public bodies' column, and those its own row binds to the same commitments.
                bound=("public bodies", "bodies distributing funds on behalf of the public sector"),
                period=Period(3, PeriodUnit.MONTHS),
                exceptions=("exceptional circumstances",),
            ),
        )
    ]
    assert_quoted_from(doc, {"funding-notice": ["three months' notice in writing"]})
    assert all(s.planned == () for s in doc.sections)


def test_havering_names_champions_reviews_yearly_and_settles_disputes_in_three_steps() -> None:
    doc = seed("havering")
    assert proposed(doc) == [
        (
            "4.2",
            Commitment(
                key="consultation-period",
                kind=CommitmentKind.CONSULTATION_PERIOD,
                firmness=IN_FORCE,
                summary="Consultations are held in good time" + NO_MINIMUM,  # "timely": no figure
                bound=("public bodies",),  # the section's heading: Commitments by Public Bodies
            ),
        ),
        (
            "5.3",
            Commitment(
                key="champions",
                kind=CommitmentKind.CHAMPIONS,
                firmness=IN_FORCE,
                summary="Each of the bodies it binds names a Compact Champion of its own.",
                bound=("local public bodies", "partnership board", "larger voluntary organisations"),
            ),
        ),
        (
            "5.4",
            Commitment(
                key="annual-review",
                kind=CommitmentKind.ANNUAL_REVIEW,
                firmness=IN_FORCE,
                summary="The compact is reviewed every year at an annual conference that considers a "
                "monitoring report.",
                bound=("compact steering group",),  # "or a similar body" names no one in particular
            ),
        ),
        (
            # Section 1 only says a three-step process "is recommended"; section 6, on resolving
            # disagreements, is where the partners undertake to use it, between the parties first. Three
            # distinct steps in the only order the stages can follow are all three stages.
            "6",
            Commitment(
                key="dispute-process",
                kind=CommitmentKind.DISPUTE_PROCESS,
                firmness=IN_FORCE,
                summary="Disputes go through a three-step process, the first between the parties themselves"
                + NO_TIME_LIMITS,
                steps=(
                    DisputeStep(DisputeStage.BETWEEN_PARTIES),
                    DisputeStep(DisputeStage.INVESTIGATION),
                    DisputeStep(DisputeStage.MEDIATION),
                ),
            ),
        ),
    ]
    assert_quoted_from(
        doc,
        {
            "consultation-period": ["timely, transparent and inclusive"],
            "champions": ["should have a Compact Champion"],
            "annual-review": ["annual conference every twelve months", "annual monitoring report"],
            "dispute-process": ["three-step process", "resolved between the parties"],
        },
    )
    # Section 7's "Members of the Compact Steering Group will act as Compact Champions" says who the
    # champions are, not which bodies name one: it is not a second CHAMPIONS commitment.
    assert all(s.planned == () for s in doc.sections)


def test_essex_names_champions_consults_in_good_time_reviews_yearly_and_promises_a_dispute_mechanism() -> (
    None
):
    doc = seed("essex")
    assert proposed(doc) == [
        (
            "4",
            Commitment(
                key="champions",
                kind=CommitmentKind.CHAMPIONS,
                firmness=IN_FORCE,
                summary="Each of the bodies it binds names a Compact Champion of its own.",
                bound=("partner organisations",),
            ),
        ),
        (
            "5",  # the first of the two parts numbered 5: Undertakings by Statutory Sector
            Commitment(
                key="consultation-period",
                kind=CommitmentKind.CONSULTATION_PERIOD,
                firmness=IN_FORCE,
                summary="Consultations are held in good time and allow reasonable time to respond, unless "
                "urgency, sensitivity or confidentiality rules that out" + NO_MINIMUM,
                bound=("statutory sector",),
                exceptions=("urgency", "sensitivity", "confidentiality"),
            ),
        ),
        (
            "6",
            Commitment(
                key="annual-review",
                kind=CommitmentKind.ANNUAL_REVIEW,
                firmness=IN_FORCE,
                summary="The compact is reviewed every year, and a report on it is published every year.",
                bound=("partners",),  # "committed to by all partners, namely:"
            ),
        ),
        (
            "6",
            Commitment(
                key="dispute-process",
                kind=CommitmentKind.DISPUTE_PROCESS,
                firmness=PLANNED,
                summary="A way to resolve disagreements and complaints is still to be developed.",
                bound=("partners",),
            ),
        ),
    ]
    assert_quoted_from(
        doc,
        {
            "champions": ["appoint a Compact Champion"],
            "consultation-period": ["urgency, sensitivity or confidentiality", "reasonable timescales"],
            "annual-review": ["annually and publish a report"],
            "dispute-process": ["To develop a mechanism"],
        },
    )
    assert [(s.key, s.planned) for s in doc.sections if s.planned] == [("6", ("disputes",))]


def test_harlow_consults_where_it_may_reviews_yearly_and_promises_a_dispute_mechanism() -> None:
    doc = seed("harlow")
    assert proposed(doc) == [
        (
            "undertakings-by-statutory-and-other",
            Commitment(
                key="consultation-period",
                kind=CommitmentKind.CONSULTATION_PERIOD,
                firmness=IN_FORCE,
                summary="Consultations leave groups time to consult their own members and users before "
                "responding, unless confidentiality or sensitivity rules that out" + NO_MINIMUM,
                bound=("statutory and other partner organisations",),
                exceptions=("confidentiality", "sensitivity"),
            ),
        ),
        (
            "making-it-work",
            Commitment(
                key="annual-review",
                kind=CommitmentKind.ANNUAL_REVIEW,
                firmness=IN_FORCE,
                summary="The compact is reviewed every year, and a report on it is published every year.",
                bound=("statutory and voluntary/community bodies",),
            ),
        ),
        (
            "next-steps",
            Commitment(
                key="dispute-process",
                kind=CommitmentKind.DISPUTE_PROCESS,
                firmness=PLANNED,
                summary="A way to resolve disagreements and complaints is still to be developed.",
            ),
        ),
    ]
    assert_quoted_from(
        doc,
        {
            "consultation-period": ["consult as widely as possible", "prior to giving their responses"],
            "annual-review": ["on an annual basis", "To publish a report"],
            "dispute-process": ["Developing a mechanism"],
        },
    )
    # The codes Next steps lists are the registry's codes (drafted, then adopted), not commitments; the
    # matters they are about stay covered there. Only the dispute mechanism is a promise and nothing more.
    assert [(s.key, s.planned) for s in doc.sections if s.planned] == [("next-steps", ("disputes",))]


def test_harrow_investigates_then_mediates_disputes_and_refers_breaches_to_its_board() -> None:
    doc = seed("harrow")
    assert proposed(doc) == [
        (
            "keeping-the-compact-live",
            Commitment(
                key="dispute-process",
                kind=CommitmentKind.DISPUTE_PROCESS,
                firmness=IN_FORCE,
                summary="Disputes are settled by an investigation, then by mediation" + NO_TIME_LIMITS,
                steps=(DisputeStep(DisputeStage.INVESTIGATION), DisputeStep(DisputeStage.MEDIATION)),
            ),
        ),
        (
            "keeping-the-compact-live",
            Commitment(
                key="board-referral",
                kind=CommitmentKind.OTHER,
                firmness=IN_FORCE,
                summary="An organisation found working outside its commitments is referred to the Compact Board.",
                bound=("organisation signing the compact",),
            ),
        ),
    ]
    assert_quoted_from(
        doc,
        {
            "dispute-process": ["an investigation by", "to investigate, mediate and determine"],
            "board-referral": ["referred to the Compact Board"],
        },
    )
    # The Register of Parties is "updated at an annual meeting": a meeting on the register, not a review.
    assert all(c.kind is not CommitmentKind.ANNUAL_REVIEW for _, c in doc.commitments)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_seed_proposal_is_one_a_compact_records(name: str) -> None:
    doc = seed(name)
    commitments = [c for _, c in doc.commitments]
    assert all(check_commitment(c) == c for c in commitments)
    assert len({c.key for c in commitments}) == len(commitments)
    assert all(c.period is None or c.kind is not CommitmentKind.ANNUAL_REVIEW for c in commitments)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("three months' notice", Period(3, PeriodUnit.MONTHS)),
        ("a minimum of 3 months notice", Period(3, PeriodUnit.MONTHS)),
        ("consultations of 12 weeks", Period(12, PeriodUnit.WEEKS)),
        ("a twelve-week consultation", Period(12, PeriodUnit.WEEKS)),
        ("a reply within 28 days", Period(28, PeriodUnit.DAYS)),
        ("a reply within twenty-eight days", Period(28, PeriodUnit.DAYS)),
        ("a reply within twenty eight days", Period(28, PeriodUnit.DAYS)),
        ("a month's notice", Period(1, PeriodUnit.MONTHS)),
        ("every two years", Period(2, PeriodUnit.YEARS)),
        ("reasonable timescales for response", None),
        ("timely consultation", None),
        ("in 2009 the compact was signed", None),
    ],
)
def test_a_period_is_read_in_words_or_digits(text: str, period: Period | None) -> None:
    assert read_period(text) == period


def read(*sections: tuple[str, str]) -> list[tuple[str, Commitment]]:
    """The commitments proposed for invented sections (heading, text), keyed by their section's number."""
    texts = [SectionText(str(n), heading, text) for n, (heading, text) in enumerate(sections, 1)]
    readings = read_commitments(texts)
    return [(str(n), c) for n, r in enumerate(readings, 1) for c in r.commitments]


def test_notice_of_funding_changes_is_read_with_its_period_exceptions_and_parties() -> None:
    [(where, notice)] = read(
        ("Funding", "The council will give a minimum of six weeks' notice in writing before it ends a grant, "
         "except in an emergency."),
    )  # fmt: skip
    assert (where, notice.kind, notice.firmness) == ("1", CommitmentKind.FUNDING_NOTICE, IN_FORCE)
    assert notice.period == Period(6, PeriodUnit.WEEKS)
    assert notice.exceptions == ("emergency",)
    assert notice.bound == ("council",)
    assert notice.summary == (
        "Before funding is changed or ended, at least 6 weeks' notice in writing is given, except in emergency."
    )


def test_a_consultation_period_is_read_from_its_figure_and_binds_the_sections_party() -> None:
    [(_, consultation)] = read(
        ("Commitments by Public Bodies", "- Consult the sector for at least 12 weeks, subject to urgency."),
    )
    assert consultation.kind is CommitmentKind.CONSULTATION_PERIOD
    assert consultation.period == Period(12, PeriodUnit.WEEKS)
    assert consultation.exceptions == ("urgency",)
    assert consultation.bound == ("public bodies",)
    assert consultation.summary == "Consultations run for at least 12 weeks, unless urgency rules that out."


def test_early_notice_of_consultations_is_not_a_consultation_period() -> None:
    assert read(("Consultation", "We give early notice of forthcoming consultations, where possible.")) == []


def test_a_dispute_process_is_read_with_each_steps_time_limit() -> None:
    [(_, process)] = read(
        ("Disputes", "A dispute is first discussed between the parties, who reply within 28 days. If that "
         "fails, the board investigates and reports within 8 weeks. Mediation comes last."),
    )  # fmt: skip
    assert process.kind is CommitmentKind.DISPUTE_PROCESS
    assert process.steps == (
        DisputeStep(DisputeStage.BETWEEN_PARTIES, Period(28, PeriodUnit.DAYS)),
        DisputeStep(DisputeStage.INVESTIGATION, Period(8, PeriodUnit.WEEKS)),
        DisputeStep(DisputeStage.MEDIATION),
    )
    assert process.summary == (
        "Disputes are settled between the parties themselves, then by an investigation, then by mediation; "
        "time limits: between the parties themselves within 28 days, by an investigation within 8 weeks."
    )


def test_codes_are_reviewed_on_a_cycle_only_where_the_compact_states_one() -> None:
    [(_, cycle)] = read(("Codes", "Each code of practice will be reviewed every three years."))
    assert (cycle.kind, cycle.period) == (CommitmentKind.CODE_REVIEW, Period(3, PeriodUnit.YEARS))
    assert cycle.summary == "The codes of good practice are reviewed every 3 years."
    assert read(("Codes", "The code of practice will need revision and review from time to time.")) == []


def test_a_promise_to_develop_a_mechanism_is_planned_and_its_matter_is_not_covered() -> None:
    doc = parse_document(
        "The Compact for Upley\n\n1. Funding\n\nGrants are paid on time.\n\n"
        "2. Next steps\n\nWe will develop a procedure for resolving disputes between the partners.\n"
    )
    assert [(s.key, s.matters, s.planned) for s in doc.sections] == [
        ("1", ("funding",), ()),
        ("2", ("partnership",), ("disputes",)),
    ]
    [(key, promise)] = doc.commitments
    assert (key, promise.kind, promise.firmness) == ("2", CommitmentKind.DISPUTE_PROCESS, PLANNED)
    assert promise.summary == "A way to resolve disagreements and complaints is still to be developed."
    assert KIND_MATTERS[promise.kind] == "disputes"
    # A published compact carries them: the section promises the matter without covering it.
    assert [(s.key, s.matters, s.planned) for s in doc.to_sections()][1] == (
        "2",
        ("partnership",),
        ("disputes",),
    )


def test_a_section_that_covers_a_matter_and_promises_more_of_it_still_covers_it() -> None:
    doc = parse_document(
        "The Compact for Upley\n\n1. Disputes\n\nA complaint goes to mediation between the parties. We will "
        "develop a new procedure to settle disagreements faster.\n"
    )
    [section] = doc.sections
    assert (section.matters, section.planned) == (("disputes",), ())
    assert [(c.kind, c.firmness) for c in section.commitments] == [
        (CommitmentKind.DISPUTE_PROCESS, IN_FORCE),
        (CommitmentKind.DISPUTE_PROCESS, PLANNED),
    ]
    assert [c.key for c in section.commitments] == ["dispute-process", "dispute-process-2"]


def test_keys_are_unique_across_the_whole_document() -> None:
    found = read(
        ("Review", "The partners will review the compact annually."),
        ("Codes", "Partners will publish an annual report on the compact."),
    )
    assert [(where, c.key, c.kind) for where, c in found] == [
        ("1", "annual-review", CommitmentKind.ANNUAL_REVIEW),
        ("2", "annual-review-2", CommitmentKind.ANNUAL_REVIEW),
    ]


def test_champions_bind_the_bodies_the_sentence_names() -> None:
    [(_, champions)] = read(
        (
            "Champions",
            "All of the district councils and the larger Charities should appoint a Compact Champion.",
        ),
    )
    assert champions.kind is CommitmentKind.CHAMPIONS
    assert champions.bound == ("district councils", "larger charities")


def test_a_glossary_binds_no_one() -> None:
    readings = read_commitments(
        [SectionText("glossary", "Glossary", "Notice: three months' notice before a grant ends.", "glossary")]
    )
    assert readings[0].commitments == ()


def test_odd_text_never_stops_an_import_and_yields_only_proposals_a_compact_records() -> None:
    long_notice = (
        "The council will give three months' notice before it ends a grant, " + "and so on " * 300 + "."
    )
    doc = parse_document(
        "The Compact for Upley\n\n1. Funding\n\n" + long_notice + "\n\n2. Grants\n\n"
        "The trust will give 9999 days' notice before it ends a grant.\n\n3. Champions\n\n"
        "All of the \u202eparish councils\u202c should appoint a Compact Champion.\n"
    )
    assert [(key, c.kind, c.period) for key, c in doc.commitments] == [
        ("1", CommitmentKind.FUNDING_NOTICE, Period(3, PeriodUnit.MONTHS)),
        ("2", CommitmentKind.FUNDING_NOTICE, None),  # no registry keeps 9999 days: a misreading, not a figure
        ("3", CommitmentKind.CHAMPIONS, None),
    ]
    notice = doc.commitments[0][1]
    assert len(notice.quote) <= 2000
    assert notice.quote.endswith(" \u2026")  # cut at a word, and marked as cut
    assert doc.commitments[2][1].bound == ("parish councils",)  # the direction marks are not text
    assert all(check_commitment(c) == c for _, c in doc.commitments)


def test_conflicts_of_interest_are_not_disputes() -> None:
    assert read(("Governance", "We will develop a procedure for declaring conflicts of interest.")) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Disagreements go first to the parties, then to mediation.",
        "A complaint is settled informally where it can be; mediation comes next.",
        "Disputes are resolved between the parties, or else by mediation.",
    ],
)
def test_a_dispute_settled_first_by_the_parties_then_mediated_has_those_two_steps(sentence: str) -> None:
    [(_, process)] = read(("Disputes", sentence))
    assert process.steps == (DisputeStep(DisputeStage.BETWEEN_PARTIES), DisputeStep(DisputeStage.MEDIATION))
