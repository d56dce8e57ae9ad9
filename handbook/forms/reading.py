"""Forms of the reading pages: the topic filters and the search box."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AgeBand, Symptom


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search the handbook"), max_length=200, required=False)


class TopicFilterForm(forms.Form):
    symptom = forms.ChoiceField(label=_("Symptom"), choices=[("", _("All symptoms")), *Symptom.choices], required=False)
    age = forms.ChoiceField(label=_("Age"), choices=[("", _("All ages")), *AgeBand.choices], required=False)
