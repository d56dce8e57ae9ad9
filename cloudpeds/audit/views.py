from __future__ import annotations

from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from cloudpeds.accounts.access import requires
from cloudpeds.patients.models import Patient

from .export import patient_events_csv, security_events_csv, user_events_csv
from .forms import DateRangeForm, PatientSearchForm, SecurityLogForm, UserSearchForm
from .models import AccessEvent, AccountEvent, SecurityEvent, can_audit, exports_security_log, reads_security_log
from .search import find_patients, find_users

PAGE_SIZE = 50
# Changes to a person's account shown on their page, newest first (they are rare).
ACCOUNT_EVENTS_SHOWN = 50


def _require_auditor(request: HttpRequest) -> None:
    # 403 rather than 404: that the audit exists is no secret, only its contents are.
    if not can_audit(request.user):
        raise PermissionDenied


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Find the child ("who looked at this record?") or the person ("what did they look at?")."""
    _require_auditor(request)
    find = request.GET.get("find")
    patient_form = PatientSearchForm(request.GET if find == "patients" else None)
    user_form = UserSearchForm(request.GET if find == "users" else None)
    results = None
    if find == "patients" and patient_form.is_valid():
        results = find_patients(**patient_form.cleaned_data)
    elif find == "users" and user_form.is_valid():
        results = find_users(user_form.cleaned_data["who"])
    context = {
        "patient_form": patient_form,
        "user_form": user_form,
        "find": find,
        "page_obj": Paginator(results, PAGE_SIZE).get_page(request.GET.get("page")) if results is not None else None,
    }
    return render(request, "audit/index.html", context)


@require_GET
@login_required
def patient_events(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Who looked at this child's record, when, and from where."""
    _require_auditor(request)
    patient = get_object_or_404(Patient.objects.select_related("hospital"), public_id=public_id)
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/patient_events.html", {"patient": patient, "form": form}, status=400)
    events = (
        AccessEvent.objects.visible_to(request.user)
        .for_patient(patient)
        .between(form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        .with_people()
    )
    if request.GET.get("format") == "csv":
        return patient_events_csv(events, patient)
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/patient_events.html", {"patient": patient, "form": form, "page_obj": page_obj})


@require_GET
@login_required
def user_events(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """What this person looked at: which children, which objects, when, and from where."""
    _require_auditor(request)
    person = get_object_or_404(get_user_model().objects.select_related("hospital"), public_id=public_id)
    form = DateRangeForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/user_events.html", {"person": person, "form": form}, status=400)
    events = (
        AccessEvent.objects.visible_to(request.user)
        .by_user(person)
        .between(form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        .with_people()
    )
    if request.GET.get("format") == "csv":
        return user_events_csv(events, person)
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    account_events = (
        AccountEvent.objects.visible_to(request.user).concerning(person).with_people()[:ACCOUNT_EVENTS_SHOWN]
    )
    context = {"person": person, "form": form, "page_obj": page_obj, "account_events": account_events}
    return render(request, "audit/user_events.html", context)


@require_GET
@requires(reads_security_log)
def security_log(request: HttpRequest) -> HttpResponse:
    """Sign-ins, lock-outs, two-factor and password changes, rights given, admin actions and
    exports: searchable by the security and audit administrators, exported by the latter."""
    form = SecurityLogForm(request.GET)
    if not form.is_valid():
        return render(request, "audit/security_log.html", {"form": form}, status=400)
    data = form.cleaned_data
    events = SecurityEvent.objects.visible_to(request.user).between(data["date_from"], data["date_to"])
    if data["kind"]:
        events = events.filter(kind=data["kind"])
    if data["who"]:
        events = events.filter(Q(username__iexact=data["who"]) | Q(user__username__iexact=data["who"]))
    events = events.with_people()
    if request.GET.get("format") == "csv":
        if not exports_security_log(request.user):
            raise PermissionDenied
        return security_events_csv(events)
    page_obj = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page_obj": page_obj, "can_export": exports_security_log(request.user)}
    return render(request, "audit/security_log.html", context)
