"""Forms of the triage pages: they parse and validate input.

The triage form is built from the pathway version's questions; the answers are checked by
the pathway's own rules (handbook.triage), so a form and a test case accept the same things.
The typed-in age is shared with the dosing calculator's form.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cloudpeds.patients.models import Patient

from ..triage import NO, YES, AnswerError, ChildAge, EnteredAgeUnit, PathwaySpec, Question, QuestionKind, birth_date_for

# Ages typed in: under 3 months the young infant tables count days, and an age in months
# cannot say on which side of 60 days a child is.
DAYS_REQUIRED_UNDER_MONTHS = 3
MAX_ENTERED_AGE = {EnteredAgeUnit.DAYS: 18 * 366, EnteredAgeUnit.MONTHS: 18 * 12, EnteredAgeUnit.YEARS: 18}


def question_field_name(key: str) -> str:
    return f"q_{key}"


class EnteredAgeMixin(forms.Form):
    """The child's age typed in (when no registered child is chosen): a date of birth first,
    or a number and a unit. There is no default unit: "3" meant as 3 years must never
    silently become 3 months (RR 45 is fast breathing at 3 months, not at 3 years)."""

    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    age_value = forms.IntegerField(label=_("or age"), required=False, min_value=0)
    age_unit = forms.ChoiceField(
        label=_("Unit"), choices=[("", _("choose a unit")), *EnteredAgeUnit.choices], required=False
    )

    def entered_birth_date(self, today: date, *, required: bool) -> date | None:
        """The date of birth given or the one the typed age stands for; adds an error and returns None if unusable."""
        born = self.cleaned_data.get("date_of_birth")
        if born is not None:
            if born > today:
                self.add_error("date_of_birth", _("The date of birth cannot be in the future."))
                return None
            return born
        value = self.cleaned_data.get("age_value")
        unit = self.cleaned_data.get("age_unit") or ""
        if value is None:
            if required and "age_value" not in self.errors and "date_of_birth" not in self.errors:
                self.add_error("date_of_birth", _("Enter the child's date of birth (or age and unit)."))
            return None
        if not unit:
            self.add_error("age_unit", _("Choose the unit of the age: days, months or years."))
            return None
        if unit == EnteredAgeUnit.MONTHS and value < DAYS_REQUIRED_UNDER_MONTHS and self.days_matter:
            self.add_error(
                "age_value",
                _("Under 3 months, enter the age in days: the young infant thresholds are counted in days."),
            )
            return None
        if unit == EnteredAgeUnit.YEARS and value < 1 and self.days_matter:
            self.add_error("age_value", _("Under one year, enter the age in months (or in days under 3 months)."))
            return None
        if value > MAX_ENTERED_AGE[EnteredAgeUnit(unit)]:
            self.add_error("age_value", _("The handbook is for children up to 18 years."))
            return None
        return birth_date_for(value, unit, today)

    days_matter = True


class TriageForm(EnteredAgeMixin):
    """The pathway's questions, and the child's age when no registered child is chosen.

    `patient` is resolved by the view (through the access rule) before the form sees it; with
    a patient the age comes from the record and the typed age is ignored.
    """

    # The steps of a pathway that follows the IMCI general danger signs: those signs first,
    # and the other questions only when none of them is present (as the WHO IMCI app does).
    DANGER_STEP = "danger"
    ALL_STEP = "all"

    def __init__(
        self,
        spec: PathwaySpec,
        *args: Any,
        patient: Patient | None = None,
        today: date | None = None,
        step: str = ALL_STEP,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.patient = patient
        self.today = today or timezone.localdate()
        self.step = self.DANGER_STEP if step == self.DANGER_STEP and spec.danger_sign_questions() else self.ALL_STEP
        if patient is not None:
            del self.fields["date_of_birth"]
            del self.fields["age_value"]
            del self.fields["age_unit"]
        for question in self.questions():
            self.fields[question_field_name(question.key)] = self._field(question)

    def questions(self) -> tuple[Question, ...]:
        """The questions of this step: the danger signs first, then the others."""
        if self.step == self.DANGER_STEP:
            return self.spec.danger_sign_questions()
        return self.spec.danger_sign_questions() + self.spec.other_questions()

    def danger_sign_present(self) -> bool:
        """A valid danger-sign step with one "yes": the triage stops there (urgent referral)."""
        answers = self.cleaned_data.get("answers", {})
        return any(answers.get(q.key) == YES for q in self.spec.danger_sign_questions())

    def danger_fields(self) -> list[forms.BoundField]:
        return [self[question_field_name(q.key)] for q in self.spec.danger_sign_questions()]

    def other_fields(self) -> list[forms.BoundField]:
        if self.step == self.DANGER_STEP:
            return []
        return [self[question_field_name(q.key)] for q in self.spec.other_questions()]

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {"label": question.text, "help_text": question.help, "required": question.required}
        if question.kind == QuestionKind.YES_NO:
            return forms.ChoiceField(choices=[(YES, _("Yes")), (NO, _("No"))], widget=forms.RadioSelect, **common)
        if question.kind == QuestionKind.CHOICE:
            return forms.ChoiceField(
                choices=[(choice.value, choice.label) for choice in question.choices],
                widget=forms.RadioSelect,
                **common,
            )
        unit = question.unit_label()
        if unit:
            common["label"] = f"{question.text} ({unit})"
        # Plausible range checked by the pathway (one message for form and test cases).
        return forms.DecimalField(widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}), **common)

    def question_fields(self) -> list[forms.BoundField]:
        return [self[question_field_name(question.key)] for question in self.questions()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.patient is not None:
            born = self.patient.date_of_birth
        else:
            born = self.entered_birth_date(self.today, required=True)
        if born is not None:
            error = self.spec.scope_error(ChildAge.between(born, self.today))
            if error:
                self.add_error(None if self.patient is not None else "age_value", error)
        cleaned["born"] = born
        answers: dict[str, Any] = {}
        for question in self.questions():
            name = question_field_name(question.key)
            if name not in cleaned:
                continue  # the field's own error is shown
            try:
                answers[question.key] = question.parse(cleaned[name])
            except AnswerError as exc:
                self.add_error(name, str(exc))
        cleaned["answers"] = answers
        return cleaned
