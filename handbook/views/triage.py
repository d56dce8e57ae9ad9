"""Running a published pathway, its result, and handing a red or yellow result over.

Everyone signed in may run a published pathway with an age typed in; doctors and transfer
administrators may run it for a child whose record they can see (another hospital's child
is a 404). A run is seen by whoever made it and by those who may see its child.
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import has_any_role, requires
from cloudpeds.accounts.roles import DOCTOR_ROLES
from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.patients.age import pediatric_age
from cloudpeds.patients.models import Patient, works_with_patients
from consultations.models import Consultation
from consultations.models import Status as ConsultationStatus

from ..forms.triage import TriageForm
from ..models import HandbookError, HandoverError, Pathway, PathwayVersion, TriageRun

PATIENT_SEARCH_LIMIT = 10


def _visible_patient(request: HttpRequest, public_id: str | None) -> Patient | None:
    """The chosen child, through the one access rule: another hospital's child is a 404."""
    if not public_id:
        return None
    if not works_with_patients(request.user):
        raise PermissionDenied
    try:
        UUID(str(public_id))
    except ValueError:
        raise Http404 from None
    return get_object_or_404(Patient.objects.visible_to(request.user, one=True), public_id=public_id)


def _consultation_url(consultation: Consultation) -> str:
    """The consultation started from a run: its draft's page, where the doctor checks and sends it."""
    return reverse("consultations:edit", args=[consultation.public_id])


@login_required
@require_GET
def triage_index(request: HttpRequest) -> HttpResponse:
    """The published pathways; `?patient=<id>` (from the patient page) carries the child to the one chosen."""
    patient = _visible_patient(request, request.GET.get("patient"))
    pathways = Pathway.objects.published().select_related("topic", "current_version").order_by("slug")
    return render(request, "handbook/triage/index.html", {"pathways": pathways, "patient": patient})


@login_required
@require_http_methods(["GET", "POST"])
def triage(request: HttpRequest, slug: str) -> HttpResponse:
    pathway = get_object_or_404(Pathway.objects.published().select_related("topic"), topic__slug=slug)
    version = PathwayVersion.objects.with_content().get(pk=pathway.current_version_id)
    patient = _visible_patient(request, request.POST.get("patient") or request.GET.get("patient"))
    step = request.POST.get("step") if request.method == "POST" else TriageForm.DANGER_STEP
    form = TriageForm(version.spec, request.POST or None, patient=patient, step=step)
    if (
        request.method == "POST"
        and form.is_valid()
        and form.step == TriageForm.DANGER_STEP
        and not form.danger_sign_present()
    ):
        # No danger sign: the other questions follow, with what was entered kept.
        born = form.cleaned_data["born"]
        form = TriageForm(version.spec, patient=patient, step=TriageForm.ALL_STEP, initial=_initial(form))
        form.computed_born = born
    if request.method == "POST" and form.is_bound and form.is_valid():
        # A danger sign stops the triage at once: the run has the danger-sign answers only
        # and the table classifies it red (urgent referral, with the pre-referral steps).
        try:
            run = version.run(
                request.user, form.cleaned_data["answers"], born=form.cleaned_data["born"], patient=patient
            )
        except HandbookError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(run)
    if patient is not None:
        log_access(request, patient, AccessEvent.Action.VIEW)
    return render(
        request,
        "handbook/triage/form.html",
        {
            "pathway": pathway,
            "version": version,
            "form": form,
            "patient": patient,
            "can_pick_patient": works_with_patients(request.user),
            "computed_age": _computed_age(form, patient),
        },
    )


def _computed_age(form: TriageForm, patient: Patient | None) -> str:
    """The age the questions are asked for, shown large before them (the record's or the one entered)."""
    if patient is not None:
        return patient.age_display
    born = getattr(form, "computed_born", None)
    if born is None and form.is_bound and hasattr(form, "cleaned_data"):
        born = form.cleaned_data.get("born")
    return pediatric_age(born, form.today) if born is not None else ""


def _initial(form: TriageForm) -> dict[str, object]:
    """The danger-sign step's entries, to start the full form with."""
    return {name: value for name, value in form.cleaned_data.items() if name in form.fields}


@requires(works_with_patients)
@require_GET
def triage_patient_search(request: HttpRequest) -> HttpResponse:
    """The children matching a name or record number, to choose one for a triage (htmx fragment)."""
    query = request.GET.get("q", "").strip()[:80]
    patients = (
        Patient.objects.visible_to(request.user)
        .search(query)
        .select_related("hospital")
        .order_by("name")[:PATIENT_SEARCH_LIMIT]
        if query
        else Patient.objects.none()
    )
    return render(request, "handbook/triage/form.html#patient-results", {"patients": patients, "query": query})


@login_required
@require_GET
def triage_result(request: HttpRequest, public_id: UUID) -> HttpResponse:
    runs = TriageRun.objects.visible_to(request.user).select_related(
        "patient", "user", "pathway_version__pathway__topic", "consultation"
    )
    run = get_object_or_404(runs, public_id=public_id)
    if run.patient is not None:
        log_access(request, run.patient, AccessEvent.Action.VIEW, run)
    started = run.consultation if run.consultation and run.consultation.status != ConsultationStatus.WITHDRAWN else None
    return render(
        request,
        "handbook/triage/result.html",
        {
            "run": run,
            "pathway": run.pathway_version.pathway,
            "can_start_consultation": run.can_start_consultation(request.user),
            # The referrals app's request form starts from the run (its child, urgency and summary).
            "referral_url": (
                f"{reverse('referrals:new')}?triage={run.public_id}"
                if run.offers_handover and request.user.is_doctor
                else ""
            ),
            "consultation_url": _consultation_url(started) if started else "",
            "dosing_url": _dosing_url(run),
        },
    )


def _dosing_url(run: TriageRun) -> str:
    """The topic's dose calculator, pre-filled with the child's latest weight (a registered child)."""
    topic = run.pathway_version.pathway.topic
    if not topic.drugs.exists():
        return ""
    url = reverse("handbook:topic", args=[topic.slug])
    if run.patient is not None:
        latest = run.patient.measurements.exclude(weight_kg=None).order_by("-measured_on", "-pk").first()
        query = {"born": run.patient.date_of_birth.isoformat()}
        if latest is not None:
            query["weight"] = str(latest.weight_kg)
        url += "?" + urlencode(query)
    return url + "#dosing-calculator"


# The role first, before any lookup: a 403 says nothing about whether the run exists.
@requires(has_any_role(*DOCTOR_ROLES))
@require_POST
def start_consultation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    runs = TriageRun.objects.visible_to(request.user).select_related("patient")
    run = get_object_or_404(runs, public_id=public_id)
    if run.patient is not None and run.patient.hospital_id != request.user.hospital_id:
        # Seen through a care-team grant: that hospital's doctors decide what to ask.
        raise PermissionDenied
    try:
        consultation = run.start_consultation(request.user)
    except HandoverError as exc:
        messages.error(request, str(exc))
        return redirect(run)
    messages.success(request, _("A draft consultation was started from the triage: check it and send it."))
    return redirect(_consultation_url(consultation))
