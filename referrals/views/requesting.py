"""The referring side: the lists, requesting a transfer, the ICD-10 search, the referral page,
answering the receiving hospital's question, departing and cancelling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import requires
from cloudpeds.accounts.models import User
from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.patients.models import Patient, works_with_patients
from consultations.models import REFERRAL_RECOMMENDATIONS, Consultation
from handbook.models import TriageRun

from ..forms import (
    ApproveForm,
    CancelForm,
    DiagnosisSearchForm,
    FollowUpRecordForm,
    InfoRequestForm,
    NoteForm,
    PatientSearchForm,
    ProvideInfoForm,
    RedirectForm,
    ReferralFilterForm,
    ReferralForm,
    RejectForm,
)
from ..models import (
    AlreadyOpen,
    Diagnosis,
    Direction,
    FollowUpItem,
    Kind,
    Reason,
    Referral,
    ReferralError,
    ReferralLetter,
    Status,
    Transport,
    Urgency,
    can_see_metrics,
    is_transfer_admin,
)
from ..timeline import event_title
from .common import check_allowed, refused, visible_referral

PAGE_SIZE = 25
DIAGNOSIS_RESULTS = 15


# --- Landing and lists ----------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Each role lands on its work: administrators on their queue, doctors on the list."""
    user = request.user
    if is_transfer_admin(user):
        return redirect("referrals:queue")
    if can_see_metrics(user) and not user.is_doctor:
        return redirect("referrals:metrics")
    return referral_list(request)


