from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class MonthForm(forms.Form):
    """The month a report is for ("2025-03"); this month when absent or not a month."""

    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False, label=_("Month"))

    def clean_month(self) -> date | None:
        value = self.cleaned_data.get("month")
        if not value:
            return None
        month = date(int(value[:4]), int(value[5:7]), 1)
        if month > timezone.localdate():
            raise forms.ValidationError(_("Choose a month that has begun."))
        return month

    def chosen_month(self) -> date:
        chosen = self.cleaned_data.get("month") if self.is_valid() else None
        return chosen or timezone.localdate().replace(day=1)
