from __future__ import annotations

from django import forms
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Consent, GrowthMeasurement, Guardian, Patient, normalize_phone

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
            "allergies": _("For example 青霉素过敏 (penicillin). Leave empty if none are known."),
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
        fields = ["measured_on", "weight_kg", "height_cm", "head_circumference_cm"]
        widgets = {
            "measured_on": _DATE_INPUT,
            "weight_kg": forms.NumberInput(attrs={"step": "0.01", "min": "0.3", "max": "150", "inputmode": "decimal"}),
            "height_cm": forms.NumberInput(attrs={"step": "0.1", "min": "20", "max": "220", "inputmode": "decimal"}),
            "head_circumference_cm": forms.NumberInput(
                attrs={"step": "0.1", "min": "20", "max": "70", "inputmode": "decimal"}
            ),
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
