"""The rule language: documents are checked, rules combine, the highest colour wins, and the
result says which rows fired and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from handbook.triage import ChildAge, DocumentError, PathwaySpec

from .triage_support import document

TEN_MONTHS = ChildAge.between(date(2025, 1, 10), date(2025, 11, 10))


def _table(**changes) -> dict:
    """A small table: one number, one yes/no, one choice; red, yellow, green and a note."""
    table = {
        "scope": {"age_to": 60, "age_to_unit": "months"},
        "questions": [
            {
                "key": "rate",
                "kind": "number",
                "label_zh": "呼吸频率",
                "label_en": "respiratory rate",
                "unit": "per_min",
                "min_value": 5,
                "max_value": 120,
            },
            {"key": "sign", "kind": "yes_no", "label_zh": "体征", "label_en": "sign"},
            {
                "key": "pinch",
                "kind": "choice",
                "label_zh": "皮肤弹性",
                "label_en": "skin pinch",
                "choices": [
                    {"value": "slowly", "label_zh": "缓慢", "label_en": "slowly"},
                    {"value": "immediately", "label_zh": "立即", "label_en": "immediately"},
                ],
            },
            {
                "key": "spo2",
                "kind": "number",
                "label_zh": "血氧",
                "label_en": "SpO2",
                "unit": "percent",
                "min_value": 50,
                "max_value": 100,
                "required": False,
            },
        ],
        "classifications": [
            {"code": "red", "colour": "red", "name_zh": "红", "name_en": "Red one"},
            {"code": "yellow", "colour": "yellow", "name_zh": "黄", "name_en": "Yellow one"},
            {"code": "green", "colour": "green", "name_zh": "绿", "name_en": "Green one", "is_default": True},
            {"code": "note", "colour": "yellow", "name_zh": "注", "name_en": "A note", "is_note": True},
        ],
        "rules": [
            {"classification": "red", "conditions": [{"question": "spo2", "operator": "lt", "threshold": 90}]},
            {
                "classification": "yellow",
                "conditions": [
                    {
                        "question": "rate",
                        "operator": "gte",
                        "threshold": 50,
                        "age_from": 60,
                        "age_from_unit": "days",
                        "age_to": 12,
                        "age_to_unit": "months",
                    }
                ],
            },
            {
                "classification": "red",
                "min_conditions": 2,
                "conditions": [
                    {"question": "sign", "operator": "eq", "value": "yes"},
                    {"question": "pinch", "operator": "eq", "value": "slowly"},
                    {"question": "rate", "operator": "gt", "threshold": 70},
                ],
            },
            {"classification": "note", "conditions": [{"question": "rate", "operator": "lte", "threshold": 10}]},
        ],
        "test_cases": [],
    }
    table.update(changes)
    return table


def _answers(**answers) -> dict:
    return {"rate": Decimal(30), "sign": "no", "pinch": "immediately", "spo2": None, **answers}


@pytest.fixture
def spec() -> PathwaySpec:
    return PathwaySpec.from_document(_table())


def test_no_rule_fires_gives_the_default_green(spec) -> None:
    outcome = spec.evaluate(_answers(), TEN_MONTHS)

    assert outcome.classification.code == "green"
    assert outcome.fired == ()


@pytest.mark.parametrize(("rate", "code"), [(49, "green"), (50, "yellow"), (52, "yellow")])
def test_an_inclusive_threshold_in_its_age_band(spec, rate, code) -> None:
    assert spec.evaluate(_answers(rate=Decimal(rate)), TEN_MONTHS).classification.code == code


def test_outside_its_age_band_a_threshold_does_not_fire(spec) -> None:
    twelve_months = ChildAge.between(date(2025, 11, 26), date(2026, 11, 26))

    assert spec.evaluate(_answers(rate=Decimal(60)), twelve_months).classification.code == "green"


@pytest.mark.parametrize(("spo2", "code"), [(89, "red"), (90, "green"), (None, "green")])
def test_an_exclusive_threshold_and_a_value_not_measured(spec, spo2, code) -> None:
    answer = Decimal(spo2) if spo2 is not None else None

    assert spec.evaluate(_answers(spo2=answer), ChildAge(days=800, months=26)).classification.code == code


@pytest.mark.parametrize(
    ("answers", "fires"),
    [
        ({"sign": "yes"}, False),
        ({"sign": "yes", "pinch": "slowly"}, True),
        ({"pinch": "slowly", "rate": Decimal(71)}, True),
        ({"rate": Decimal(70), "pinch": "slowly"}, False),  # 70 > 70 is false: one of three
    ],
)
def test_at_least_n_of_the_conditions(spec, answers, fires) -> None:
    outcome = spec.evaluate(_answers(**answers), ChildAge(days=800, months=26))

    two_of_three = [fired for fired in outcome.fired if fired.rule.min_conditions == 2]
    assert bool(two_of_three) is fires


def test_red_wins_over_yellow_and_both_rows_are_reported(spec) -> None:
    outcome = spec.evaluate(_answers(rate=Decimal(55), spo2=Decimal(85)), TEN_MONTHS)

    assert outcome.classification.code == "red"
    assert [fired.rule.classification.code for fired in outcome.fired] == ["red", "yellow"]


def test_a_note_is_reported_beside_the_classification_and_never_replaces_it(spec) -> None:
    outcome = spec.evaluate(_answers(rate=Decimal(8)), TEN_MONTHS)

    assert outcome.classification.code == "green"
    assert [note.code for note in outcome.notes] == ["note"]


@translation.override("en")
def test_the_fired_row_is_quoted_with_the_answer_the_threshold_and_the_band(spec) -> None:
    outcome = spec.evaluate(_answers(rate=Decimal(52)), TEN_MONTHS)

    (fired,) = outcome.fired_json()
    assert fired["classification"] == "yellow"
    assert fired["conditions"][0]["text"]["en"] == "respiratory rate 52 ≥ 50 /min (60 days to under 12 months)"
    assert fired["conditions"][0]["answer"] == "52"
    assert fired["conditions"][0]["threshold"] == "50"


@translation.override("en")
def test_answers_are_checked_against_the_plausible_range(spec) -> None:
    answers, errors = spec.parse_answers({"rate": "500", "sign": "no", "pinch": "immediately", "extra": "1"})

    assert errors["rate"] == "respiratory rate of 500 is not plausible: enter a value from 5 to 120 /min."
    assert "extra" in errors
    assert answers["spo2"] is None  # optional


@translation.override("en")
def test_answers_must_be_given_and_valid(spec) -> None:
    _, errors = spec.parse_answers({"rate": "abc", "pinch": "sometimes"})

    assert errors == {
        "rate": "Enter a number.",
        "sign": "Answer this question.",
        "pinch": "Choose one of the answers offered.",
    }


@translation.override("en")
@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            {
                "rules": [
                    {"classification": "nope", "conditions": [{"question": "rate", "operator": "gte", "threshold": 1}]}
                ]
            },
            "“classification” must be the code of a classification above",
        ),
        (
            {
                "rules": [
                    {"classification": "red", "conditions": [{"question": "missing", "operator": "eq", "value": "yes"}]}
                ]
            },
            "“question” must be the key of a question above",
        ),
        (
            {
                "rules": [
                    {"classification": "red", "conditions": [{"question": "rate", "operator": "~", "threshold": 1}]}
                ]
            },
            "“operator” must be eq, gte, gt, lte or lt",
        ),
        (
            {
                "rules": [
                    {"classification": "red", "conditions": [{"question": "sign", "operator": "gte", "threshold": 1}]}
                ]
            },
            "a comparison needs a number question",
        ),
        (
            {
                "rules": [
                    {"classification": "red", "conditions": [{"question": "sign", "operator": "eq", "value": "maybe"}]}
                ]
            },
            "“value” must be yes, no or one of the question's choices",
        ),
        ({"rules": [{"classification": "red", "conditions": []}]}, "a rule needs a list of at least one condition"),
        (
            {
                "rules": [
                    {"classification": "green", "conditions": [{"question": "sign", "operator": "eq", "value": "yes"}]}
                ]
            },
            "no rule may imply the default classification",
        ),
        ({"scope": {"age_from": 12, "age_to": 2}}, "the band ends before it starts"),
        (
            {
                "test_cases": [
                    {"name": "x", "born": "2025-13-01", "assessed_on": "2025-01-01", "answers": {}, "expected": "red"}
                ]
            },
            "“born” must be a date (YYYY-MM-DD)",
        ),
        (
            {
                "test_cases": [
                    {"name": "x", "born": "2025-01-01", "assessed_on": "2025-02-01", "answers": {}, "expected": "note"}
                ]
            },
            "“expected” must be the code of a classification (not a note)",
        ),
    ],
)
def test_a_document_with_a_mistake_is_refused_with_the_reason(change, problem) -> None:
    with pytest.raises(DocumentError) as refused:
        PathwaySpec.from_document(_table(**change))

    assert any(problem in message for message in refused.value.problems), refused.value.problems


@translation.override("en")
def test_a_table_needs_exactly_one_green_default() -> None:
    table = _table()
    table["classifications"][2]["is_default"] = False

    with pytest.raises(DocumentError) as refused:
        PathwaySpec.from_document(table)

    assert "exactly one classification must be the default, green and not a note" in refused.value.problems[0]


@translation.override("en")
def test_a_number_question_needs_a_plausible_range() -> None:
    table = _table()
    del table["questions"][0]["max_value"]

    with pytest.raises(DocumentError) as refused:
        PathwaySpec.from_document(table)

    assert any("plausible" in problem for problem in refused.value.problems)


def test_every_problem_is_listed_at_once() -> None:
    table = _table(rules=[{"classification": "nope", "conditions": [{"question": "missing"}]}])
    table["questions"][1]["kind"] = "essay"

    with pytest.raises(DocumentError) as refused:
        PathwaySpec.from_document(table)

    assert len(refused.value.problems) >= 3


@translation.override("en")
def test_a_failing_case_reports_what_came_out() -> None:
    table = document("cough")
    table["test_cases"] = [
        {
            "name": "10 months 52/min",
            "born": "2025-01-10",
            "assessed_on": "2025-11-10",
            "answers": {**table["test_cases"][0]["answers"], "respiratory_rate": 52},
            "expected": "cough_or_cold",
        }
    ]

    (result,) = PathwaySpec.from_document(table).run_cases()

    assert not result.passed
    assert (result.expected, result.actual, result.actual_name) == ("cough_or_cold", "pneumonia", "Pneumonia")
    assert result.age_text == "10 months"


@translation.override("en")
def test_a_case_outside_the_pathways_ages_fails() -> None:
    table = document("cough")
    case = {**table["test_cases"][0], "born": "2020-01-01", "assessed_on": "2025-01-01"}
    table["test_cases"] = [case]

    (result,) = PathwaySpec.from_document(table).run_cases()

    assert not result.passed
    assert result.error == "This pathway applies to children aged under 5 years only."
