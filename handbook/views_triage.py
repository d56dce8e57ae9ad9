"""Triage pathways, their results and handovers, the editors' pathway pages, and dosing.

Everyone signed in may run a published pathway (with an age typed in); doctors and
transfer administrators may run it for a child whose record they can see (others' children
are a 404). A run is seen by whoever made it and by those who may see its child. The
pathway pages are for handbook editors (others get a 403). Behaviour is on the models:
PathwayVersion (governance, `run`), TriageRun (`start_consultation`), Drug/DosingRule.
"""

from __future__ import annotations

import json
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.patients.models import Patient, works_with_patients
from consultations.models import Status as ConsultationStatus

from .forms_triage import DosingForm, NewPathwayForm, PathwayDocumentForm, TriageForm, VersionNoteForm
from .models import Drug, HandoverError, Pathway, PathwayVersion, Topic, TriageRun
from .models.topics import HandbookError, is_editor
from .triage import HANDOVER_COLOURS

PATIENT_SEARCH_LIMIT = 10


def _require_editor(request: HttpRequest) -> None:
    if not is_editor(request.user):
        raise PermissionDenied


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
    return get_object_or_404(Patient.objects.visible_to(request.user), public_id=public_id)


def _published_pathway(slug: str) -> Pathway:
    pathways = Pathway.objects.published().select_related("topic", "current_version")
    return get_object_or_404(pathways, topic__slug=slug)


# --- Triage --------------------------------------------------------------------------------------


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
    pathway = _published_pathway(slug)
    version = PathwayVersion.objects.with_content().get(pk=pathway.current_version_id)
    patient = _visible_patient(request, request.POST.get("patient") or request.GET.get("patient"))
    form = TriageForm(version.spec, request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
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
        },
    )


@login_required
@require_GET
def triage_patient_search(request: HttpRequest) -> HttpResponse:
    """The children matching a name or record number, to choose one for a triage (htmx fragment)."""
    if not works_with_patients(request.user):
        raise PermissionDenied
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


def _referral_url(run: TriageRun) -> str:
    """The referrals app's new-referral page for this run, once that app has one.

    Hook for the referrals app: a page named `referrals:new` receives `?triage=<run public_id>`
    and may load the run with TriageRun.objects.visible_to(user) and `run.handbook_context()`.
    """
    try:
        return f"{reverse('referrals:new')}?triage={run.public_id}"
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def triage_result(request: HttpRequest, public_id: UUID) -> HttpResponse:
    runs = TriageRun.objects.visible_to(request.user).select_related(
        "patient", "user", "pathway_version__pathway__topic", "consultation"
    )
    run = get_object_or_404(runs, public_id=public_id)
    if run.patient is not None:
        log_access(request, run.patient, AccessEvent.Action.VIEW, run)
    offers_handover = run.classification_colour in HANDOVER_COLOURS
    return render(
        request,
        "handbook/triage/result.html",
        {
            "run": run,
            "pathway": run.pathway_version.pathway,
            "can_start_consultation": run.can_start_consultation(request.user),
            "referral_url": _referral_url(run) if offers_handover and request.user.is_doctor else "",
            "consultation_url": (
                _consultation_url(run.consultation)
                if run.consultation and run.consultation.status != ConsultationStatus.WITHDRAWN
                else ""
            ),
        },
    )


def _consultation_url(consultation) -> str:
    """The draft's edit page (consultations:edit), else its page, else the consultations index."""
    for name in ("consultations:edit", "consultations:detail"):
        try:
            return reverse(name, args=[consultation.public_id])
        except NoReverseMatch:
            continue
    return reverse("consultations:index")


@login_required
@require_POST
def start_consultation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    # The role first, before any lookup: a 403 says nothing about whether the run exists.
    if not request.user.is_doctor:
        raise PermissionDenied
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


