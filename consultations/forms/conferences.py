"""Forms of live case conferences: scheduling one, recording its summary.

They parse and validate input; who may be invited, and that the time is in the future,
are the model's rules (CaseConference.schedule) and come back as form errors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import CaseConference, Consultation

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User

DURATION_CHOICES = [
    (15, _("15 minutes")),
    (30, _("30 minutes")),
    (45, _("45 minutes")),
    (60, _("1 hour")),
    (90, _("1 hour 30 minutes")),
    (120, _("2 hours")),
]


class ParticipantField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, user: User) -> str:
        where = [place.name for place in (user.hospital, user.department) if place is not None]
        return " · ".join([user.display_name, *where])


class ConferenceForm(forms.Form):
    scheduled_for = forms.DateTimeField(
        label=_("Date and time"),
        # The browser's date-time picker; the value is read in the portal's time zone.
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.TypedChoiceField(label=_("Duration"), choices=DURATION_CHOICES, coerce=int, initial=30)
    participants = ParticipantField(
        label=_("Participants"),
        queryset=CaseConference.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Doctors of the requesting hospital and specialists of the department."),
    )

    def __init__(self, *args, consultation: Consultation, organiser: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = CaseConference.candidates(consultation, organiser)


class SummaryForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary of the conference"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who took part, what was decided, and what happens next."),
    )
