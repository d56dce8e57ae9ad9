"""Every threshold of the demo pathways at its boundary.

Each test case shipped with each demo pathway (both sides of every threshold and age
boundary) must give its expected classification; and, written out by hand, the fast
breathing boundaries of IMCI that matter most.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from handbook.triage import ChildAge, PathwaySpec

from .triage_support import DOCUMENTS, NORMAL_ANSWERS

SPECS = {slug: PathwaySpec.from_document(table) for slug, table in DOCUMENTS.items()}
CASES = [(slug, case) for slug, spec in SPECS.items() for case in spec.test_cases]


@pytest.mark.parametrize(("slug", "case"), CASES, ids=[f"{slug}: {case.name}" for slug, case in CASES])
def test_each_demo_case_gives_its_expected_classification(slug, case) -> None:
    result = SPECS[slug].run_case(case)

    assert result.passed, (result.expected, result.actual, result.expected_notes, result.actual_notes, result.error)


def _thresholds(table: dict) -> list[tuple[str, str, object]]:
    return [
        (condition["question"], condition["operator"], condition.get("threshold"))
        for rule in table["rules"]
        for condition in rule["conditions"]
        if condition["operator"] != "eq"
    ]


@pytest.mark.parametrize("slug", DOCUMENTS)
def test_each_numeric_threshold_has_a_case_on_the_threshold(slug) -> None:
    """A boundary test for every threshold: some case answers exactly the threshold value (or,
    for a strict comparison, the first value that fires)."""
    answered = {
        (key, Decimal(str(value)))
        for case in DOCUMENTS[slug]["test_cases"]
        for key, value in case["answers"].items()
        if isinstance(value, int | float)
    }
    for key, operator, threshold in _thresholds(DOCUMENTS[slug]):
        edge = Decimal(str(threshold))
        step = {"gt": Decimal(1), "lt": Decimal(-1)}.get(operator, Decimal(0))
        assert (key, edge) in answered or (key, edge + step) in answered, (key, operator, threshold)


def _cough(born: date, on: date, rate: int) -> str:
    spec = SPECS["cough"]
    raw = {**NORMAL_ANSWERS["cough"], "respiratory_rate": str(rate)}
    answers, errors = spec.parse_answers(raw)
    assert not errors
    outcome = spec.evaluate(answers, ChildAge.between(born, on))
    return f"{outcome.classification.colour} {outcome.classification.code}"


@pytest.mark.parametrize(
    ("born", "on", "rate", "result"),
    [
        # 10 months: 2-12 months band, fast breathing is 50 or more.
        (date(2025, 1, 10), date(2025, 11, 10), 52, "yellow pneumonia"),
        (date(2025, 1, 10), date(2025, 11, 10), 49, "green cough_or_cold"),
        # Exactly 12 months (born 2025-11-26, seen 2026-11-26): the 12 months-5 years band, 40 or more.
        (date(2025, 11, 26), date(2026, 11, 26), 40, "yellow pneumonia"),
        (date(2025, 11, 26), date(2026, 11, 26), 50, "yellow pneumonia"),
        (date(2025, 11, 26), date(2026, 11, 26), 39, "green cough_or_cold"),
        # 11 months 29 days: still 2-12 months, 49 is not fast.
        (date(2025, 11, 26), date(2026, 11, 24), 49, "green cough_or_cold"),
        # 59 days: a young infant, fast breathing is 60 or more.
        (date(2025, 1, 1), date(2025, 3, 1), 60, "yellow pneumonia"),
        (date(2025, 1, 1), date(2025, 3, 1), 59, "green cough_or_cold"),
        # 60 days ("2 months" in IMCI's sense): the 2-12 months band, 50 or more. 59/min is
        # therefore fast breathing at 2 months; 49 is not.
        (date(2025, 1, 1), date(2025, 3, 2), 59, "yellow pneumonia"),
        (date(2025, 1, 1), date(2025, 3, 2), 49, "green cough_or_cold"),
    ],
)
def test_fast_breathing_boundaries(born, on, rate, result) -> None:
    assert _cough(born, on, rate) == result


def test_exactly_five_years_is_outside_the_cough_pathway() -> None:
    age = ChildAge.between(date(2021, 11, 26), date(2026, 11, 26))

    assert SPECS["cough"].scope_error(age)
    assert not SPECS["cough"].scope_error(ChildAge.between(date(2021, 11, 26), date(2026, 11, 25)))
