from __future__ import annotations

import contextlib

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import (
    SERVICE_CONSENT_TEXT_VERSION,
    Consent,
    ConsentAlreadyRecorded,
    GrowthMeasurement,
    Guardian,
    Patient,
    ServiceConsent,
    normalize_phone,
)

_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "name",
            "sex",
            "date_of_birth",
            "record_number",
            "national_id",
            "allergies",
            "chronic_conditions",
            "gestational_age_weeks",
            "birth_weight_g",
        ]
        widgets = {
            "date_of_birth": _DATE_INPUT,
            "allergies": forms.Textarea(attrs={"rows": 2}),
            "chronic_conditions": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "record_number": _("The medical record number your hospital gave the child."),
            "national_id": _("Optional. 18 characters; shown in full only to your hospital."),
            "allergies": _("For example: penicillin allergy. Leave empty if none are known."),
            "gestational_age_weeks": _("For newborns and infants: weeks of pregnancy at birth."),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["date_of_birth"].widget.attrs["max"] = timezone.localdate().isoformat()

    def clean_name(self) -> str:
        # Chinese names are written without spaces; stray spaces from input methods would
        # defeat the duplicate check.
        return "".join(self.cleaned_data["name"].split())

    def clean_record_number(self) -> str:
        number = self.cleaned_data["record_number"].strip()
        if Patient.objects.record_number_taken(self.instance.hospital, number, exclude_pk=self.instance.pk):
            raise forms.ValidationError(
                _("Another child of your hospital already has this medical record number."), code="taken"
            )
        return number

    def clean_national_id(self) -> str:
        return self.cleaned_data["national_id"].strip().upper()


class RegisterPatientForm(PatientForm):
    confirm_not_duplicate = forms.BooleanField(
        label=_("This is a different child: register a new record anyway"), required=False
    )


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = ["name", "relation", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"})}

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"])


class BaseGuardianFormSet(BaseInlineFormSet):
    default_error_messages = {
        "too_few_forms": _("Enter at least one guardian with name, relation and phone."),
    }

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        remaining = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)]
        if not remaining:
            raise forms.ValidationError(self.error_messages["too_few_forms"], code="too_few_forms")

    def phones(self) -> list[str]:
        return [
            form.cleaned_data["phone"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE", False) and form.cleaned_data.get("phone")
        ]


GuardianFormSet = inlineformset_factory(
    Patient,
    Guardian,
    form=GuardianForm,
    formset=BaseGuardianFormSet,
    extra=1,
    min_num=1,
    validate_min=True,
    can_delete=True,
)


class ConsentForm(forms.ModelForm):
    class Meta:
        model = Consent
        fields = ["scope", "given_by", "relation"]
        widgets = {"scope": forms.RadioSelect}
        labels = {"given_by": _("Guardian giving consent")}

    def clean_given_by(self) -> str:
        return self.cleaned_data["given_by"].strip()


class MeasurementForm(forms.ModelForm):
    class Meta:
        model = GrowthMeasurement
        fields = ["measured_on", "weight_kg", "height_cm", "head_circumference_cm", "muac_mm", "oedema_both_feet"]
        widgets = {
            "measured_on": _DATE_INPUT,
            "weight_kg": forms.NumberInput(attrs={"step": "0.01", "min": "0.3", "max": "150", "inputmode": "decimal"}),
            "height_cm": forms.NumberInput(attrs={"step": "0.1", "min": "20", "max": "220", "inputmode": "decimal"}),
            "head_circumference_cm": forms.NumberInput(
                attrs={"step": "0.1", "min": "20", "max": "70", "inputmode": "decimal"}
            ),
            "muac_mm": forms.NumberInput(attrs={"step": "1", "min": "50", "max": "400", "inputmode": "numeric"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["measured_on"].widget.attrs["max"] = timezone.localdate().isoformat()
        for name in ("weight_kg", "height_cm", "head_circumference_cm"):
            # Too many digits (1500 for 15.00) is the same typo as a value out of range: say
            # the range, which names the measurement, not "no more than 5 digits".
            range_message = GrowthMeasurement._meta.get_field(name).validators[0].message
            self.fields[name].error_messages.update(max_digits=range_message, max_whole_digits=range_message)
        if not self.is_bound:
            self.initial.setdefault("measured_on", timezone.localdate())


class ServiceConsentFields(forms.Form):
    """The remote-service consent step inside the form that sends a case (a consultation,
    a referral): the doctor records the guardian's signature where they are, and what was
    typed stays on the page. Shown only while the child has no active consent; filled in
    when the guardian has signed (`wants_service_consent`), recorded in the same
    transaction as the case by `record_service_consent`."""

    consent_signed = forms.BooleanField(
        label=_("The guardian has read the remote-consultation consent and signed it"), required=False
    )
    consent_guardian = forms.ModelChoiceField(
        label=_("Guardian who signed"), queryset=Guardian.objects.none(), required=False, empty_label=_("Choose")
    )
    consent_method = forms.ChoiceField(
        label=_("How it was signed"),
        choices=ServiceConsent.Method.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    consent_teen_agreed = forms.BooleanField(
        label=_("The teenager (14 or older) has agreed and signed too"), required=False
    )

    consent_sharing = forms.BooleanField(
        label=_("The guardian also agrees to share the record with the group's specialists and hospitals"),
        required=False,
    )

    CONSENT_FIELDS = ("consent_signed", "consent_guardian", "consent_method", "consent_teen_agreed")

    def setup_service_consent(self, patient: Patient) -> None:
        self.consent_patient = patient
        self.existing_service_consent = patient.active_service_consent()
        self.consent_needs_teen = ServiceConsent.needs_teen(patient)
        self.service_consent_version = SERVICE_CONSENT_TEXT_VERSION
        # Issue 12: the record-sharing consent, when missing, is asked on the same form
        # (its own row: a separate agreement, recorded with the same guardian).
        self.needs_sharing_consent = not patient.has_sharing_consent()
        if not self.needs_sharing_consent:
            self.fields.pop("consent_sharing")
        if self.existing_service_consent is not None:
            for name in self.CONSENT_FIELDS:
                self.fields.pop(name, None)
            return
        self.fields["consent_guardian"].queryset = patient.guardians.all()
        if not self.consent_needs_teen:
            self.fields.pop("consent_teen_agreed")

    def consent_bound_fields(self) -> list:
        return [self[name] for name in self.CONSENT_FIELDS if name in self.fields]

    @property
    def asks_consent(self) -> bool:
        return self.existing_service_consent is None or self.needs_sharing_consent

    def wants_service_consent(self) -> bool:
        return self.existing_service_consent is None and bool(self.cleaned_data.get("consent_signed"))

    def clean_service_consent(self) -> None:
        """Call from clean(): a ticked box needs the guardian and the way it was signed."""
        if self.cleaned_data.get("consent_sharing") and not (
            self.existing_service_consent is not None or self.cleaned_data.get("consent_guardian")
        ):
            self.add_error("consent_guardian", _("Choose the guardian who signed."))
        if self.existing_service_consent is not None or not self.cleaned_data.get("consent_signed"):
            return
        if not self.cleaned_data.get("consent_guardian"):
            self.add_error("consent_guardian", _("Choose the guardian who signed."))
        if not self.cleaned_data.get("consent_method"):
            self.add_error("consent_method", _("Say how the consent was signed."))
        if self.consent_needs_teen and not self.cleaned_data.get("consent_teen_agreed"):
            self.add_error(
                "consent_teen_agreed",
                _("The child is 14 or older: the teenager must agree and sign as well as the guardian."),
            )

    def record_service_consent(self, user) -> ServiceConsent | None:
        """Record the consents ticked on the form (inside the caller's transaction)."""
        if self.needs_sharing_consent and self.cleaned_data.get("consent_sharing"):
            guardian = self.cleaned_data.get("consent_guardian")
            if guardian is None:
                consent = self.existing_service_consent
                given_by, relation = consent.guardian_name, consent.guardian_relation
            else:
                given_by, relation = guardian.name, guardian.relation
            # A colleague may have recorded it a moment ago: then the record may be shared.
            with contextlib.suppress(ConsentAlreadyRecorded):
                self.consent_patient.record_consent(given_by=given_by, relation=relation, recorded_by=user)
        if not self.wants_service_consent():
            return self.existing_service_consent
        guardian = self.cleaned_data["consent_guardian"]
        return ServiceConsent.record(
            self.consent_patient,
            guardian_name=guardian.name,
            guardian_relation=guardian.relation,
            method=self.cleaned_data["consent_method"],
            teen_agreed=bool(self.cleaned_data.get("consent_teen_agreed")),
            recorded_by=user,
        )

    def service_consent_missing(self, message: str) -> None:
        self.add_error("consent_signed" if "consent_signed" in self.fields else None, message)
