"""Interactive triage: the child's age, the pathway's table as data, and its evaluation.

A pathway version is a small table: questions, classifications, rules and test cases. It
is one JSON document (stored on the version, edited by the editors as JSON, shipped as
files in the content folder); `PathwaySpec` is the validated, immutable form that the
engine evaluates, and `PathwaySpec.as_document()` writes it back with every field explicit.
Nothing here touches the database.

The rule language is deliberately small:

- a condition tests one answer: equals a value (yes/no, a choice), or a numeric comparison
  against a threshold (>=, >, <=, <), optionally only within an age band;
- a rule holds when all of its conditions hold, or, if it says so, at least N of them
  (IMCI's "two of the following signs");
- several rules may imply the same classification: rules are alternatives (OR);
- the result is the highest-priority classification any rule implied (red > yellow >
  green; within a colour, the one listed first), or the default green one. Classifications
  marked as notes ("cough for 14 days or more: assess further") are reported beside it and
  never replace it.

Age is the heart of the IMCI tables, and their boundaries must be exact:

- months are completed calendar months, the same count as the age on the patient page
  (cloudpeds.patients.age): born 2025-11-26 is exactly 12 months old on 2026-11-26, and 11
  months 30 days the day before;
- days are days since birth (the young infant band, "up to 2 months", is 0 to 59 days);
  ChildAge, completed_months and age_in_days are the platform's (cloudpeds.core.ages), the
  same ones the consultation form's vital signs use;
- age bands are half-open, [from, to): a child of exactly 12 months is in the band that
  starts at 12 months, never in the one that ends there. Each end of a band has its own
  unit, so that a table can continue a band counted in days with one counted in months
  without a gap or an overlap ([0, 60 days), [60 days, 12 months), [12 months, 5 years)).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cloudpeds.core.ages import ChildAge, age_in_days, completed_months  # noqa: F401 (the engine re-exports them)
from cloudpeds.patients.age import pediatric_age

YES = "yes"
NO = "no"
YEAR = 12


class AgeUnit(models.TextChoices):
    DAYS = "days", _("days")
    MONTHS = "months", _("months")


class EnteredAgeUnit(models.TextChoices):
    """Units a doctor may type an age in (years are whole years of 12 months)."""

    DAYS = "days", _("days")
    MONTHS = "months", _("months")
    YEARS = "years", _("years")


# The colours of handbook.models.topics.Colour (the IMCI chart's), by priority. Plain values
# here: this module is imported by the models and must not import them.
RED, YELLOW, GREEN = "red", "yellow", "green"
COLOUR_RANK = {RED: 3, YELLOW: 2, GREEN: 1}
# Colours that offer a handover (a consultation or a referral) from the result page.
HANDOVER_COLOURS = frozenset({RED, YELLOW})


class QuestionKind(models.TextChoices):
    YES_NO = "yes_no", _("Yes or no")
    CHOICE = "choice", _("One of several choices")
    NUMBER = "number", _("Number")


class Operator(models.TextChoices):
    EQ = "eq", "="
    GTE = "gte", "≥"
    GT = "gt", ">"
    LTE = "lte", "≤"
    LT = "lt", "<"


NUMERIC_OPERATORS = frozenset({Operator.GTE, Operator.GT, Operator.LTE, Operator.LT})
_COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    Operator.GTE: operator.ge,
    Operator.GT: operator.gt,
    Operator.LTE: operator.le,
    Operator.LT: operator.lt,
}


class Unit(models.TextChoices):
    PER_MINUTE = "per_min", _("/min")
    CELSIUS = "celsius", "°C"
    PERCENT = "percent", "%"
    DAYS = "days", _("days")
    SECONDS = "seconds", _("seconds")
    KG = "kg", "kg"


class VitalSign(models.TextChoices):
    """The consultation field a number question fills in when the case is handed over."""

    TEMPERATURE = "temperature_c", _("Temperature")
    HEART_RATE = "heart_rate", _("Heart rate")
    RESPIRATORY_RATE = "respiratory_rate", _("Respiratory rate")
    SPO2 = "spo2", _("SpO₂")
    WEIGHT = "weight_kg", _("Weight")


LANGUAGES = (("zh", "zh-hans"), ("en", "en"))

# --- Guidance sign lists ------------------------------------------------------------------
#
# The signs a guideline lists for a decision, by the question keys the demo pathways use.
# A pathway document names the lists it follows ("guidance"); it may conclude green only if
# every sign of those lists is asked by a question and tested by a rule that leads away
# from green. A sign that is never asked is a validation error of the document ("unasked
# sign"), so that a child whose only sign is that one is never told "care at home".
IMCI_DANGER_SIGNS = "imci_general_danger_signs"
GUIDANCE_SIGNS: dict[str, tuple[str, ...]] = {
    # WHO IMCI general danger signs (2 months to 5 years): any one is red.
    IMCI_DANGER_SIGNS: ("unable_to_drink", "vomits_everything", "convulsions_history", "lethargic", "convulsing_now"),
    # NICE NG143 red (high risk) features. "Seizures" is the IMCI "convulsions in this illness".
    "nice_ng143_red": (
        "abnormal_skin_colour",
        "no_social_response",
        "appears_ill",
        "not_waking",
        "abnormal_cry",
        "grunting",
        "respiratory_rate",
        "chest_indrawing",
        "reduced_skin_turgor",
        "temperature",
        "non_blanching_rash",
        "bulging_fontanelle",
        "stiff_neck",
        "status_epilepticus",
        "focal_neurological_signs",
        "convulsions_history",
    ),
    # NICE NG143 amber (intermediate risk) features the clinical facts list.
    "nice_ng143_amber": ("temperature", "fever_days", "respiratory_rate", "spo2", "capillary_refill"),
}
# The lists whose signs must lead to red (not only away from green).
RED_GUIDANCE = frozenset({IMCI_DANGER_SIGNS, "nice_ng143_red"})


def in_both_languages(render: Callable[[], str]) -> dict[str, str]:
    """{"zh": ..., "en": ...}: what `render` gives in each language of the portal.

    A triage result is stored with its explanation in both languages, so that a
    consultation started from it reads the same for a specialist who reads English.
    """
    texts = {}
    for suffix, code in LANGUAGES:
        with translation.override(code):
            texts[suffix] = str(render())
    return texts


def pick(zh: str, en: str) -> str:
    """The text of the active language (Chinese unless English is active)."""
    language = translation.get_language() or "zh-hans"
    return en if language.startswith("en") and en else zh


# --- Age --------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier), clamped to the month's end."""
    year, month = divmod(day.month - 1 + months, YEAR)
    year += day.year
    month += 1
    next_month = date(year + (month == YEAR), month % YEAR + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return date(year, month, min(day.day, last_day))


def birth_date_for(value: int, unit: str, on: date) -> date:
    """The date of birth of a child whose age is typed as `value` `unit` on `on`.

    An age in months is taken as exactly that many months (today is the monthly birthday),
    an age in years as exactly that many years.
    """
    if value < 0:
        raise ValueError("An age cannot be negative.")
    if unit == EnteredAgeUnit.DAYS:
        return on - timedelta(days=value)
    months = value * YEAR if unit == EnteredAgeUnit.YEARS else value
    return add_months(on, -months)


@dataclass(frozen=True)
class AgeBound:
    value: int
    unit: str

    def label(self) -> str:
        if self.unit == AgeUnit.DAYS:
            return gettext("%(n)s days") % {"n": self.value}
        if self.value >= 2 * YEAR and self.value % YEAR == 0:
            return gettext("%(n)s years") % {"n": self.value // YEAR}
        return gettext("%(n)s months") % {"n": self.value}


@dataclass(frozen=True)
class AgeBand:
    """[start, end): the child's age is at least `start` and under `end` (either may be open)."""

    start: AgeBound | None = None
    end: AgeBound | None = None

    @classmethod
    def from_fields(
        cls, age_from: int | None, age_from_unit: str, age_to: int | None, age_to_unit: str
    ) -> AgeBand | None:
        start = AgeBound(int(age_from), age_from_unit) if age_from is not None else None
        end = AgeBound(int(age_to), age_to_unit) if age_to is not None else None
        return cls(start, end) if start or end else None

    def covers(self, age: ChildAge) -> bool:
        if self.start is not None and age.in_unit(self.start.unit) < self.start.value:
            return False
        return self.end is None or age.in_unit(self.end.unit) < self.end.value

    def label(self) -> str:
        if self.start is not None and self.end is not None:
            if self.start.unit == self.end.unit == AgeUnit.MONTHS and self.end.value < 2 * YEAR:
                # "2–12 months", as the IMCI chart writes it.
                return gettext("%(from)s–%(to)s months") % {"from": self.start.value, "to": self.end.value}
            return gettext("%(from)s to under %(to)s") % {"from": self.start.label(), "to": self.end.label()}
        if self.end is not None:
            return gettext("under %(to)s") % {"to": self.end.label()}
        return gettext("%(from)s and older") % {"from": self.start.label() if self.start else "0"}

    def as_fields(self) -> dict[str, Any]:
        return {
            "age_from": self.start.value if self.start else None,
            "age_from_unit": self.start.unit if self.start else AgeUnit.MONTHS,
            "age_to": self.end.value if self.end else None,
            "age_to_unit": self.end.unit if self.end else AgeUnit.MONTHS,
        }


# --- The table --------------------------------------------------------------------------


def number_text(value: Decimal) -> str:
    """52 for 52, 37.5 for 37.50: as few decimals as the value needs."""
    text = format(value.normalize(), "f")
    return text


def number_json(value: Decimal | None) -> int | float | None:
    """A decimal for a JSON document: an int when whole, else a float (37.5 stays 37.5)."""
    if value is None:
        return None
    value = value.normalize()
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class Choice:
    value: str
    label_zh: str
    label_en: str

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en)


@dataclass(frozen=True)
class Question:
    key: str
    kind: str
    label_zh: str
    label_en: str
    text_zh: str = ""
    text_en: str = ""
    help_zh: str = ""
    help_en: str = ""
    unit: str = ""
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    vital_sign: str = ""

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en)

    @property
    def text(self) -> str:
        return pick(self.text_zh, self.text_en) or self.label

    @property
    def help(self) -> str:
        return pick(self.help_zh, self.help_en)

    def unit_label(self) -> str:
        return str(Unit(self.unit).label) if self.unit else ""

    def as_document(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "help_zh": self.help_zh,
            "help_en": self.help_en,
            "unit": self.unit,
            "min_value": number_json(self.min_value),
            "max_value": number_json(self.max_value),
            "required": self.required,
            "choices": [
                {"value": choice.value, "label_zh": choice.label_zh, "label_en": choice.label_en}
                for choice in self.choices
            ],
            "vital_sign": self.vital_sign,
        }

    def choice(self, value: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.value == value), None)

    def answer_text(self, answer: Any) -> str:
        """An answer as a person reads it, in the active language."""
        if answer is None or answer == "":
            return gettext("not answered")
        if self.kind == QuestionKind.YES_NO:
            return gettext("yes") if answer == YES else gettext("no")
        if self.kind == QuestionKind.CHOICE:
            choice = self.choice(answer)
            return choice.label if choice else str(answer)
        unit = self.unit_label()
        return f"{number_text(Decimal(answer))} {unit}".strip()

    def parse(self, raw: Any) -> str | Decimal | None:
        """The answer in the engine's form, or AnswerError with a message for a person."""
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if self.required:
                raise AnswerError(gettext("Answer this question."))
            return None
        if self.kind == QuestionKind.YES_NO:
            if raw is True or raw in (YES, "true", "True"):
                return YES
            if raw is False or raw in (NO, "false", "False"):
                return NO
            raise AnswerError(gettext("Answer yes or no."))
        if self.kind == QuestionKind.CHOICE:
            if self.choice(str(raw)) is None:
                raise AnswerError(gettext("Choose one of the answers offered."))
            return str(raw)
        try:
            value = to_decimal(raw)
        except ValueError as exc:
            raise AnswerError(gettext("Enter a number.")) from exc
        if (self.min_value is not None and value < self.min_value) or (
            self.max_value is not None and value > self.max_value
        ):
            raise AnswerError(
                gettext("%(label)s of %(value)s is not plausible: enter a value from %(min)s to %(max)s %(unit)s.")
                % {
                    "label": self.label,
                    "value": number_text(value),
                    "min": number_text(self.min_value) if self.min_value is not None else "…",
                    "max": number_text(self.max_value) if self.max_value is not None else "…",
                    "unit": self.unit_label(),
                }
            )
        return value


