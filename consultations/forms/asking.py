"""Forms of the asking side: the case, the thread, the information asked for, the closing
feedback, and the lists' filters. They parse and check input; the workflow rules (who may
send, what a case needs before it goes) live on the Consultation model."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Department, Hospital
from cloudpeds.attachments.forms import ClinicalFilesMixin
from cloudpeds.attachments.models import Attachment
from cloudpeds.patients.forms import ServiceConsentFields
from cloudpeds.patients.models import Patient

from ..models import Adoption, Consultation, Status, Urgency
from ..vitals import implausible_values


def lead_departments():
    """The specialties a case can be sent to: the lead hospital's departments."""
    return Department.objects.filter(hospital__level=Hospital.Level.LEAD).order_by("specialty", "pk")


def _label(field: str):
    return capfirst(Consultation._meta.get_field(field).verbose_name)


def _number_input(step: str, placeholder: str = "") -> forms.NumberInput:
    attrs = {"step": step, "inputmode": "decimal"}
    if placeholder:
        attrs["placeholder"] = placeholder
    return forms.NumberInput(attrs=attrs)


def _quantize(value: Decimal | None, places: str) -> Decimal | None:
    return None if value is None else value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


class ConsultationForm(ClinicalFilesMixin, ServiceConsentFields, forms.ModelForm):
    """The case as the requesting doctor writes it, draft or ready to send."""

    default_file_kind = Attachment.Kind.PHOTO

    # A fresh id per form: posting the same form twice (a double click, a retried request)
    # finds the consultation already made instead of making a second one.
    draft_id = forms.UUIDField(widget=forms.HiddenInput, required=False)

    department = forms.ModelChoiceField(
        label=_("Specialty asked"), queryset=lead_departments(), empty_label=_("Choose a specialty")
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), choices=Urgency.choices, initial=Urgency.ROUTINE, widget=forms.RadioSelect
    )
    # Vital signs are plain numbers here: the plausibility check for the child's age gives
    # a message naming the field, instead of a generic "too many digits".
    temperature_c = forms.DecimalField(
        label=_label("temperature_c"), required=False, widget=_number_input("0.1", "36.8")
    )
    heart_rate = forms.IntegerField(label=_label("heart_rate"), required=False, widget=_number_input("1"))
    respiratory_rate = forms.IntegerField(label=_label("respiratory_rate"), required=False, widget=_number_input("1"))
    spo2 = forms.IntegerField(label=_label("spo2"), required=False, widget=_number_input("1"))
    weight_kg = forms.DecimalField(label=_label("weight_kg"), required=False, widget=_number_input("0.01"))
    height_cm = forms.DecimalField(label=_label("height_cm"), required=False, widget=_number_input("0.1"))

    class Meta:
        model = Consultation
        fields = Consultation.DRAFT_FIELDS
        widgets = {
            "question": forms.Textarea(
                attrs={"rows": 3, "placeholder": _("e.g. Does this child need admission, or can we treat at home?")}
            ),
            "history": forms.Textarea(attrs={"rows": 4}),
            "symptoms": forms.Textarea(attrs={"rows": 3}),
            "symptom_duration": forms.TextInput(attrs={"placeholder": _("e.g. 3 days")}),
            "current_medicines": forms.Textarea(attrs={"rows": 2}),
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "tried_so_far": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"invited_title": _("Invited doctor's title (optional)")}
        help_texts = {
            "invited_title": _("Leave empty for any specialist of the department; otherwise this title or above."),
            "question": _("Required to send the case: the one question the specialist must answer."),
            "allergies": _("Copied from the child's record; correct it here if it is out of date."),
        }

    def __init__(self, *args: Any, patient: Patient, today: date | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.today = today or timezone.localdate()
        self.fields["department"].queryset = lead_departments()
        self.fields["attachments"].label = _("Files (photos, X-ray films, lab reports)")
        self.setup_service_consent(patient)
        if not self.is_bound:
            self.initial.setdefault("draft_id", uuid.uuid4())

    def clean_temperature_c(self) -> Decimal | None:
        return _quantize(self.cleaned_data.get("temperature_c"), "0.1")

    def clean_weight_kg(self) -> Decimal | None:
        return _quantize(self.cleaned_data.get("weight_kg"), "0.01")

    def clean_height_cm(self) -> Decimal | None:
        return _quantize(self.cleaned_data.get("height_cm"), "0.1")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_service_consent()
        errors = implausible_values(cleaned, self.patient.date_of_birth, self.today)
        for field, message in errors.items():
            self.add_error(field, message)
        return cleaned


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Child"),
        max_length=80,
        required=False,
        widget=forms.SearchInput(
            attrs={"class": "form-control", "placeholder": _("Name or medical record number"), "autocomplete": "off"}
        ),
    )


class MessageForm(ClinicalFilesMixin):
    default_file_kind = Attachment.Kind.PHOTO
    message_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    body = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a message.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("message_id", uuid.uuid4())


class ProvideInfoForm(ClinicalFilesMixin):
    default_file_kind = Attachment.Kind.PHOTO
    answer = forms.CharField(
        label=_("Your answer"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the information the specialist asked for.")},
    )


def _yes_no(value: str) -> bool:
    return value == "yes"


class CloseForm(forms.Form):
    advice_adopted = forms.ChoiceField(
        label=_("Was the advice adopted?"),
        choices=Adoption.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the advice was adopted.")},
    )
    not_adopted_reason = forms.CharField(
        label=_("Why not (fully)?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required unless the advice was adopted fully."),
    )
    referral_avoided = forms.TypedChoiceField(
        label=_("Was a referral to another hospital avoided?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=_yes_no,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether a referral was avoided.")},
    )
    usefulness = forms.TypedChoiceField(
        label=_("How useful was the answer? (1 = not useful, 5 = very useful)"),
        choices=[(str(score), str(score)) for score in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Rate the usefulness from 1 to 5.")},
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class ConsultationFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    department = forms.ModelChoiceField(
        label=_("Specialty"), queryset=lead_departments(), required=False, empty_label=_("All specialties")
    )
    mine = forms.BooleanField(label=_("Only the cases I asked"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", gettext("All statuses")), *Status.choices]
        self.fields["department"].queryset = lead_departments()
