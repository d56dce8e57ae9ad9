"""Forms of the referrals app. They parse input; the rules (who may do what, the direction
of a transfer, the beds, what a request or a follow-up plan must say) live on the models.
A form runs the model's check of its input (`Referral.check_department`...) and shows the
model's message beside the field; a refusal at the transition itself comes back as
ReferralError, which the views show on the form or the page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Department, Hospital, User

# The multi-file clinical field the consultation forms use (each file checked by the
# attachments app's rules). It belongs in cloudpeds/attachments/forms.py; imported from
# where it lives today rather than copied.
from cloudpeds.attachments.forms import ClinicalFilesMixin
from cloudpeds.attachments.models import Attachment
from cloudpeds.patients.forms import ServiceConsentFields

from .models import (
    DEFAULT_ARRIVAL_HOURS,
    BedReservation,
    Diagnosis,
    Direction,
    FollowUpItem,
    Reason,
    Referral,
    ReferralError,
    RejectReason,
    Status,
    Transport,
    Urgency,
)

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
UP_REASONS = [
    Reason.NEEDS_SPECIALIST,
    Reason.NEEDS_INTENSIVE_CARE,
    Reason.DIAGNOSTIC_WORKUP,
    Reason.NOT_IMPROVING,
    Reason.CONTINUED_CARE,
    Reason.REHABILITATION,
    Reason.FAMILY_REQUEST,
    Reason.OTHER,
]


# Numbers typed on a phone bring up the numeric keypad (issue 12); NumberInput alone does
# not on every phone keyboard.
_DECIMAL = forms.NumberInput(attrs={"inputmode": "decimal"})
_WHOLE = forms.NumberInput(attrs={"inputmode": "numeric"})


def _check(form: forms.Form, check: Callable[..., None], *args: Any) -> None:
    """Run one of the model's checks and show its refusal beside the field it names."""
    try:
        check(*args)
    except ReferralError as error:
        form.add_error(error.field if error.field in form.fields else None, str(error))


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format=DATETIME_LOCAL)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class DepartmentSelect(forms.Select):
    """Each option says its hospital (data-hospital), so static/js/referrals.js can offer
    only the chosen hospital's departments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hospital_of: dict[str, int] = {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        hospital = self.hospital_of.get(str(value))
        if hospital is not None:
            option["attrs"]["data-hospital"] = str(hospital)
        return option


class DepartmentChoiceField(forms.ModelChoiceField):
    widget = DepartmentSelect

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.hospital.name} · {obj.name}"

    def set_queryset(self, queryset) -> None:
        self.queryset = queryset.select_related("hospital").order_by("hospital__level", "hospital__code", "specialty")
        self.widget.hospital_of = {str(department.pk): department.hospital_id for department in self.queryset}


class DiagnosisChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Diagnosis) -> str:
        return f"{obj.code} {obj.name}"


def _diagnosis_field(required: bool = False) -> DiagnosisChoiceField:
    return DiagnosisChoiceField(
        label=_("Diagnosis (ICD-10)"),
        queryset=Diagnosis.objects.order_by("code"),
        required=required,
        empty_label=_("Choose a diagnosis"),
        help_text=_("Search by code or name above, or choose from the list."),
    )


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name or medical record number"),
        required=False,
        max_length=80,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. 王小明 or YP2025000101"), "autocomplete": "off", "class": "form-control"}
        ),
    )


class DiagnosisSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=40)


class _ReferralFiles(ClinicalFilesMixin):
    default_file_kind = Attachment.Kind.LAB_REPORT


class ReferralForm(_ReferralFiles, ServiceConsentFields, forms.ModelForm):
    """A transfer request as the referring doctor writes it."""

    # A fresh id per form: posting it twice (a double click, a retried request) finds the
    # referral already made instead of refusing the "second" one as a duplicate.
    request_id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=Direction.choices, widget=forms.RadioSelect)
    receiving_hospital = forms.ModelChoiceField(
        label=_("Receiving hospital"), queryset=Hospital.objects.none(), empty_label=_("Choose a hospital")
    )
    receiving_department = DepartmentChoiceField(
        label=_("Receiving department"), queryset=Department.objects.none(), empty_label=_("Choose a department")
    )
    urgency = forms.ChoiceField(label=_("Urgency"), choices=Urgency.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(label=_("Reason"), choices=[(value, Reason(value).label) for value in UP_REASONS])
    diagnosis = _diagnosis_field()
    transport = forms.ChoiceField(label=_("Transport needed"), choices=Transport.choices, widget=forms.RadioSelect)
    temperature_c = forms.DecimalField(
        label=_("Temperature (°C)"),
        required=False,
        widget=_DECIMAL,
        max_digits=3,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("30")), MaxValueValidator(Decimal("45"))],
    )
    heart_rate = forms.IntegerField(
        label=_("Heart rate (/min)"),
        required=False,
        widget=_WHOLE,
        validators=[MinValueValidator(20), MaxValueValidator(300)],
    )
    respiratory_rate = forms.IntegerField(
        label=_("Respiratory rate (/min)"),
        required=False,
        widget=_WHOLE,
        validators=[MinValueValidator(4), MaxValueValidator(150)],
    )
    spo2 = forms.IntegerField(
        label=_("SpO₂ (%)"), required=False, widget=_WHOLE, validators=[MinValueValidator(30), MaxValueValidator(100)]
    )
    weight_kg = forms.DecimalField(
        label=_("Weight (kg)"),
        required=False,
        widget=_DECIMAL,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.3")), MaxValueValidator(Decimal("150"))],
    )

    class Meta:
        model = Referral
        fields = [
            "direction",
            "receiving_hospital",
            "receiving_department",
            "urgency",
            "reason",
            "reason_detail",
            "diagnosis",
            "diagnosis_note",
            "clinical_summary",
            "temperature_c",
            "heart_rate",
            "respiratory_rate",
            "spo2",
            "weight_kg",
            "treatment_given",
            "transport",
        ]
        widgets = {
            "reason_detail": forms.Textarea(attrs={"rows": 2}),
            "clinical_summary": forms.Textarea(attrs={"rows": 5}),
            "treatment_given": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "reason_detail": _("Reason in your words"),
            "diagnosis_note": _("Diagnosis details or another diagnosis"),
            "clinical_summary": _("Clinical summary"),
            "treatment_given": _("Treatment given"),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Up or down a level: transfers between hospitals of the same level are not part of
        # the group's tiered referral (the model refuses them too).
        hospitals = Hospital.objects.exclude(level=user.hospital.level).order_by("level", "code")
        self.fields["receiving_hospital"].queryset = hospitals
        self.fields["receiving_department"].set_queryset(Department.objects.filter(hospital__in=hospitals))
        self.fields["clinical_summary"].required = True
        self.setup_service_consent(self.instance.patient)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        self.clean_service_consent()
        _check_request(self, cleaned)
        return cleaned


def _check_request(form: forms.Form, cleaned: dict[str, Any]) -> None:
    """The destination and the diagnosis, as the model checks them (a down-referral may
    leave the department open)."""
    hospital, department = cleaned.get("receiving_hospital"), cleaned.get("receiving_department")
    if hospital and department:
        _check(form, Referral.check_department, hospital, department)
    _check(form, Referral.check_diagnosis, cleaned.get("diagnosis"), cleaned.get("diagnosis_note") or "")


class InfoRequestForm(forms.Form):
    question = forms.CharField(
        label=_("What do you need to know?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProvideInfoForm(_ReferralFiles):
    answer = forms.CharField(label=_("Your answer"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4}))


class ApproveForm(forms.Form):
    window_start = forms.DateTimeField(
        label=_("Arrival from"), widget=DateTimeLocalInput(), input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"]
    )
    window_end = forms.DateTimeField(
        label=_("Arrival until"),
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL, "%Y-%m-%d %H:%M"],
        help_text=_("The bed is released if the child has not arrived by then."),
    )
    note = forms.CharField(
        label=_("Note for the sending hospital"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def initial_for(cls, referral: Referral, now: datetime | None = None) -> dict[str, datetime]:
        now = timezone.localtime(now).replace(second=0, microsecond=0)
        return {"window_start": now, "window_end": now + timedelta(hours=DEFAULT_ARRIVAL_HOURS[referral.urgency])}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        start, end = cleaned.get("window_start"), cleaned.get("window_end")
        if start and end:
            _check(self, BedReservation.check_window, start, end)
        return cleaned


class RejectForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=RejectReason.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("reason"):
            _check(self, Referral.check_rejection, cleaned["reason"], cleaned.get("comment") or "")
        return cleaned


class RedirectForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (
            Department.objects.filter(hospital_id=referral.receiving_hospital_id)
            .exclude(pk=referral.receiving_department_id)
            .order_by("specialty")
        )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class DownReferralForm(_ReferralFiles, forms.Form):
    receiving_hospital = forms.ModelChoiceField(label=_("Follow-up at"), queryset=Hospital.objects.none())
    receiving_department = DepartmentChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False, empty_label=_("Any department")
    )
    diagnosis = _diagnosis_field()
    diagnosis_note = forms.CharField(label=_("Diagnosis details or another diagnosis"), required=False, max_length=200)
    discharge_summary = forms.CharField(
        label=_("Discharge summary"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6})
    )
    medicines = forms.CharField(
        label=_("Medicines"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("e.g. amoxicillin 250 mg three times a day for 5 days")}
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        hospitals = Hospital.objects.exclude(level=Hospital.Level.LEAD).order_by("level", "code")
        if user.hospital_id:
            hospitals = hospitals.exclude(pk=user.hospital_id)
        self.fields["receiving_hospital"].queryset = hospitals
        self.fields["receiving_department"].set_queryset(Department.objects.filter(hospital__in=hospitals))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        _check_request(self, cleaned)
        return cleaned


class FollowUpItemForm(forms.Form):
    description = forms.CharField(
        label=_("Follow-up"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. recheck chest and breathing")}),
    )
    due_on = forms.DateField(label=_("Due on"), required=False, widget=DateInput())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        description, due_on = cleaned.get("description") or "", cleaned.get("due_on")
        # A row left empty is no item; the plan has as many rows as the doctor fills in.
        if description.strip() or due_on:
            _check(self, FollowUpItem.check_item, description, due_on)
        return cleaned


FollowUpFormSet = forms.formset_factory(FollowUpItemForm, extra=4, max_num=12)


def follow_up_initial(today: date | None = None) -> list[dict[str, Any]]:
    """The usual plan after a pediatric admission, to edit: a recheck in a week, a test in a month."""
    today = today or timezone.localdate()
    return [
        {"description": _("Recheck at the clinic"), "due_on": today + timedelta(days=7)},
        {"description": _("Repeat the tests"), "due_on": today + timedelta(days=30)},
    ]


class FollowUpRecordForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[("done", _("Done")), ("missed", _("Missed"))], widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class BedCensusForm(forms.Form):
    occupied = forms.IntegerField(label=_("Occupied beds"), min_value=0, widget=_WHOLE)


class ReferralFilterForm(forms.Form):
    BOX_CHOICES = [("", _("Sent and received")), ("sent", _("Sent by us")), ("received", _("Received by us"))]

    box = forms.ChoiceField(label=_("Show"), choices=BOX_CHOICES, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *[choice for choice in Status.choices if choice[0] != Status.NEW]],
        required=False,
    )
    direction = forms.ChoiceField(label=_("Direction"), choices=[("", _("Both")), *Direction.choices], required=False)


class MetricsFilterForm(forms.Form):
    months = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(6, _("Last 6 months")), (12, _("Last 12 months")), (24, _("Last 24 months"))],
        coerce=int,
        required=False,
        initial=12,
    )
