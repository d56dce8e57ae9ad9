"""Forms of teaching cases, case conferences and attendance (training/models/teaching.py)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import User
from handbook.models import Topic

from ..models import CaseConference, Course, TeachingCase


class TeachingCaseForm(forms.ModelForm):
    class Meta:
        model = TeachingCase
        fields = ["title", "course", "topic", "summary", "teaching_points"]
        widgets = {"summary": forms.Textarea(attrs={"rows": 8}), "teaching_points": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "summary": _(
                "No name, record number, exact date, phone or ID number: write ages and days "
                "(“a 10-month-old boy, day 3 of fever”). The text is checked when you save."
            )
        }

    def __init__(self, *args, consultation, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.consultation = consultation
        self.fields["course"].queryset = Course.objects.order_by("slug")
        self.fields["topic"].queryset = Topic.objects.order_by("slug")


class ConferenceForm(forms.ModelForm):
    class Meta:
        model = CaseConference
        fields = ["title", "held_on", "credit_hours", "cases"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def clean_credit_hours(self):
        value = self.cleaned_data["credit_hours"]
        if value is not None and not (0 < value <= 10):
            raise forms.ValidationError(_("Give between 0.5 and 10 credits."))
        return value


class AttendanceForm(forms.Form):
    attendees = forms.ModelMultipleChoiceField(
        label=_("Doctors who attended"),
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, doctors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = doctors
        self.fields["attendees"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} · {user.hospital.name if user.hospital_id else ''}"
        )
