"""The dosing calculator's form: a weight and the child's age (both required)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..models import weight_problem
from ..triage import ChildAge
from .triage import EnteredAgeMixin


class DosingForm(EnteredAgeMixin):
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    # A dose does not depend on days of age; months are precise enough here.
    days_matter = False

    field_order = ["weight_kg", "date_of_birth", "age_value", "age_unit"]

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        born = self.entered_birth_date(self.today, required=True)
        cleaned["born"] = born
        cleaned["on"] = self.today
        cleaned["age"] = ChildAge.between(born, self.today) if born is not None else None
        weight: Decimal | None = cleaned.get("weight_kg")
        if weight is not None:
            # The engine's own check (Drug.doses refuses the same weights): one message.
            problem = weight_problem(weight, born=born, on=self.today)
            if problem:
                self.add_error("weight_kg", problem)
        return cleaned
