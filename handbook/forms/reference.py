"""The clinical-safety reviewers' form: a reference case proposed for a pathway."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ..triage import PathwaySpec


class ReferenceCaseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    born = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    assessed_on = forms.DateField(label=_("Assessed on"), widget=forms.DateInput(attrs={"type": "date"}))
    answers = forms.CharField(
        label=_("Answers (JSON: question key to answer)"),
        widget=forms.Textarea(attrs={"rows": 5, "class": "font-monospace", "spellcheck": "false"}),
    )
    expected = forms.ChoiceField(label=_("Expected classification"))
    expected_notes = forms.MultipleChoiceField(
        label=_("Expected notes"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, spec: PathwaySpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        self.fields["expected"].choices = [
            (c.code, f"{c.name} ({c.colour})") for c in spec.classifications if not c.is_note
        ]
        self.fields["expected_notes"].choices = [(c.code, c.name) for c in spec.classifications if c.is_note]

    def clean_answers(self) -> dict[str, Any]:
        try:
            answers = json.loads(self.cleaned_data["answers"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("This is not valid JSON.")) from exc
        if not isinstance(answers, dict):
            raise forms.ValidationError(_('Write the answers as an object: {"question key": answer}.'))
        _parsed, errors = self.spec.parse_answers({k: v for k, v in answers.items() if v is not None})
        if errors:
            raise forms.ValidationError([f"{key}: {message}" for key, message in sorted(errors.items())])
        return answers

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        born, on = data.get("born"), data.get("assessed_on")
        if isinstance(born, date) and isinstance(on, date) and on < born:
            self.add_error("assessed_on", _("The assessment date is before the date of birth."))
        return data
