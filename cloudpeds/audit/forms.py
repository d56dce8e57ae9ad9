from __future__ import annotations

from datetime import date

from crispy_forms.bootstrap import StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Hidden, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Hospital

# The oldest date a filter accepts: earlier ones are typing mistakes (the portal did not exist).
EARLIEST = date(2000, 1, 1)


class IsoDateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        # The browser's date picker sends and expects ISO dates whatever the language.
        super().__init__(format="%Y-%m-%d")


class DateRangeForm(forms.Form):
    """From/to filter of an audit page; both days inclusive, in the group's time zone."""

    date_from = forms.DateField(label=_("From"), required=False, widget=IsoDateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=IsoDateInput())

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("date_from", css_class="col-sm-4 col-lg-3"),
                Column("date_to", css_class="col-sm-4 col-lg-3"),
                Column(
                    StrictButton(_("Filter"), type="submit", css_class="btn-primary"),
                    css_class="col-sm-4 col-lg-3 d-flex align-items-end mb-3",
                ),
            )
        )

    def _clean_day(self, name: str) -> date | None:
        day = self.cleaned_data.get(name)
        if day is not None and day < EARLIEST:
            raise forms.ValidationError(
                _("Enter a date on or after %(date)s."), code="too_early", params={"date": EARLIEST.isoformat()}
            )
        return day

    def clean_date_from(self) -> date | None:
        return self._clean_day("date_from")

    def clean_date_to(self) -> date | None:
        return self._clean_day("date_to")

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The start date is after the end date."), code="reversed")
        return cleaned


class PatientSearchForm(forms.Form):
    """Find a child: by record number (within a hospital, or in all of them) or by name."""

    name = forms.CharField(label=_("Patient name"), max_length=80, required=False)
    record_number = forms.CharField(label=_("Medical record number"), max_length=40, required=False)
    hospital = forms.ModelChoiceField(
        label=_("Registering hospital"),
        queryset=Hospital.objects.all(),
        required=False,
        empty_label=_("All hospitals"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Hidden("find", "patients"),
            "name",
            Row(Column("record_number", css_class="col-md-6"), Column("hospital", css_class="col-md-6")),
            StrictButton(_("Find patient"), type="submit", css_class="btn-primary"),
        )

    def clean(self) -> dict:
        cleaned = super().clean()
        cleaned["name"] = cleaned.get("name", "").strip()
        cleaned["record_number"] = cleaned.get("record_number", "").strip()
        if not cleaned["name"] and not cleaned["record_number"]:
            raise forms.ValidationError(_("Enter a name or a medical record number."), code="empty")
        return cleaned


class UserSearchForm(forms.Form):
    who = forms.CharField(label=_("Username or name"), max_length=150)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Hidden("find", "users"), "who", StrictButton(_("Find user"), type="submit", css_class="btn-primary")
        )

    def clean_who(self) -> str:
        who = self.cleaned_data["who"].strip()
        if not who:
            raise forms.ValidationError(_("Enter a username or a name."), code="empty")
        return who


class SecurityLogForm(DateRangeForm):
    """The security log's filter: what happened, to or by whom (username), and when."""

    kind = forms.ChoiceField(label=_("Event"), required=False)
    who = forms.CharField(label=_("Username"), required=False, max_length=150)

    def __init__(self, *args, **kwargs) -> None:
        from .models import SecurityEvent

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("All events")), *SecurityEvent.Kind.choices]
        self.helper.layout = Layout(
            Row(
                Column("kind", css_class="col-sm-6 col-lg-3"),
                Column("who", css_class="col-sm-6 col-lg-3"),
                Column("date_from", css_class="col-sm-6 col-lg-2"),
                Column("date_to", css_class="col-sm-6 col-lg-2"),
                Column(
                    StrictButton(_("Filter"), type="submit", css_class="btn-primary"),
                    css_class="col-sm-4 col-lg-2 d-flex align-items-end mb-3",
                ),
            )
        )
