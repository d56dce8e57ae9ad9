from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.audit.models import AccessEvent, log_access

from . import growth
from .forms import ConsentForm, GuardianFormSet, MeasurementForm, PatientForm, RegisterPatientForm
from .models import ConsentAlreadyRecorded, GrowthMeasurement, NoActiveConsent, Patient, works_with_patients
from .timeline import TIMELINE_LIMIT, entries_for

PAGE_SIZE = 25
# The list counts at most this many children: past it, it says "more than 500" and pages
# through the newest 500 (search finds any other). Counting a whole hospital's 12,000
# children took a fifth of the page at scale (issue 17).
LIST_COUNT_CAP = 500


class CappedPaginator(Paginator):
    """Counts the rows up to `cap` only (`capped` says whether there were more), on the
    list's plain query: no annotations, no ordering, no joins."""

    def __init__(self, object_list, per_page, *, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def counted(self) -> int:
        return self.object_list.order_by().values("pk")[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def capped(self) -> bool:
        return self.counted > self.cap


def _require_patient_role(request: HttpRequest) -> None:
    # Checked before any lookup, so a 403 says nothing about whether a record exists.
    if not works_with_patients(request.user):
        raise PermissionDenied


def _visible_patient(request: HttpRequest, public_id: UUID) -> Patient:
    _require_patient_role(request)
    patients = Patient.objects.visible_to(request.user, one=True).select_related("hospital", "registered_by")
    return get_object_or_404(patients, public_id=public_id)


def _editable_patient(request: HttpRequest, public_id: UUID) -> Patient:
    # A record seen through a care-team grant is readable but not editable: 403, since the
    # user may already know the record exists.
    patient = _visible_patient(request, public_id)
    if not patient.can_edit(request.user):
        raise PermissionDenied
    return patient


@login_required
@require_GET
def patient_list(request: HttpRequest) -> HttpResponse:
    _require_patient_role(request)
    query = request.GET.get("q", "").strip()[:80]
    patients = Patient.objects.visible_to(request.user).search(query).with_list_columns().order_by("-created_at", "-pk")
    page = CappedPaginator(patients, PAGE_SIZE, cap=LIST_COUNT_CAP).get_page(request.GET.get("page"))
    template = "patients/list.html#results" if request.htmx else "patients/list.html"
    # No access event here: a list row is a name and an age; opening a record is logged.
    return render(request, template, {"page": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def register_patient(request: HttpRequest) -> HttpResponse:
    _require_patient_role(request)
    if not request.user.is_doctor:
        raise PermissionDenied
    patient = Patient(hospital=request.user.hospital, registered_by=request.user)
    form = RegisterPatientForm(request.POST or None, instance=patient)
    formset = GuardianFormSet(request.POST or None, instance=patient, prefix="guardians")
    duplicates: list[Patient] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        duplicates = list(
            Patient.objects.visible_to(request.user).possible_duplicates(
                hospital=request.user.hospital,
                name=form.cleaned_data["name"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                phones=formset.phones(),
            )
        )
        confirmed = not duplicates or form.cleaned_data["confirm_not_duplicate"]
        if confirmed and _save_patient(form, formset):
            messages.success(request, _("%(name)s is registered.") % {"name": form.instance.name})
            return redirect("patients:detail", public_id=form.instance.public_id)
    return render(
        request,
        "patients/form.html",
        {"form": form, "formset": formset, "duplicates": duplicates, "patient": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_patient(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _editable_patient(request, public_id)
    saved_name = patient.name  # the form writes its input onto the instance while validating
    form = PatientForm(request.POST or None, instance=patient)
    formset = GuardianFormSet(request.POST or None, instance=patient, prefix="guardians")
    if request.method == "POST":
        if form.is_valid() and formset.is_valid() and _save_patient(form, formset):
            messages.success(request, _("The record is updated."))
            return redirect("patients:detail", public_id=patient.public_id)
    else:
        log_access(request, patient, AccessEvent.Action.VIEW)
    return render(
        request, "patients/form.html", {"form": form, "formset": formset, "patient": patient, "saved_name": saved_name}
    )


def _save_patient(form: PatientForm, formset) -> bool:
    adding = form.instance._state.adding
    try:
        with transaction.atomic():
            patient = form.save()
            formset.instance = patient
            formset.save()
    except IntegrityError:
        # Two doctors registering the same record number at the same moment: the unique
        # constraint decides, and the second sees the same message as a normal clash.
        if adding:
            form.instance.pk = None
            form.instance._state.adding = True
        form.add_error("record_number", _("Another child of your hospital already has this medical record number."))
        return False
    return True


@login_required
@require_GET
def patient_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _visible_patient(request, public_id)
    return _render_detail(request, patient)


def _render_detail(
    request: HttpRequest,
    patient: Patient,
    *,
    measurement_form: MeasurementForm | None = None,
    consent_form: ConsentForm | None = None,
) -> HttpResponse:
    log_access(request, patient, AccessEvent.Action.VIEW)
    can_edit = patient.can_edit(request.user)
    guardians = list(patient.guardians.all())
    first_guardian = guardians[0] if guardians else None
    # The consents, measurements and grants are read once for their cards and the timeline.
    patient.load_record()
    timeline = entries_for(patient, request.user, limit=TIMELINE_LIMIT + 1)
    context = {
        "patient": patient,
        "can_edit": can_edit,
        "show_full_national_id": patient.can_see_full_national_id(request.user),
        "guardians": guardians,
        "consent": patient.loaded_active_consent(),
        "service_consent": patient.active_service_consent(),
        "grants": patient.loaded_live_grants(),
        "timeline": timeline[:TIMELINE_LIMIT],
        "timeline_truncated": len(timeline) > TIMELINE_LIMIT,
        "timeline_limit": TIMELINE_LIMIT,
        **_measurements_context(patient, measurement_form if can_edit else None, can_edit=can_edit),
    }
    if can_edit:
        context["consent_form"] = consent_form or ConsentForm(
            initial={"given_by": first_guardian.name, "relation": first_guardian.relation} if first_guardian else None
        )
    return render(request, "patients/detail.html", context)


def _measurements_context(patient: Patient, form: MeasurementForm | None, *, can_edit: bool) -> dict:
    measurements = list(patient.load_record().measurements.all())
    assessments = growth.assess_all(measurements, sex=patient.sex, born=patient.date_of_birth)
    return {
        "patient": patient,
        "can_edit": can_edit,
        "measurements": measurements,
        "growth": assessments,
        "latest_growth": assessments[0] if assessments else None,
        "growth_charts": growth.chart_data(assessments, sex=patient.sex),
        "measurement_form": (form or MeasurementForm()) if can_edit else None,
    }


@login_required
@require_POST
def add_measurement(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _editable_patient(request, public_id)
    form = MeasurementForm(request.POST, instance=GrowthMeasurement(patient=patient, recorded_by=request.user))
    if form.is_valid():
        form.save()
        if request.htmx:
            context = _measurements_context(patient, None, can_edit=True)
            context["saved"] = True
            return render(request, "patients/detail.html#measurements", context)
        messages.success(request, _("The measurement is added."))
        return redirect(reverse("patients:detail", args=[patient.public_id]) + "#measurements")
    if request.htmx:
        return render(request, "patients/detail.html#measurements", _measurements_context(patient, form, can_edit=True))
    return _render_detail(request, patient, measurement_form=form)


@login_required
@require_POST
def record_consent(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _editable_patient(request, public_id)
    form = ConsentForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, patient, consent_form=form)
    try:
        patient.record_consent(
            given_by=form.cleaned_data["given_by"],
            relation=form.cleaned_data["relation"],
            scope=form.cleaned_data["scope"],
            recorded_by=request.user,
        )
    except ConsentAlreadyRecorded:
        messages.warning(request, _("Consent to share this record is already recorded."))
    else:
        messages.success(request, _("The guardian's consent to share the record is recorded."))
    return redirect(reverse("patients:detail", args=[patient.public_id]) + "#consent")


@login_required
@require_POST
def withdraw_consent(request: HttpRequest, public_id: UUID) -> HttpResponse:
    patient = _editable_patient(request, public_id)
    try:
        revoked = patient.withdraw_consent(withdrawn_by=request.user)
    except NoActiveConsent:
        messages.warning(request, _("There is no active consent to withdraw."))
    else:
        message = _("Consent withdrawn: the record can no longer be shared outside your hospital.")
        if revoked:
            message += " " + ngettext(
                "%(count)d existing share has ended.", "%(count)d existing shares have ended.", revoked
            ) % {"count": revoked}
        messages.success(request, message)
    return redirect(reverse("patients:detail", args=[patient.public_id]) + "#consent")


@login_required
@require_POST
def withdraw_service_consent(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The guardian (or the teenager) withdraws the remote-service consent: nothing more is
    sent under it, and the specialists and hospitals it reached lose access."""
    patient = _editable_patient(request, public_id)
    consent = patient.active_service_consent()
    if consent is None:
        messages.warning(request, _("There is no active consent to withdraw."))
        return redirect(reverse("patients:detail", args=[patient.public_id]) + "#service-consent")
    try:
        revoked = consent.withdraw(withdrawn_by=request.user, note=request.POST.get("note", "")[:300])
    except NoActiveConsent:
        messages.warning(request, _("There is no active consent to withdraw."))
    else:
        message = _(
            "Remote-service consent withdrawn: no consultation or referral can be sent until it is given again."
        )
        if revoked:
            message += " " + ngettext(
                "%(count)d existing share has ended.", "%(count)d existing shares have ended.", revoked
            ) % {"count": revoked}
        messages.success(request, message)
    return redirect(reverse("patients:detail", args=[patient.public_id]) + "#service-consent")
