"""What a new pathway version changes for children: a rule-by-rule diff and an impact analysis.

A reviewer who approves a changed threshold must see whom it changes, not only the author's
test cases (which the author can edit with the threshold: "≥ 40 became ≥ 41 with the two
failing expectations edited"). The impact analysis runs the published and the new version
side by side over

- every active reference case of the pathway (handbook.models.reference),
- every test case of both versions, and
- a generated population: every age at each band boundary either version uses (the day
  before, the day of), times each sign answered yes alone and each number at each threshold
  either version uses (just below, on, just above),

and lists every child whose colour changes. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext, gettext_lazy

from cloudpeds.patients.age import pediatric_age

from .triage import AgeUnit, ChildAge, PathwaySpec, QuestionKind, Rule, TestCase, add_months, number_text

# The population is dated on a fixed day so that the same two versions always give the same list.
ON = date(2026, 1, 31)


# The words of the review page, in the reader's language (the codes stay in data-change).
KIND_LABELS = {"added": gettext_lazy("added"), "removed": gettext_lazy("removed"), "changed": gettext_lazy("changed")}
COLOUR_WORDS = {"red": gettext_lazy("red"), "yellow": gettext_lazy("yellow"), "green": gettext_lazy("green")}


def colour_word(colour: str) -> str:
    return str(COLOUR_WORDS.get(colour, colour))


@dataclass(frozen=True)
class RuleChange:
    kind: str  # "added", "removed", "changed"
    label: str
    before: str = ""
    after: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])


def _rule_key(rule: Rule) -> tuple[str, str]:
    return (rule.classification.code, rule.label_en or rule.label_zh)


def _rule_text(rule: Rule) -> str:
    return f"{rule.classification.name} ({colour_word(rule.classification.colour)}): {rule.describe()}"


def rule_diff(published: PathwaySpec | None, new: PathwaySpec) -> list[RuleChange]:
    """The rules added, removed and changed, matched by classification and label."""
    old = {_rule_key(r): r for r in published.rules} if published else {}
    fresh = {_rule_key(r): r for r in new.rules}
    changes = []
    for key, rule in fresh.items():
        if key not in old:
            changes.append(RuleChange("added", rule.label, after=_rule_text(rule)))
        elif _rule_text(old[key]) != _rule_text(rule):
            changes.append(RuleChange("changed", rule.label, before=_rule_text(old[key]), after=_rule_text(rule)))
    for key, rule in old.items():
        if key not in fresh:
            changes.append(RuleChange("removed", rule.label, before=_rule_text(rule)))
    return changes


@dataclass(frozen=True)
class Child:
    name: str
    born: date
    on: date
    answers: dict[str, Any]

    @property
    def age_text(self) -> str:
        return pediatric_age(self.born, self.on)


@dataclass(frozen=True)
class ColourChange:
    child: Child
    before: str  # "red: Severe pneumonia"
    after: str
    before_colour: str
    after_colour: str


def _ages(specs: list[PathwaySpec]) -> list[date]:
    """Dates of birth at every band boundary the versions use: the day before and the day of."""
    births = {ON - timedelta(days=2 * 365)}
    for spec in specs:
        bands = [spec.scope] if spec.scope else []
        bands += [c.band for r in spec.rules for c in r.conditions if c.band is not None]
        for band in bands:
            for bound in (band.start, band.end):
                if bound is None:
                    continue
                exact = ON - timedelta(days=bound.value) if bound.unit == AgeUnit.DAYS else add_months(ON, -bound.value)
                births.update({exact, exact + timedelta(days=1)})
    in_scope = []
    for born in sorted(births, reverse=True):
        age = ChildAge.between(born, ON)
        if all(not spec.scope_error(age) for spec in specs):
            in_scope.append(born)
    return in_scope


def _variations(specs: list[PathwaySpec]) -> list[tuple[str, dict[str, Any]]]:
    questions = {q.key: q for spec in specs for q in spec.questions}
    variations: list[tuple[str, dict[str, Any]]] = [(gettext("no sign"), {})]
    for key, question in questions.items():
        if question.kind == QuestionKind.YES_NO:
            variations.append((gettext("%(sign)s: yes") % {"sign": question.label}, {key: "yes"}))
        elif question.kind == QuestionKind.CHOICE:
            variations += [(f"{question.label}: {c.label}", {key: c.value}) for c in question.choices]
    thresholds: dict[str, set[Decimal]] = {}
    for spec in specs:
        for rule in spec.rules:
            for condition in rule.conditions:
                if condition.threshold is not None:
                    thresholds.setdefault(condition.question.key, set()).add(condition.threshold)
    for key, values in thresholds.items():
        question = questions[key]
        for value in sorted(values):
            step = Decimal(1) if value == value.to_integral_value() else Decimal("0.1")
            for number in (value - step, value, value + step):
                variations.append(
                    (f"{question.label} {number_text(number)} {question.unit_label()}".strip(), {key: number})
                )
    return variations


def _base(specs: list[PathwaySpec]) -> dict[str, Any]:
    return {q.key: ("no" if q.kind == QuestionKind.YES_NO else None) for spec in specs for q in spec.questions}


def population(specs: list[PathwaySpec]) -> list[Child]:
    base = _base(specs)
    children = []
    for born in _ages(specs):
        for label, change in _variations(specs):
            children.append(Child(label, born, ON, {**base, **change}))
    return children


def _case_children(specs: list[PathwaySpec], reference: Sequence[TestCase] = ()) -> list[Child]:
    base = _base(specs)
    children = []
    for case in reference:
        parsed: dict[str, Any] = {}
        for spec in specs:
            keys = {q.key for q in spec.questions}
            answers, _errors = spec.parse_answers(
                {k: v for k, v in case.answers.items() if k in keys and v is not None}
            )
            parsed.update({k: v for k, v in answers.items() if v is not None})
        name = gettext("Reference case: %(name)s") % {"name": case.name}
        children.append(Child(name, case.born, case.assessed_on, {**base, **parsed}))
    for spec in specs:
        for case in spec.test_cases:
            answers, _errors = spec.parse_answers({k: v for k, v in case.answers.items() if v is not None})
            children.append(Child(case.name, case.born, case.assessed_on, {**base, **answers}))
    return children


def _outcome(spec: PathwaySpec, child: Child) -> tuple[str, str]:
    known = {q.key for q in spec.questions}
    answers = {k: v for k, v in child.answers.items() if k in known}
    classification = spec.evaluate(answers, ChildAge.between(child.born, child.on)).classification
    return classification.colour, f"{colour_word(classification.colour)}: {classification.name}"


@dataclass
class Impact:
    checked: int
    changes: list[ColourChange]


def impact(published: PathwaySpec, new: PathwaySpec, reference: Sequence[TestCase] = ()) -> Impact:
    """Every child (the reference cases, the test cases of both versions, then the generated
    population) whose colour changes."""
    specs = [published, new]
    children = _case_children(specs, reference) + population(specs)
    changes = []
    seen = set()
    for child in children:
        key = (child.name, child.born, child.on)
        if key in seen:
            continue
        seen.add(key)
        age = ChildAge.between(child.born, child.on)
        if published.scope_error(age) or new.scope_error(age):
            continue
        before_colour, before = _outcome(published, child)
        after_colour, after = _outcome(new, child)
        if before_colour != after_colour:
            changes.append(ColourChange(child, before, after, before_colour, after_colour))
    return Impact(checked=len(seen), changes=changes)
