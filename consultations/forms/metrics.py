"""The metrics page's filter: the period, one requesting hospital, one specialty."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Department, Hospital

from ..metrics import MetricsFilter, default_start


class MetricsFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    hospital = forms.ModelChoiceField(
        label=_("Requesting hospital"), queryset=Hospital.objects.all(), required=False, empty_label=_("All hospitals")
    )
    specialty = forms.ChoiceField(label=_("Specialty"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["specialty"].choices = [("", _("All specialties")), *Department.Specialty.choices]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data

    def filters(self, today: date | None = None) -> MetricsFilter:
        """The filter to apply: the last twelve months unless the form says otherwise
        (an invalid form counts as no filter)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end = data.get("end") or today or timezone.localdate()
        start = data.get("start") or default_start(end)
        return MetricsFilter(start=start, end=end, hospital=data.get("hospital"), specialty=data.get("specialty", ""))
