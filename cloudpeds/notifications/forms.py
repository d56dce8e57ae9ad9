from __future__ import annotations

from django import forms

from .kinds import Kind


class EmailPreferencesForm(forms.Form):
    """One "email me" checkbox per registered kind, named by the kind's key."""

    def __init__(self, *args, kinds: list[Kind], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in kinds:
            self.fields[kind.key] = forms.BooleanField(label=kind.label, required=False)
