"""The demo's clinical content against the guidance (CLINICAL-FACTS): fever decided first, every
NICE sign asked before green ("unasked sign" is a document error), convulsions red, and the
topic's table and its pathway refused when they disagree (handbook.agreement)."""

from __future__ import annotations

import copy
import json
import re
from datetime import date
from decimal import Decimal

import pytest

from handbook.agreement import Row, disagreements
from handbook.demo import CONTENT
from handbook.importing import import_folder
from handbook.models import HandbookError, Pathway, Topic
from handbook.triage import ChildAge, DocumentError, PathwaySpec


def _document(slug: str) -> dict:
    return json.loads((CONTENT / "pathways" / f"{slug}.json").read_text())["document"]


def _fever() -> PathwaySpec:
    return PathwaySpec.from_document(_document("fever"))


def _answers(spec: PathwaySpec, **given) -> dict:
    answers = {q.key: ("no" if q.kind == "yes_no" else None) for q in spec.questions}
    answers.update({"fever_history": "yes", "temperature": Decimal("38.5"), "fever_days": Decimal(1)})
    answers["fever_every_day"] = "yes"
    answers.update(given)
    return answers


TWO_YEARS = ChildAge.between(date(2023, 6, 15), date(2025, 6, 15))


@pytest.mark.parametrize("slug", ["fever", "cough", "diarrhoea"])
def test_every_demo_pathway_passes_its_own_cases(slug) -> None:
    spec = PathwaySpec.from_document(_document(slug))
    assert spec.test_cases
    assert [r.name for r in spec.run_cases() if not r.passed] == []


def test_an_afebrile_child_is_not_classified_as_a_fever() -> None:
    spec = _fever()

    no_fever = spec.evaluate(_answers(spec, fever_history="no", temperature=Decimal("37.4")), TWO_YEARS)
    by_temperature = spec.evaluate(_answers(spec, fever_history="no", temperature=Decimal("37.5")), TWO_YEARS)
    by_history = spec.evaluate(_answers(spec, temperature=Decimal("37.0")), TWO_YEARS)

    assert no_fever.classification.code == "no_fever"
    assert by_temperature.classification.code == "low_risk"  # 37.5 °C or above is a fever
    assert by_history.classification.code == "low_risk"


@pytest.mark.parametrize(
    "sign",
    [
        "abnormal_skin_colour",
        "no_social_response",
        "appears_ill",
        "not_waking",
        "abnormal_cry",
        "grunting",
        "chest_indrawing",
        "reduced_skin_turgor",
        "bulging_fontanelle",
        "status_epilepticus",
        "focal_neurological_signs",
        "convulsions_history",
    ],
)
def test_a_child_whose_only_sign_is_a_nice_red_one_is_red(sign) -> None:
    spec = _fever()
    assert spec.evaluate(_answers(spec, **{sign: "yes"}), TWO_YEARS).colour == "red"


@pytest.mark.parametrize(
    ("given", "colour"),
    [
        ({"spo2": Decimal(95)}, "yellow"),
        ({"spo2": Decimal(96)}, "green"),
        ({"capillary_refill": Decimal(3)}, "yellow"),
        ({"capillary_refill": Decimal("2.9")}, "green"),
        ({"respiratory_rate": Decimal(41)}, "yellow"),
        ({"respiratory_rate": Decimal(40)}, "green"),
    ],
)
def test_amber_signs_and_their_boundaries(given, colour) -> None:
    spec = _fever()
    assert spec.evaluate(_answers(spec, **given), TWO_YEARS).colour == colour


def test_rr_40_at_two_years_is_not_nice_amber_but_is_imci_fast_breathing() -> None:
    spec = _fever()
    outcome = spec.evaluate(_answers(spec, respiratory_rate=Decimal(40)), TWO_YEARS)
    assert [note.code for note in outcome.notes] == ["imci_fast_breathing"]


def test_a_pathway_that_never_asks_a_sign_of_its_guidance_is_refused() -> None:
    document = _document("fever")
    document["questions"] = [q for q in document["questions"] if q["key"] != "grunting"]
    for rule in document["rules"]:
        rule["conditions"] = [c for c in rule["conditions"] if c["question"] != "grunting"]
    for case in document["test_cases"]:
        case["answers"].pop("grunting", None)
    document["test_cases"] = [c for c in document["test_cases"] if "grunting" not in c["name"]]

    with pytest.raises(DocumentError, match="unasked sign “grunting” of nice_ng143_red"):
        PathwaySpec.from_document(document)