# --- Dosing ------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def dosing(request: HttpRequest, slug: str) -> HttpResponse:
    """The topic's dosing calculator: a fragment the topic page loads with htmx."""
    topic = get_object_or_404(Topic.objects.published(), slug=slug)
    drugs = list(Drug.objects.for_topic(topic))
    if not drugs:
        return HttpResponse("")  # nothing to calculate for this topic: the page shows nothing
    form = DosingForm(request.POST or None)
    results = []
    if request.method == "POST" and form.is_valid():
        results = [drug.doses(form.cleaned_data["weight_kg"], form.cleaned_data["age"]) for drug in drugs]
    context = {"topic": topic, "drugs": drugs, "form": form, "results": results}
    if request.htmx:
        return render(request, "handbook/dosing/calculator.html#calculator", context)
    return render(request, "handbook/dosing/calculator.html", context)


# --- Editors' pathway pages -------------------------------------------------------------------------


def _editor_version(request: HttpRequest, slug: str, number: int) -> PathwayVersion:
    _require_editor(request)
    return get_object_or_404(PathwayVersion.objects.with_content(), pathway__slug=slug, number=number)


@login_required
@require_GET
def pathway_list(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    pathways = Pathway.objects.select_related("topic", "current_version").prefetch_related("versions__author")
    return render(
        request,
        "handbook/triage/pathway_list.html",
        {
            "pathways": pathways,
            "to_review": PathwayVersion.objects.awaiting_review_by(request.user).select_related("pathway", "author"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create_pathway(request: HttpRequest) -> HttpResponse:
    _require_editor(request)
    form = NewPathwayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        version = Pathway.create_with_draft(request.user, **form.cleaned_data)
        messages.success(request, _("The pathway is created: write its table as version 1."))
        return redirect("handbook:pathway_document", slug=version.pathway.slug, number=version.number)
    return render(request, "handbook/triage/pathway_form.html", {"form": form})


@login_required
@require_GET
def pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _editor_version(request, slug, number)
    results = version.test_results()
    return render(
        request,
        "handbook/triage/pathway_version.html",
        {
            "version": version,
            "pathway": version.pathway,
            "spec": version.spec,
            "results": results,
            "failed": sum(1 for result in results if not result.passed),
            "events": version.events.select_related("actor"),
            "usage": version.runs_by_classification(),
            "can_edit": version.can_edit(request.user),
            "can_submit": version.can_submit(request.user),
            "can_approve": version.can_approve(request.user),
            "can_return": version.can_return(request.user),
            "note_form": VersionNoteForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit_pathway_document(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = _editor_version(request, slug, number)
    if not version.can_edit(request.user):
        raise PermissionDenied
    initial = {
        "document": json.dumps(version.document(), ensure_ascii=False, indent=2),
        "change_note": version.change_note,
    }
    form = PathwayDocumentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version.replace_content(request.user, form.cleaned_data["document"], form.cleaned_data["change_note"])
        except HandbookError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The table is saved. Check the test cases below."))
            return redirect(version)
    return render(request, "handbook/triage/document.html", {"version": version, "form": form})


def _transition(request: HttpRequest, slug: str, number: int, action: str) -> HttpResponse:
    version = _editor_version(request, slug, number)
    form = VersionNoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        getattr(version, action)(request.user, note)
    except HandbookError as exc:
        messages.error(request, str(exc))
        return redirect(version.get_absolute_url() + "#tests")
    done = {
        "submit": _("Sent for review: another editor must approve it."),
        "return_to_draft": _("Returned to the author for changes."),
        "approve": _("Approved: this version is now the published pathway."),
    }
    messages.success(request, done[action])
    return redirect(version)


@login_required
@require_POST
def submit_pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "submit")


@login_required
@require_POST
def return_pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "return_to_draft")


@login_required
@require_POST
def approve_pathway_version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _transition(request, slug, number, "approve")


@login_required
@require_POST
def start_pathway_draft(request: HttpRequest, slug: str) -> HttpResponse:
    _require_editor(request)
    pathway = get_object_or_404(Pathway, slug=slug)
    draft = pathway.start_draft(request.user)
    return redirect(draft)
