"""Forms of the exam pages: they parse and validate; the rules are on the models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from ..importers import MAX_OPTIONS, TRUE_FALSE_OPTIONS
from ..models import Course, Exam, ExamOverride, Question, QuestionCategory, QuestionKind

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


class AnswerForm(forms.Form):
    """The options picked for one question, as indexes into the options shown."""

    option = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, option_count: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = [(str(index), str(index)) for index in range(option_count)]


class CategoryForm(forms.ModelForm):
    class Meta:
        model = QuestionCategory
        fields = ["code", "name_zh", "name_en"]

    def __init__(self, *args, course: Course, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.course = course

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        taken = QuestionCategory.objects.filter(course=self.course, code=code).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("This course already has a category with this code."))
        return code


_USED_QUESTION = _(
    "This question has been used in exams: its kind and answer key cannot change. Retire it and add a new one."
)


class QuestionForm(forms.ModelForm):
    """A question and up to six options (a true-or-false question needs only its answer)."""

    true_false_answer = forms.TypedChoiceField(
        label=_("The statement is"),
        choices=[("true", _("True")), ("false", _("False"))],
        coerce=lambda value: value == "true",
        required=False,
        widget=forms.RadioSelect,
    )

    class Meta:
        model = Question
        fields = ["category", "kind", "text_zh", "text_en", "explanation_zh", "explanation_en"]
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields[2:]}

    def __init__(self, *args, course: Course, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.course = course
        self.fields["category"].queryset = QuestionCategory.objects.filter(course=course)
        existing = list(self.instance.choices.all()) if self.instance.pk else []
        for n in range(1, MAX_OPTIONS + 1):
            choice = existing[n - 1] if n <= len(existing) and self.instance.kind != QuestionKind.TRUE_FALSE else None
            self.fields[f"option{n}_zh"] = forms.CharField(
                label=_("Option %(n)d (Chinese)") % {"n": n}, required=False, max_length=500
            )
            self.fields[f"option{n}_en"] = forms.CharField(
                label=_("Option %(n)d (English)") % {"n": n}, required=False, max_length=500
            )
            self.fields[f"option{n}_correct"] = forms.BooleanField(label=_("Correct"), required=False)
            if choice is not None:
                self.initial.setdefault(f"option{n}_zh", choice.text_zh)
                self.initial.setdefault(f"option{n}_en", choice.text_en)
                self.initial.setdefault(f"option{n}_correct", choice.is_correct)
        if self.instance.pk and self.instance.kind == QuestionKind.TRUE_FALSE and existing:
            self.initial.setdefault("true_false_answer", "true" if existing[0].is_correct else "false")

    def option_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (self[f"option{n}_zh"], self[f"option{n}_en"], self[f"option{n}_correct"])
            for n in range(1, MAX_OPTIONS + 1)
        ]

    def clean(self) -> dict:
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind == QuestionKind.TRUE_FALSE:
            answer = cleaned.get("true_false_answer")
            if answer is None or answer == "":
                self.add_error("true_false_answer", _("Say whether the statement is true or false."))
                return cleaned
            options = [(zh, en, ok) for (zh, en), ok in zip(TRUE_FALSE_OPTIONS, (answer, not answer), strict=True)]
        else:
            options = [
                (
                    cleaned.get(f"option{n}_zh", ""),
                    cleaned.get(f"option{n}_en", ""),
                    bool(cleaned.get(f"option{n}_correct")),
                )
                for n in range(1, MAX_OPTIONS + 1)
                if cleaned.get(f"option{n}_zh") or cleaned.get(f"option{n}_en")
            ]
        if kind:
            for error in Question.option_errors(kind, options):
                self.add_error(None, error)
        saved = self.instance.pk is not None
        if (
            saved
            and (kind != self.instance.kind or self.instance._options_changed(options))
            and self.instance.is_used()
        ):
            self.add_error(None, _USED_QUESTION)
        cleaned["options"] = options
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), help_text=_("UTF-8 or GB18030 (as Excel saves it), at most 2 MB."))


class ExamSettingsForm(forms.ModelForm):
    """The exam's settings and how many questions each attempt draws from each category."""

    class Meta:
        model = Exam
        fields = [
            "time_limit_minutes",
            "pass_mark_percent",
            "attempts_allowed",
            "wait_minutes",
            "show_answers",
            "requires_completion",
            "instructions_zh",
            "instructions_en",
        ]
        widgets = {
            "instructions_zh": forms.Textarea(attrs={"rows": 3}),
            "instructions_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, course: Course, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.categories = list(QuestionCategory.objects.filter(course=course))
        counts = {rule.category_id: rule.count for rule in self.instance.draw_rules.all()} if self.instance.pk else {}
        for category in self.categories:
            name = f"draw_{category.pk}"
            self.fields[name] = forms.IntegerField(
                label=category.name, min_value=0, max_value=200, initial=counts.get(category.pk, 0)
            )

    def draw_fields(self) -> list[tuple[QuestionCategory, forms.BoundField]]:
        return [(category, self[f"draw_{category.pk}"]) for category in self.categories]

    def draw_counts(self) -> dict[int, int]:
        return {category.pk: self.cleaned_data[f"draw_{category.pk}"] for category in self.categories}


def _learner_label(user: User) -> str:
    return f"{user.display_name} ({user.username})"


class OverrideForm(forms.ModelForm):
    learner = forms.ModelChoiceField(label=_("Learner"), queryset=get_user_model().objects.none())

    class Meta:
        model = ExamOverride
        fields = ["extra_minutes", "extra_attempts", "reason"]

    def __init__(self, *args, course: Course, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        learners = get_user_model().objects.filter(enrolments__course=course).order_by("last_name", "first_name", "pk")
        self.fields["learner"].queryset = learners
        self.fields["learner"].label_from_instance = _learner_label