def test_a_danger_sign_asked_but_leading_only_to_yellow_is_refused() -> None:
    document = _document("cough")
    red = document["rules"][0]
    red["conditions"] = [c for c in red["conditions"] if c["question"] != "convulsions_history"]
    document["rules"].append(
        {
            "classification": "pneumonia",
            "conditions": [{"question": "convulsions_history", "operator": "eq", "value": "yes"}],
        }
    )

    with pytest.raises(DocumentError, match="unasked sign “convulsions_history”"):
        PathwaySpec.from_document(document)


def test_an_unknown_sign_list_is_refused() -> None:
    document = _document("fever")
    document["guidance"] = ["made_up"]
    with pytest.raises(DocumentError, match="unknown sign list"):
        PathwaySpec.from_document(document)


def _topic_rows(slug: str) -> list[Row]:
    import tomllib

    text = (CONTENT / "topics" / f"{slug}.md").read_text()
    meta = tomllib.loads(text.split("+++")[1])
    return [Row(r["colour"], r["signs_zh"], r["signs_en"]) for r in meta["rows"]]


@pytest.mark.parametrize(("topic", "pathway"), [("fever", "fever"), ("cough-or-difficult-breathing", "cough")])
def test_the_demo_topics_and_their_pathways_agree(topic, pathway) -> None:
    assert disagreements(_topic_rows(topic), PathwaySpec.from_document(_document(pathway))) == []


def test_a_table_saying_fast_breathing_without_thresholds_disagrees() -> None:
    rows = [
        Row(
            row.colour,
            row.signs_zh,
            re.sub(r"respiratory rate above 50 \(6–12 months\)", "fast breathing", row.signs_en),
        )
        for row in _topic_rows("fever")
    ]
    problems = disagreements(rows, _fever())
    assert len(problems) == 1 and "Respiratory rate above 50" in problems[0]


def test_a_table_with_or_more_where_the_pathway_says_above_disagrees() -> None:
    rows = [
        Row(row.colour, row.signs_zh, row.signs_en.replace("above 40 (over 12 months)", "40 or more (over 12 months)"))
        for row in _topic_rows("fever")
    ]
    assert disagreements(rows, _fever())


def test_a_colour_missing_from_the_table_disagrees() -> None:
    rows = [row for row in _topic_rows("fever") if row.colour != "yellow"]
    assert any("no yellow row" in p for p in disagreements(rows, _fever()))


def test_convulsions_in_this_illness_are_red_in_the_topic_and_the_pathways() -> None:
    rows = _topic_rows("convulsions")
    red = next(row for row in rows if row.colour == "red")
    assert "convulsions in this illness" in red.signs_en and " with any other danger sign" not in red.signs_en
    assert not any("same-day" in row.signs_en.lower() for row in rows)
    for slug in ("fever", "cough"):
        spec = PathwaySpec.from_document(_document(slug))
        answers = {q.key: ("no" if q.kind == "yes_no" else None) for q in spec.questions}
        answers.update({k: v for k, v in _answers(spec).items() if k in answers and answers[k] is None})
        answers["convulsions_history"] = "yes"
        assert spec.evaluate(answers, TWO_YEARS).colour == "red", slug


@pytest.mark.django_db
def test_the_pathway_is_refused_for_review_when_the_published_table_disagrees(editor, editor2) -> None:
    import_folder(CONTENT, author=editor2, approver=editor)
    published = Topic.objects.get(slug="fever").current_version.number
    pathway = Pathway.objects.get(slug="fever")
    draft = pathway.start_draft(editor2)
    document = copy.deepcopy(draft.document)
    for rule in document["rules"]:
        for condition in rule["conditions"]:
            if (
                condition["question"] == "respiratory_rate"
                and condition["operator"] == "gt"
                and condition.get("threshold") == 40
            ):
                condition["threshold"] = 41
    for case in document["test_cases"]:
        if "41/min" in case["name"] and case["expected"] == "intermediate_risk":
            case["answers"]["respiratory_rate"] = 42
    draft.replace_content(editor2, document)
    assert [r.name for r in draft.test_results() if not r.passed] == []

    with pytest.raises(HandbookError, match="classification table and this pathway disagree"):
        draft.submit(editor2)

    draft.refresh_from_db()
    assert draft.status == "draft"
    assert Topic.objects.get(slug="fever").current_version.number == published
