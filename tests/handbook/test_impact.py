"""The review's rule-by-rule diff and impact analysis (handbook.impact): the issue's scenario,
≥ 40 made ≥ 41 with the failing test cases edited, is caught by the generated population."""

from __future__ import annotations

import copy
import json

from django.utils import translation

from handbook.demo import CONTENT
from handbook.impact import impact, population, rule_diff
from handbook.triage import PathwaySpec


def _cough() -> dict:
    return json.loads((CONTENT / "pathways" / "cough.json").read_text())["document"]


def _raised_threshold() -> dict:
    """≥ 40 becomes ≥ 41, and the author edits the cases that would have failed."""
    document = copy.deepcopy(_cough())
    for rule in document["rules"]:
        for condition in rule["conditions"]:
            if condition["question"] == "respiratory_rate" and condition.get("threshold") == 40:
                condition["threshold"] = 41
    spec = PathwaySpec.from_document(document)
    failing = {r.name for r in spec.run_cases() if not r.passed}
    for case in document["test_cases"]:
        if case["name"] in failing:
            case["expected"] = "cough_or_cold"
    return document


def test_the_edited_cases_pass_so_the_authors_gate_alone_would_let_it_through() -> None:
    spec = PathwaySpec.from_document(_raised_threshold())
    assert all(r.passed for r in spec.run_cases())


def test_the_impact_analysis_lists_the_child_at_rr_40_who_turns_green() -> None:
    with translation.override("en"):
        published = PathwaySpec.from_document(_cough())
        new = PathwaySpec.from_document(_raised_threshold())

        result = impact(published, new)

    assert result.checked > 100
    rr40 = [c for c in result.changes if c.child.name == "respiratory rate 40 /min"]
    assert rr40, [c.child.name for c in result.changes]
    assert all((c.before_colour, c.after_colour) == ("yellow", "green") for c in rr40)
    ages = {c.child.age_text for c in rr40}
    assert "12 months" in ages  # the band's first day
    # Nothing else changes: every child listed breathes 40 a minute (RR 39 and 41 keep their colour).
    assert {str(c.child.answers["respiratory_rate"]) for c in result.changes} == {"40"}


def test_the_same_version_changes_nobody() -> None:
    spec = PathwaySpec.from_document(_cough())
    assert impact(spec, spec).changes == []


def test_the_population_covers_every_band_boundary_and_threshold() -> None:
    with translation.override("en"):
        spec = PathwaySpec.from_document(_cough())
        children = population([spec])
    names = {c.name for c in children}
    assert {"respiratory rate 59 /min", "respiratory rate 60 /min", "respiratory rate 61 /min"} <= names
    assert {"respiratory rate 49 /min", "respiratory rate 50 /min", "respiratory rate 39 /min"} <= names
    days = {(c.on - c.born).days for c in children}
    assert {59, 60} <= days  # the young infant boundary, both sides


def test_the_rule_diff_names_the_changed_rule() -> None:
    with translation.override("en"):
        changes = rule_diff(PathwaySpec.from_document(_cough()), PathwaySpec.from_document(_raised_threshold()))
    assert [c.kind for c in changes] == ["changed"]
    assert "≥ 40" in changes[0].before and "≥ 41" in changes[0].after
