"""Forms of the specialists' side: the queue's specialty, assigning, asking for information,
redirecting, declining and answering. They parse and check input; who may act and in which
state is decided by the Consultation model under its row lock."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Department, User
from cloudpeds.accounts.roles import Role
from cloudpeds.attachments.forms import MultipleClinicalFileField
from cloudpeds.attachments.models import Attachment

from ..models import Consultation, DeclineReason, Recommendation
from .asking import lead_departments

MAX_ANSWER_FILES = 5
# Half a year: longer than any follow-up a consultation sets; a typo (365 for 3) is caught.
# (The error message below says the number too.)
MAX_FOLLOW_UP_DAYS = 180


def _textarea(rows: int, placeholder: str | Any = "") -> forms.Textarea:
    attrs: dict[str, Any] = {"rows": rows}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.Textarea(attrs=attrs)


class QueueForm(forms.Form):
    """Which specialty's queue to show: group administrators may choose any of Xinhua's."""

    department = forms.ModelChoiceField(
        label=_("Specialty"),
        queryset=Department.objects.none(),
        empty_label=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the specialties listed.")},
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


def queue_departments(user: User) -> QuerySet[Department]:
    """The specialties whose queue this person may look at."""
    if user.has_role(Role.GROUP_ADMIN):
        return lead_departments().select_related("hospital")
    if user.has_role(Role.SPECIALIST) and user.department_id:
        return Department.objects.filter(pk=user.department_id).select_related("hospital")
    return Department.objects.none()


class AssignForm(forms.Form):
    colleague = forms.ModelChoiceField(
        label=_("Assign to"),
        queryset=User.objects.none(),
        to_field_name="public_id",
        empty_label=_("Choose a specialist"),
        error_messages={"invalid_choice": _("Choose a specialist of this department.")},
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["colleague"].queryset = (
            User.objects.with_role(Role.SPECIALIST)
            # Only verified specialists take a case (issue 15).
            .filter(department_id=consultation.department_id, qualification_verified_at__isnull=False)
            .order_by("last_name", "first_name", "pk")
            .distinct()
        )
        self.fields["colleague"].label_from_instance = lambda user: user.display_name


class RequestInfoForm(forms.Form):
    question = forms.CharField(
        label=_("What do you need to know?"),
        max_length=4000,
        widget=_textarea(4, _("e.g. a chest X-ray, the oxygen saturation in room air, the vaccination record")),
        error_messages={"required": _("Write what you need from the requesting doctor.")},
    )


class RedirectForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Send to the specialty"),
        queryset=Department.objects.none(),
        empty_label=_("Choose a specialty"),
        error_messages={"invalid_choice": _("Choose another specialty of Xinhua Hospital.")},
    )
    reason = forms.CharField(
        label=_("Why this specialty?"),
        max_length=2000,
        widget=_textarea(3),
        error_messages={"required": _("Say why the case belongs to that specialty.")},
    )

    def __init__(self, *args: Any, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = lead_departments().exclude(pk=consultation.department_id)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[("", _("Choose a reason")), *DeclineReason.choices],
        error_messages={"required": _("Choose a reason."), "invalid_choice": _("Choose a reason.")},
    )
    comment = forms.CharField(
        label=_("Comment for the requesting doctor"), max_length=2000, required=False, widget=_textarea(3)
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cleaned["comment"] = cleaned.get("comment", "").strip()
        if cleaned.get("reason") == DeclineReason.OTHER and not cleaned["comment"]:
            self.add_error("comment", _("Explain the reason when you choose “Other”."))
        return cleaned


class AnswerForm(forms.Form):
    assessment = forms.CharField(
        label=_("Assessment"),
        max_length=8000,
        widget=_textarea(5),
        error_messages={"required": _("Write your assessment.")},
    )
    recommendation = forms.ChoiceField(
        label=_("Recommendation"),
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a recommendation."), "invalid_choice": _("Choose a recommendation.")},
    )
    plan = forms.CharField(
        label=_("Plan"),
        max_length=8000,
        widget=_textarea(5, _("Treatment, doses, tests to do, what to watch for")),
        error_messages={"required": _("Write the plan.")},
    )
    family_advice = forms.CharField(
        label=_("Advice for the family"),
        max_length=4000,
        required=False,
        widget=_textarea(3, _("In plain words the parents can follow at home")),
    )
    follow_up_days = forms.IntegerField(
        label=_("Follow up in (days)"),
        min_value=1,
        max_value=MAX_FOLLOW_UP_DAYS,
        required=False,
        error_messages={
            "min_value": _("Follow up in 1 to 180 days, or leave it empty."),
            "max_value": _("Follow up in 1 to 180 days, or leave it empty."),
            "invalid": _("Enter a whole number of days."),
        },
    )
    files = MultipleClinicalFileField(label=_("Files for the requesting doctor"), max_files=MAX_ANSWER_FILES)
    file_kind = forms.ChoiceField(
        label=_("The files are"), choices=Attachment.Kind.choices, initial=Attachment.Kind.OTHER, required=False
    )

    def clean_file_kind(self) -> str:
        return self.cleaned_data.get("file_kind") or Attachment.Kind.OTHER