@requires(works_with_patients)
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    """The referrals the user's hospital sent or received, newest first; and the follow-ups due."""
    user = request.user
    form = ReferralFilterForm(request.GET or None)
    referrals = Referral.objects.visible_to(user).exclude(status=Status.NEW).with_list_columns()
    if form.is_valid():
        box = form.cleaned_data["box"]
        if box == "sent":
            referrals = referrals.filter(sending_hospital_id=user.hospital_id)
        elif box == "received":
            referrals = referrals.filter(receiving_hospital_id=user.hospital_id)
        if form.cleaned_data["status"]:
            referrals = referrals.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["direction"]:
            referrals = referrals.filter(direction=form.cleaned_data["direction"])
    page = Paginator(referrals.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    follow_ups_due = []
    if user.is_doctor:
        follow_ups_due = list(
            FollowUpItem.objects.filter(
                referral__in=Referral.objects.visible_to(user).filter(receiving_hospital_id=user.hospital_id),
                state=FollowUpItem.State.PENDING,
                due_on__lte=timezone.localdate() + timedelta(days=7),
            )
            .select_related("referral__patient")
            .order_by("due_on", "pk")[:20]
        )
    # No access event: a row is a name, an age and a status; opening a referral is logged.
    context = {
        "page": page,
        "form": form,
        "follow_ups_due": follow_ups_due,
        "today": timezone.localdate(),
        "can_request": Referral.can_start(user),
    }
    return render(request, "referrals/list.html", context)


# --- Requesting --------------------------------------------------------------------------------


@requires(Referral.can_start)
@require_http_methods(["GET", "POST"])
def new_referral(request: HttpRequest) -> HttpResponse:
    """Choose the child, then write the request. `?patient=<uuid>` opens the form for a
    child; `?triage=<uuid>` pre-fills it from a handbook triage result about the child."""
    user = request.user
    run = _triage_run(user, request.GET["triage"]) if request.GET.get("triage") else None
    patient_id = request.GET.get("patient") or (str(run.patient.public_id) if run and run.patient else "")
    if not patient_id:
        if request.method == "POST":
            raise Http404
        return _choose_patient(request)
    patient = get_object_or_404(
        Patient.objects.visible_to(user, one=True).select_related("hospital"), public_id=_uuid_or_404(patient_id)
    )
    if run is not None and run.patient_id not in (None, patient.pk):
        # The triage was about another child: its findings must not start this one's transfer.
        raise Http404
    initial = {**_default_initial(user), **(Referral.initial_from_triage(run) if run else {})}
    return _request_form(request, patient, initial, triage=run)


def _uuid_or_404(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as error:
        raise Http404 from error


def _triage_run(user: User, public_id: str) -> TriageRun:
    """The handbook triage run, if the user may see it and the child it is about (a run of
    one's own about a child whose record is no longer shared is not enough); else 404."""
    runs = TriageRun.objects.visible_to(user).filter(
        Q(patient__isnull=True) | Q(patient__in=Patient.objects.visible_to(user).values("pk"))
    )
    return get_object_or_404(runs.select_related("patient"), public_id=_uuid_or_404(public_id))


@requires(Referral.can_start)
@require_http_methods(["GET", "POST"])
def new_from_consultation(request: HttpRequest, consultation_id: UUID) -> HttpResponse:
    """A referral pre-filled from a consultation's answer (refer, or transfer urgently)."""
    user = request.user
    consultation = get_object_or_404(
        Consultation.objects.visible_to(user).select_related("patient", "department__hospital", "assigned_to"),
        public_id=consultation_id,
    )
    if consultation.requesting_hospital_id != user.hospital_id:
        # The specialist who answered sees the case but does not refer the child.
        raise PermissionDenied
    if consultation.recommendation not in REFERRAL_RECOMMENDATIONS:
        messages.warning(request, _("This consultation's answer does not recommend a referral."))
        return redirect(consultation)
    existing = consultation.referral_sent_by(user)
    if existing is not None:
        # The case page links to this referral instead of offering another: an old tab or a
        # bookmark of this form must not start the same transfer twice.
        messages.info(request, _("A referral was already started from this consultation; here it is."))
        return redirect(existing)
    patient = get_object_or_404(Patient.objects.visible_to(user, one=True), pk=consultation.patient_id)
    return _request_form(request, patient, _initial_from_consultation(user, consultation), consultation=consultation)


def _default_initial(user: User) -> dict[str, Any]:
    is_lead = user.hospital.is_lead
    return {
        "direction": Direction.DOWN if is_lead else Direction.UP,
        "urgency": Urgency.ROUTINE,
        "transport": Transport.OWN,
        "reason": Reason.CONTINUED_CARE if is_lead else Reason.NEEDS_SPECIALIST,
    }


def _initial_from_consultation(user: User, consultation: Consultation) -> dict[str, Any]:
    urgent = consultation.recommendation == "transfer_urgently"
    summary = "\n\n".join(
        part
        for part in (
            consultation.history,
            consultation.symptoms,
            _("Specialist's assessment (%(name)s): %(text)s")
            % {
                "name": consultation.assigned_to.display_name if consultation.assigned_to else "",
                "text": consultation.assessment,
            }
            if consultation.assessment
            else "",
        )
        if part
    )
    return {
        **_default_initial(user),
        "direction": Direction.UP,
        "receiving_hospital": consultation.department.hospital_id,
        "receiving_department": consultation.department_id,
        "urgency": Urgency.URGENT if urgent else Urgency.ROUTINE,
        "transport": Transport.AMBULANCE if urgent else Transport.OWN,
        "reason": Reason.NEEDS_SPECIALIST,
        "reason_detail": str(consultation.get_recommendation_display()),
        "clinical_summary": summary,
        "temperature_c": consultation.temperature_c,
        "heart_rate": consultation.heart_rate,
        "respiratory_rate": consultation.respiratory_rate,
        "spo2": consultation.spo2,
        "weight_kg": consultation.weight_kg,
        "treatment_given": "\n".join(
            part for part in (consultation.tried_so_far, consultation.current_medicines) if part
        ),
    }


def _choose_patient(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    patients = Patient.objects.visible_to(request.user).search(query).with_list_columns().order_by("-created_at", "-pk")
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "referrals/new.html#results" if request.htmx else "referrals/new.html"
    return render(request, template, {"form": form, "page": page, "query": query})


def _request_form(
    request: HttpRequest,
    patient: Patient,
    initial: dict[str, Any],
    *,
    consultation: Consultation | None = None,
    triage: TriageRun | None = None,
) -> HttpResponse:
    user = request.user
    open_referral = Referral.objects.open().filter(patient=patient).first()
    if open_referral is not None:
        return _show_open(request, open_referral)
    referral = Referral(
        patient=patient,
        consultation=consultation,
        triage=triage,
        handbook_context=triage.handbook_context() if triage else None,
    )
    form = ReferralForm(
        request.POST or None,
        request.FILES or None,
        instance=referral,
        user=user,
        initial={**initial, "request_id": uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        request_id = form.cleaned_data["request_id"] or uuid4()
        already = Referral.objects.visible_to(user).filter(public_id=request_id, requested_by=user).first()
        if already is not None:
            messages.info(request, _("This referral was already sent; here it is."))
            return redirect(already)
        form.save(commit=False)
        referral.public_id = request_id
        try:
            with transaction.atomic():
                form.record_service_consent(user)
                referral.send_request(user, **form.attached())
        except ReferralError as error:
            if isinstance(error, AlreadyOpen) and error.referral is not None:
                return _show_open(request, error.referral)
            form.add_error(None, str(error))
        else:
            if referral.is_emergency:
                messages.success(
                    request, _("The emergency request is at the top of the receiving administrators' queue.")
                )
            else:
                messages.success(request, _("The transfer request is sent to the receiving hospital."))
            return redirect(referral)
    log_access(request, patient, AccessEvent.Action.VIEW)
    context = {
        "form": form,
        "patient": patient,
        "consultation": consultation,
        "triage": triage,
        "has_consent": patient.has_sharing_consent(),
    }
    return render(request, "referrals/form.html", context)


def _show_open(request: HttpRequest, referral: Referral) -> HttpResponse:
    """A second request for a child shows the open one instead."""
    if Referral.objects.visible_to(request.user).filter(pk=referral.pk).exists():
        messages.info(request, _("This child already has an open referral; here it is."))
        return redirect(referral)
    messages.warning(
        request, _("This child already has an open referral made by another hospital; it must end before a new one.")
    )
    return redirect("referrals:list")


@requires(works_with_patients)
@require_GET
def diagnosis_search(request: HttpRequest) -> HttpResponse:
    """ICD-10 codes by code or name, for the htmx search on the request forms."""
    form = DiagnosisSearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = list(Diagnosis.objects.search(query)[:DIAGNOSIS_RESULTS])
    return render(request, "referrals/_diagnosis_results.html", {"results": results, "query": query})


# --- The referral page ----------------------------------------------------------------------------


@requires(works_with_patients)
@require_GET
def detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral = visible_referral(request, public_id)
    return render_detail(request, referral)


def render_detail(request: HttpRequest, referral: Referral, **forms: Any) -> HttpResponse:
    user = request.user
    patient = referral.patient
    log_access(request, patient, AccessEvent.Action.VIEW, referral)
    files_visible = Patient.objects.is_visible_to(user, patient)
    files = Attachment.objects.for_source(referral).select_related("uploaded_by")
    events = referral.events.select_related("actor")
    letter = ReferralLetter.objects.filter(referral=referral).first()
    follow_ups = list(referral.follow_ups.select_related("recorded_by")) if referral.is_follow_up else []
    can_record = referral.can_record_follow_up(user)
    context = {
        "referral": referral,
        "patient": patient,
        "events": [(event, event_title(event.kind, referral.direction)) for event in events],
        "files_visible": files_visible,
        "files": list(files) if files_visible else [],
        "reservation": referral.latest_reservation(),
        "follow_ups": [
            (item, FollowUpRecordForm(prefix=str(item.public_id)) if can_record and item.state == "pending" else None)
            for item in follow_ups
        ],
        "today": timezone.localdate(),
        "down_referrals": list(referral.down_referrals.select_related("receiving_hospital")),
        "letter": letter,
        "is_sending_side": referral.is_sending_side(user),
        "is_receiving_side": referral.is_receiving_side(user),
        "approve_form": forms.get("approve_form")
        or (ApproveForm(initial=ApproveForm.initial_for(referral)) if referral.can_decide(user) else None),
        "reject_form": forms.get("reject_form") or (RejectForm() if referral.can_decide(user) else None),
        "redirect_form": forms.get("redirect_form")
        or (RedirectForm(referral=referral) if referral.can_decide(user) else None),
        "info_request_form": forms.get("info_request_form")
        or (InfoRequestForm() if referral.can_request_info(user) else None),
        "provide_info_form": forms.get("provide_info_form")
        or (ProvideInfoForm() if referral.can_provide_info(user) else None),
        "cancel_form": forms.get("cancel_form") or (CancelForm() if referral.can_cancel(user) else None),
        "note_form": NoteForm(),
        "can_mark_departed": referral.can_mark_departed(user),
        "can_confirm_arrival": referral.can_confirm_arrival(user),
        "can_discharge": referral.can_discharge(user),
        "can_refer_down": referral.can_refer_down(user),
        "can_acknowledge": referral.can_acknowledge(user),
        "can_have_letter": referral.can_have_letter(),
        "is_transfer": referral.kind == Kind.TRANSFER,
    }
    return render(request, "referrals/detail.html", context)


# --- The referring side's actions ---------------------------------------------------------------


@requires(works_with_patients)
@require_POST
def provide_info(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral = visible_referral(request, public_id)
    denied = check_allowed(
        request, referral, referral.can_provide_info(request.user), referral.is_sending_doctor(request.user)
    )
    if denied:
        return denied
    form = ProvideInfoForm(request.POST, request.FILES)
    if not form.is_valid():
        return render_detail(request, referral, provide_info_form=form)
    try:
        referral.provide_info(
            request.user,
            form.cleaned_data["answer"],
            **form.attached(),
        )
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("The information is sent; the request is back in the receiving hospital's queue."))
    return redirect(referral)


@requires(works_with_patients)
@require_POST
def mark_departed(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral = visible_referral(request, public_id)
    user = request.user
    denied = check_allowed(request, referral, referral.can_mark_departed(user), referral.is_sending_side(user))
    if denied:
        return denied
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        referral.mark_departed(user, note)
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("The receiving hospital is told that the child is on the way."))
    return redirect(referral)


@requires(works_with_patients)
@require_POST
def cancel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral = visible_referral(request, public_id)
    user = request.user
    on_a_side = referral.is_sending_side(user) or referral.is_receiving_side(user)
    denied = check_allowed(request, referral, referral.can_cancel(user), on_a_side)
    if denied:
        return denied
    form = CancelForm(request.POST)
    if not form.is_valid():
        return render_detail(request, referral, cancel_form=form)
    try:
        with transaction.atomic():
            referral.cancel(user, form.cleaned_data["reason"])
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("The transfer is cancelled; any reserved bed is released."))
    return redirect(referral)
