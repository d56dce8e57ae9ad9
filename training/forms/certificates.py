"""Forms of the certificate pages: the training managers' revoke and reissue."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ReissueForm(forms.Form):
    note = forms.CharField(
        label=_("Why (for the record)"),
        max_length=500,
        required=False,
        help_text=_("Correct the person's name in their account first: the new certificate uses it."),
    )
