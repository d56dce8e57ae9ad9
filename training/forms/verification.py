"""The form of the public verification page: a code as people type it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40)