class AnswerError(ValueError):
    """An answer that cannot be used; the message is for the person who typed it."""


def to_decimal(raw: Any) -> Decimal:
    if isinstance(raw, bool):
        raise ValueError("not a number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValueError("not a number") from exc
    if not value.is_finite():
        raise ValueError("not a number")
    return value


@dataclass(frozen=True)
class Classification:
    code: str
    colour: str
    name_zh: str
    name_en: str
    actions_zh: str = ""
    actions_en: str = ""
    is_note: bool = False
    is_default: bool = False
    position: int = 0

    @property
    def name(self) -> str:
        return pick(self.name_zh, self.name_en)

    @property
    def actions(self) -> str:
        return pick(self.actions_zh, self.actions_en)

    @property
    def priority(self) -> tuple[int, int]:
        return (COLOUR_RANK[self.colour], -self.position)

    def as_json(self) -> dict[str, Any]:
        """What a run keeps of its classification."""
        return {
            "code": self.code,
            "colour": self.colour,
            "name_zh": self.name_zh,
            "name_en": self.name_en,
            "actions_zh": self.actions_zh,
            "actions_en": self.actions_en,
        }

    def as_document(self) -> dict[str, Any]:
        return {**self.as_json(), "is_note": self.is_note, "is_default": self.is_default}


@dataclass(frozen=True)
class Condition:
    question: Question
    operator: str
    value: str = ""
    threshold: Decimal | None = None
    band: AgeBand | None = None

    def holds(self, answer: str | Decimal | None, age: ChildAge) -> bool:
        if answer is None:
            return False  # not measured: the rule cannot fire on it
        if self.band is not None and not self.band.covers(age):
            return False
        if self.operator == Operator.EQ or self.threshold is None:
            return answer == self.value
        return _COMPARE[self.operator](Decimal(answer), self.threshold)

    def describe(self, answer: str | Decimal | None = None) -> str:
        """The condition in words, with the child's answer when given: "respiratory rate 52 ≥ 50 /min (age band)"."""
        q = self.question
        if self.operator == Operator.EQ or self.threshold is None:
            text = gettext("%(label)s: %(answer)s") % {"label": q.label, "answer": q.answer_text(self.value)}
        else:
            params = {
                "label": q.label,
                "answer": number_text(Decimal(answer)) if answer is not None else "",
                "operator": Operator(self.operator).label,
                "threshold": number_text(self.threshold),
                "unit": q.unit_label(),
            }
            text = " ".join(
                part
                for part in (params["label"], params["answer"], params["operator"], params["threshold"], params["unit"])
                if part
            )
        if self.band is not None:
            text = gettext("%(condition)s (%(band)s)") % {"condition": text, "band": self.band.label()}
        return text

    def as_json(self, answer: str | Decimal | None) -> dict[str, Any]:
        return {
            "question": self.question.key,
            "operator": self.operator,
            "value": self.value,
            "threshold": number_text(self.threshold) if self.threshold is not None else None,
            "answer": number_text(answer) if isinstance(answer, Decimal) else answer,
            "band": self.band.as_fields() if self.band else None,
            "text": in_both_languages(lambda: self.describe(answer)),
        }

    def as_document(self) -> dict[str, Any]:
        document: dict[str, Any] = {"question": self.question.key, "operator": self.operator}
        if self.operator == Operator.EQ:
            document["value"] = self.value
        else:
            document["threshold"] = number_json(self.threshold)
        if self.band is not None:
            document.update(self.band.as_fields())
        return document


@dataclass(frozen=True)
class Rule:
    classification: Classification
    conditions: tuple[Condition, ...]
    min_conditions: int | None = None
    label_zh: str = ""
    label_en: str = ""
    position: int = 0

    @property
    def label(self) -> str:
        return pick(self.label_zh, self.label_en)

    @property
    def needed(self) -> int:
        return self.min_conditions or len(self.conditions)

    def describe(self) -> str:
        """The row as the table page shows it."""
        parts = [condition.describe() for condition in self.conditions]
        if self.needed == len(self.conditions):
            joined = gettext(" and ").join(parts)
        elif self.needed == 1:
            joined = gettext("any of: %(conditions)s") % {"conditions": "; ".join(parts)}
        else:
            joined = gettext("at least %(n)s of: %(conditions)s") % {"n": self.needed, "conditions": "; ".join(parts)}
        return joined

    def as_document(self) -> dict[str, Any]:
        return {
            "classification": self.classification.code,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "min_conditions": self.min_conditions,
            "conditions": [condition.as_document() for condition in self.conditions],
        }


@dataclass(frozen=True)
class FiredRule:
    rule: Rule
    held: tuple[tuple[Condition, str | Decimal | None], ...]

    def as_json(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "position": rule.position,
            "classification": rule.classification.code,
            "classification_name": {"zh": rule.classification.name_zh, "en": rule.classification.name_en},
            "colour": rule.classification.colour,
            "is_note": rule.classification.is_note,
            "label_zh": rule.label_zh,
            "label_en": rule.label_en,
            "needed": rule.needed,
            "of": len(rule.conditions),
            "conditions": [condition.as_json(answer) for condition, answer in self.held],
        }


@dataclass(frozen=True)
class Outcome:
    classification: Classification
    notes: tuple[Classification, ...]
    fired: tuple[FiredRule, ...]

    @property
    def colour(self) -> str:
        return self.classification.colour

    def fired_json(self) -> list[dict[str, Any]]:
        return [fired.as_json() for fired in self.fired]

    def notes_json(self) -> list[dict[str, Any]]:
        return [note.as_json() for note in self.notes]


@dataclass(frozen=True)
class CaseResult:
    """A test case run against its version: passed, and what came out."""

    name: str
    passed: bool
    born: date
    assessed_on: date
    expected: str
    expected_notes: tuple[str, ...]
    expected_name: str = ""
    actual: str = ""
    actual_notes: tuple[str, ...] = ()
    actual_name: str = ""
    outcome: Outcome | None = None
    error: str = ""

    @property
    def age_text(self) -> str:
        return pediatric_age(self.born, self.assessed_on)


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest test class

    name: str
    born: date
    assessed_on: date
    answers: Mapping[str, Any]
    expected: str
    expected_notes: tuple[str, ...] = ()

    def as_document(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "born": self.born.isoformat(),
            "assessed_on": self.assessed_on.isoformat(),
            "answers": dict(self.answers),
            "expected": self.expected,
            "expected_notes": list(self.expected_notes),
        }


@dataclass(frozen=True)
class PathwaySpec:
    questions: tuple[Question, ...]
    classifications: tuple[Classification, ...]
    rules: tuple[Rule, ...]
    scope: AgeBand | None = None
    test_cases: tuple[TestCase, ...] = field(default=())
    guidance: tuple[str, ...] = ()

    @property
    def default(self) -> Classification:
        return next(c for c in self.classifications if c.is_default)

    def classification_name(self, code: str) -> str:
        found = next((c for c in self.classifications if c.code == code), None)
        return found.name if found else code

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)

    def danger_sign_questions(self) -> tuple[Question, ...]:
        """The IMCI general danger signs this pathway asks (asked first: one yes stops the triage)."""
        if IMCI_DANGER_SIGNS not in self.guidance:
            return ()
        keys = GUIDANCE_SIGNS[IMCI_DANGER_SIGNS]
        return tuple(q for q in self.questions if q.key in keys)

    def other_questions(self) -> tuple[Question, ...]:
        danger = set(self.danger_sign_questions())
        return tuple(q for q in self.questions if q not in danger)

    def parse_answers(self, raw: Mapping[str, Any]) -> tuple[dict[str, str | Decimal | None], dict[str, str]]:
        """(answers, errors by question key). Keys that are not questions are errors too."""
        answers: dict[str, str | Decimal | None] = {}
        errors: dict[str, str] = {}
        for question in self.questions:
            try:
                answers[question.key] = question.parse(raw.get(question.key))
            except AnswerError as exc:
                errors[question.key] = str(exc)
        for key in raw:
            if not any(q.key == key for q in self.questions):
                errors[key] = gettext("There is no question “%(key)s” in this pathway.") % {"key": key}
        return answers, errors

    def scope_error(self, age: ChildAge) -> str:
        if self.scope is None or self.scope.covers(age):
            return ""
        return gettext("This pathway applies to children aged %(band)s only.") % {"band": self.scope.label()}

    def evaluate(self, answers: Mapping[str, str | Decimal | None], age: ChildAge) -> Outcome:
        """Every rule of the table against the parsed answers; the classification and why."""
        fired: list[FiredRule] = []
        for rule in self.rules:
            held = tuple(
                (condition, answers.get(condition.question.key))
                for condition in rule.conditions
                if condition.holds(answers.get(condition.question.key), age)
            )
            if len(held) >= rule.needed:
                fired.append(FiredRule(rule, held))
        implied = [f.rule.classification for f in fired if not f.rule.classification.is_note]
        classification = max(implied, key=lambda c: c.priority) if implied else self.default
        notes: list[Classification] = []
        for f in fired:
            note = f.rule.classification
            if note.is_note and note not in notes:
                notes.append(note)
        return Outcome(classification, tuple(sorted(notes, key=lambda n: n.position)), tuple(fired))

    def run_case(self, case: TestCase) -> CaseResult:
        expected_notes = tuple(sorted(case.expected_notes))
        base = {
            "name": case.name,
            "born": case.born,
            "assessed_on": case.assessed_on,
            "expected": case.expected,
            "expected_notes": expected_notes,
            "expected_name": self.classification_name(case.expected),
        }
        answers, errors = self.parse_answers(case.answers)
        if errors:
            problems = "; ".join(f"{key}: {message}" for key, message in sorted(errors.items()))
            return CaseResult(passed=False, error=problems, **base)
        try:
            age = ChildAge.between(case.born, case.assessed_on)
        except ValueError:
            return CaseResult(passed=False, error=gettext("The assessment date is before the date of birth."), **base)
        scope_error = self.scope_error(age)
        if scope_error:
            return CaseResult(passed=False, error=scope_error, **base)
        outcome = self.evaluate(answers, age)
        actual_notes = tuple(sorted(note.code for note in outcome.notes))
        passed = outcome.classification.code == case.expected and actual_notes == expected_notes
        return CaseResult(
            passed=passed,
            actual=outcome.classification.code,
            actual_notes=actual_notes,
            actual_name=outcome.classification.name,
            outcome=outcome,
            **base,
        )

    def run_cases(self) -> list[CaseResult]:
        return [self.run_case(case) for case in self.test_cases]

    @classmethod
    def from_document(cls, document: Mapping[str, Any]) -> PathwaySpec:
        return _DocumentReader(document).read()

    def as_document(self) -> dict[str, Any]:
        """The table as a document with every field written out (from_document reads it back)."""
        document = {
            "scope": self.scope.as_fields() if self.scope is not None else {},
            "questions": [question.as_document() for question in self.questions],
            "classifications": [classification.as_document() for classification in self.classifications],
            "rules": [rule.as_document() for rule in self.rules],
            "test_cases": [case.as_document() for case in self.test_cases],
        }
        if self.guidance:
            # Only when there is one: the versions stored before sign lists existed stay equal.
            document["guidance"] = list(self.guidance)
        return document


