"""Forms of the editors' pathway pages: a new pathway and its table as a JSON document."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Department

from ..models import Pathway, Topic
from ..triage import DocumentError, PathwaySpec


class PathwayDocumentForm(forms.Form):
    change_note = forms.CharField(
        label=_("What changed in this version"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    document = forms.CharField(
        label=_("The table as a JSON document"),
        widget=forms.Textarea(attrs={"rows": 30, "class": "font-monospace", "spellcheck": "false"}),
    )

    def clean_document(self) -> dict[str, Any]:
        text = self.cleaned_data["document"]
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("This is not valid JSON (line %(line)s, column %(column)s: %(message)s)."),
                params={"line": exc.lineno, "column": exc.colno, "message": exc.msg},
            ) from exc
        try:
            PathwaySpec.from_document(document)
        except DocumentError as exc:
            raise forms.ValidationError([forms.ValidationError(problem) for problem in exc.problems]) from exc
        return document


class NewPathwayForm(forms.Form):
    topic = forms.ModelChoiceField(label=_("Topic"), queryset=Topic.objects.none())
    slug = forms.SlugField(label=_("Address"), max_length=80)
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    specialty = forms.ChoiceField(
        label=_("Xinhua department for handovers"),
        choices=Department.Specialty.choices,
        initial=Department.Specialty.GENERAL_PEDIATRICS,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.filter(pathway__isnull=True).order_by("slug")

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Pathway.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("Another pathway has this address."))
        return slug