def empty_document() -> dict[str, Any]:
    """The table of a new pathway before its author writes it."""
    return {"scope": {}, "questions": [], "classifications": [], "rules": [], "test_cases": []}


# --- The document -----------------------------------------------------------------------


class DocumentError(ValueError):
    """A pathway document that does not describe a usable table; `problems` lists why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


class _DocumentReader:
    """Checks a pathway document field by field and builds the spec; collects every problem."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def read(self) -> PathwaySpec:
        doc = self.document
        if not isinstance(doc, Mapping):
            raise DocumentError([gettext("The document must be a JSON object.")])
        unknown = set(doc) - {"scope", "guidance", "questions", "classifications", "rules", "test_cases"}
        for key in sorted(unknown):
            self.problem(key, gettext("unknown section"))
        scope = self._band(doc.get("scope") or {}, "scope")
        guidance = self._guidance(self._list(doc, "guidance"))
        questions = self._questions(self._list(doc, "questions"))
        classifications = self._classifications(self._list(doc, "classifications"))
        rules = self._rules(self._list(doc, "rules"), questions, classifications)
        self._unasked_signs(guidance, questions, rules)
        cases = self._cases(self._list(doc, "test_cases"), classifications)
        if self.problems:
            raise DocumentError(self.problems)
        return PathwaySpec(
            questions=tuple(questions.values()),
            classifications=tuple(classifications.values()),
            rules=tuple(rules),
            scope=scope,
            test_cases=tuple(cases),
            guidance=tuple(guidance),
        )

    def _guidance(self, items: list[Any]) -> list[str]:
        names = []
        for item in items:
            if item not in GUIDANCE_SIGNS:
                self.problem("guidance", gettext("unknown sign list “%(name)s”") % {"name": item})
            elif item not in names:
                names.append(item)
        return names

    def _unasked_signs(self, guidance: list[str], questions: Mapping[str, Question], rules: list[Rule]) -> None:
        """Every sign of the guidance's lists is asked and leads away from green (red for red lists)."""
        for name in guidance:
            wanted = RED if name in RED_GUIDANCE else YELLOW
            for key in GUIDANCE_SIGNS[name]:
                tested = {
                    rule.classification.colour
                    for rule in rules
                    if not rule.classification.is_note
                    for condition in rule.conditions
                    if condition.question.key == key
                }
                if key not in questions or not tested or max(COLOUR_RANK[c] for c in tested) < COLOUR_RANK[wanted]:
                    self.problem(
                        "guidance",
                        gettext(
                            "unasked sign “%(sign)s” of %(list)s: a pathway may conclude green only when every "
                            "sign of its guidance is asked and leads to %(colour)s"
                        )
                        % {"sign": key, "list": name, "colour": wanted},
                    )

    def _list(self, doc: Mapping[str, Any], name: str) -> list[Any]:
        value = doc.get(name, [])
        if not isinstance(value, list):
            self.problem(name, gettext("must be a list"))
            return []
        return value

    def _text(self, item: Mapping[str, Any], name: str, where: str, *, required: bool = True) -> str:
        value = item.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.problem(where, gettext("“%(field)s” must be text") % {"field": name})
            return ""
        if required and not value.strip():
            self.problem(where, gettext("“%(field)s” is required") % {"field": name})
        return value.strip()

    def _key(self, item: Mapping[str, Any], name: str, where: str) -> str:
        value = self._text(item, name, where)
        if value and not set(value) <= _KEY_CHARS:
            self.problem(where, gettext("“%(field)s” may use only a-z, 0-9 and _") % {"field": name})
        return value

    def _decimal(self, item: Mapping[str, Any], name: str, where: str) -> Decimal | None:
        raw = item.get(name)
        if raw is None or raw == "":
            return None
        try:
            return to_decimal(raw)
        except ValueError:
            self.problem(where, gettext("“%(field)s” must be a number") % {"field": name})
            return None

    def _band(self, item: Any, where: str) -> AgeBand | None:
        if not isinstance(item, Mapping):
            self.problem(where, gettext("the age band must be an object"))
            return None
        values: dict[str, Any] = {}
        for end in ("age_from", "age_to"):
            raw = item.get(end)
            unit = item.get(f"{end}_unit") or AgeUnit.MONTHS
            if unit not in AgeUnit.values:
                self.problem(where, gettext("“%(field)s” must be days or months") % {"field": f"{end}_unit"})
            if raw is not None and (isinstance(raw, bool) or not isinstance(raw, int) or raw < 0):
                self.problem(where, gettext("“%(field)s” must be a whole number of 0 or more") % {"field": end})
                raw = None
            values[end], values[f"{end}_unit"] = raw, unit
        band = AgeBand.from_fields(**values)
        start, end = (band.start, band.end) if band else (None, None)
        if start is not None and end is not None and start.unit == end.unit and start.value >= end.value:
            self.problem(where, gettext("the band ends before it starts"))
        return band

    def _questions(self, items: list[Any]) -> dict[str, Question]:
        questions: dict[str, Question] = {}
        for index, item in enumerate(items, 1):
            where = gettext("question %(n)s") % {"n": index}
            if not isinstance(item, Mapping):
                self.problem(where, gettext("must be an object"))
                continue
            key = self._key(item, "key", where)
            if key in questions:
                self.problem(where, gettext("the key “%(key)s” is used twice") % {"key": key})
            kind = item.get("kind")
            if kind not in QuestionKind.values:
                self.problem(where, gettext("“kind” must be yes_no, choice or number"))
            unit = item.get("unit") or ""
            if unit and unit not in Unit.values:
                self.problem(where, gettext("unknown unit “%(unit)s”") % {"unit": unit})
            vital = item.get("vital_sign") or ""
            if vital and (vital not in VitalSign.values or kind != QuestionKind.NUMBER):
                self.problem(where, gettext("“vital_sign” must name a vital sign, on a number question"))
            minimum = self._decimal(item, "min_value", where)
            maximum = self._decimal(item, "max_value", where)
            if kind == QuestionKind.NUMBER and (minimum is None or maximum is None):
                self.problem(where, gettext("a number question needs plausible “min_value” and “max_value”"))
            elif minimum is not None and maximum is not None and minimum >= maximum:
                self.problem(where, gettext("“min_value” must be below “max_value”"))
            choices = self._choices(item.get("choices") or [], where)
            if kind == QuestionKind.CHOICE and len(choices) < 2:
                self.problem(where, gettext("a choice question needs at least two choices"))
            required = item.get("required", True)
            if kind != QuestionKind.NUMBER and required is False:
                self.problem(where, gettext("only number questions may be optional"))
            questions[key] = Question(
                key=key,
                kind=kind or "",
                label_zh=self._text(item, "label_zh", where),
                label_en=self._text(item, "label_en", where),
                text_zh=self._text(item, "text_zh", where, required=False),
                text_en=self._text(item, "text_en", where, required=False),
                help_zh=self._text(item, "help_zh", where, required=False),
                help_en=self._text(item, "help_en", where, required=False),
                unit=unit,
                min_value=minimum,
                max_value=maximum,
                required=bool(required),
                choices=tuple(choices),
                vital_sign=vital,
            )
        if not questions and not self.problems:
            self.problem("questions", gettext("a pathway needs at least one question"))
        return questions

    def _choices(self, items: Any, where: str) -> list[Choice]:
        if not isinstance(items, list):
            self.problem(where, gettext("“choices” must be a list"))
            return []
        choices: list[Choice] = []
        for item in items:
            if not isinstance(item, Mapping):
                self.problem(where, gettext("each choice must be an object"))
                continue
            value = self._key(item, "value", where)
            if any(c.value == value for c in choices):
                self.problem(where, gettext("the choice “%(value)s” is listed twice") % {"value": value})
            choices.append(Choice(value, self._text(item, "label_zh", where), self._text(item, "label_en", where)))
        return choices

    def _classifications(self, items: list[Any]) -> dict[str, Classification]:
        result: dict[str, Classification] = {}
        for index, item in enumerate(items, 1):
            where = gettext("classification %(n)s") % {"n": index}
            if not isinstance(item, Mapping):
                self.problem(where, gettext("must be an object"))
                continue
            code = self._key(item, "code", where)
            if code in result:
                self.problem(where, gettext("the code “%(code)s” is used twice") % {"code": code})
            colour = item.get("colour")
            if colour not in COLOUR_RANK:
                self.problem(where, gettext("“colour” must be red, yellow or green"))
            result[code] = Classification(
                code=code,
                colour=colour or GREEN,
                name_zh=self._text(item, "name_zh", where),
                name_en=self._text(item, "name_en", where),
                actions_zh=self._text(item, "actions_zh", where, required=False),
                actions_en=self._text(item, "actions_en", where, required=False),
                is_note=bool(item.get("is_note", False)),
                is_default=bool(item.get("is_default", False)),
                position=index,
            )
        defaults = [c for c in result.values() if c.is_default]
        if len(defaults) != 1 or defaults[0].colour != GREEN or defaults[0].is_note:
            self.problem(
                "classifications", gettext("exactly one classification must be the default, green and not a note")
            )
        return result

    def _rules(
        self, items: list[Any], questions: Mapping[str, Question], classifications: Mapping[str, Classification]
    ) -> list[Rule]:
        rules: list[Rule] = []
        for index, item in enumerate(items, 1):
            where = gettext("rule %(n)s") % {"n": index}
            if not isinstance(item, Mapping):
                self.problem(where, gettext("must be an object"))
                continue
            classification = classifications.get(item.get("classification") or "")
            if classification is None:
                self.problem(where, gettext("“classification” must be the code of a classification above"))
            elif classification.is_default:
                self.problem(where, gettext("no rule may imply the default classification"))
            conditions = []
            for number, raw in enumerate(self._conditions(item, where), 1):
                label = gettext("%(rule)s, condition %(n)s") % {"rule": where, "n": number}
                condition = self._condition(raw, questions, label)
                if condition is not None:
                    conditions.append(condition)
            needed = item.get("min_conditions")
            if needed is not None and (
                isinstance(needed, bool) or not isinstance(needed, int) or not 1 <= needed <= max(len(conditions), 1)
            ):
                self.problem(where, gettext("“min_conditions” must be from 1 to the number of conditions"))
                needed = None
            if classification is not None and conditions:
                rules.append(
                    Rule(
                        classification=classification,
                        conditions=tuple(conditions),
                        min_conditions=needed,
                        label_zh=self._text(item, "label_zh", where, required=False),
                        label_en=self._text(item, "label_en", where, required=False),
                        position=index,
                    )
                )
        return rules

    def _conditions(self, item: Mapping[str, Any], where: str) -> list[Any]:
        conditions = item.get("conditions")
        if not isinstance(conditions, list) or not conditions:
            self.problem(where, gettext("a rule needs a list of at least one condition"))
            return []
        return conditions

    def _condition(self, item: Any, questions: Mapping[str, Question], where: str) -> Condition | None:
        if not isinstance(item, Mapping):
            self.problem(where, gettext("must be an object"))
            return None
        question = questions.get(item.get("question") or "")
        if question is None:
            self.problem(where, gettext("“question” must be the key of a question above"))
            return None
        op = item.get("operator")
        band = self._band({k: v for k, v in item.items() if k.startswith("age_")}, where)
        if op == Operator.EQ:
            value = str(item.get("value", ""))
            valid = (question.kind == QuestionKind.YES_NO and value in (YES, NO)) or (
                question.kind == QuestionKind.CHOICE and question.choice(value) is not None
            )
            if not valid:
                self.problem(where, gettext("“value” must be yes, no or one of the question's choices"))
                return None
            return Condition(question, Operator.EQ, value=value, band=band)
        if op in NUMERIC_OPERATORS:
            threshold = self._decimal(item, "threshold", where)
            if question.kind != QuestionKind.NUMBER:
                self.problem(where, gettext("a comparison needs a number question"))
                return None
            if threshold is None:
                self.problem(where, gettext("a comparison needs a “threshold”"))
                return None
            return Condition(question, op, threshold=threshold, band=band)
        self.problem(where, gettext("“operator” must be eq, gte, gt, lte or lt"))
        return None

    def _cases(self, items: list[Any], classifications: Mapping[str, Classification]) -> list[TestCase]:
        cases: list[TestCase] = []
        for index, item in enumerate(items, 1):
            where = gettext("test case %(n)s") % {"n": index}
            if not isinstance(item, Mapping):
                self.problem(where, gettext("must be an object"))
                continue
            name = self._text(item, "name", where)
            dates = {}
            for name_ in ("born", "assessed_on"):
                try:
                    dates[name_] = date.fromisoformat(str(item.get(name_)))
                except ValueError:
                    self.problem(where, gettext("“%(field)s” must be a date (YYYY-MM-DD)") % {"field": name_})
            answers = item.get("answers")
            if not isinstance(answers, Mapping):
                self.problem(where, gettext("“answers” must be an object"))
                answers = {}
            expected = item.get("expected") or ""
            notes = item.get("expected_notes") or []
            known = {c.code for c in classifications.values() if not c.is_note}
            if expected not in known:
                self.problem(where, gettext("“expected” must be the code of a classification (not a note)"))
            note_codes = {c.code for c in classifications.values() if c.is_note}
            if not isinstance(notes, list) or not set(notes) <= note_codes:
                self.problem(where, gettext("“expected_notes” must list codes of notes"))
                notes = []
            if len(dates) == 2:
                cases.append(TestCase(name, dates["born"], dates["assessed_on"], dict(answers), expected, tuple(notes)))
        return cases


def describe_answers(spec: PathwaySpec, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The answers as stored with a run: each question's label and answer in both languages."""
    rows = []
    for question in spec.questions:
        answer = answers.get(question.key)
        rows.append(
            {
                "key": question.key,
                "answer": number_text(answer) if isinstance(answer, Decimal) else answer,
                "label": {"zh": question.label_zh, "en": question.label_en},
                "text": in_both_languages(lambda q=question, a=answer: q.answer_text(a)),
            }
        )
    return rows


def stored_answers(answers: Mapping[str, str | Decimal | None]) -> dict[str, str | None]:
    """Parsed answers as JSON: numbers as exact decimal strings."""
    return {key: number_text(value) if isinstance(value, Decimal) else value for key, value in answers.items()}


def failing(results: Iterable[CaseResult]) -> list[CaseResult]:
    return [result for result in results if not result.passed]
