"""Teaching cases from closed consultations, case conferences and the CME credit ledger.

Training managers (group-wide, as for courses) make teaching cases and conferences and
record attendance; a doctor sees their own ledger, a manager anyone's; any other ledger is
a 404. A teaching case is de-identified text only: its page never shows the consultation's
child (training/deidentify.py checks the text when it is saved).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cloudpeds.accounts.access import requires
from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import DOCTOR_ROLES
from cloudpeds.core.identifiers import redact_identifiers
from consultations.models import Consultation, Status

from ..forms.teaching import AttendanceForm, ConferenceForm, TeachingCaseForm
from ..models import CaseConference, CmeCredit, TeachingCase, is_learner, is_training_manager

PAGE_SIZE = 25


def _can_read(user) -> bool:
    return is_training_manager(user) or is_learner(user)


def _candidates():
    """Answered, closed consultations not yet made into a teaching case."""
    return (
        Consultation.objects.filter(status=Status.CLOSED, answered_at__isnull=False)
        .exclude(pk__in=TeachingCase.objects.values("consultation_id"))
        .select_related("department", "requesting_hospital")
        .order_by("-closed_at")
    )


@requires(_can_read)
@require_GET
def teaching_cases(request: HttpRequest) -> HttpResponse:
    cases = TeachingCase.objects.select_related("course", "topic").order_by("-created_at")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    conferences = CaseConference.objects.order_by("-held_on")[:10]
    return render(
        request,
        "training/teaching/index.html",
        {"page": page, "conferences": conferences, "is_manager": is_training_manager(request.user)},
    )


@requires(is_training_manager)
@require_GET
def teaching_candidates(request: HttpRequest) -> HttpResponse:
    """Answered, closed consultations a training manager could teach from, latest closed first."""
    page = Paginator(_candidates(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/teaching/candidates.html", {"page": page})


@requires(is_training_manager)
@require_http_methods(["GET", "POST"])
def new_teaching_case(request: HttpRequest, public_id) -> HttpResponse:
    consultation = get_object_or_404(
        Consultation.objects.filter(status=Status.CLOSED, answered_at__isnull=False).select_related("patient"),
        public_id=public_id,
    )
    existing = TeachingCase.objects.filter(consultation=consultation).first()
    if existing:
        return redirect(existing)
    form = TeachingCaseForm(request.POST or None, consultation=consultation)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        try:
            with transaction.atomic():
                case = form.save()
        except IntegrityError:  # a second submit of the same consultation
            case = TeachingCase.objects.get(consultation=consultation)
        messages.success(request, _("The teaching case is saved."))
        return redirect(case)
    return render(
        request,
        "training/teaching/case_form.html",
        {
            "form": form,
            # For reference only, with names, numbers and dates already masked.
            "reference": [
                (_("Question"), redact_identifiers(consultation.question)),
                (_("Assessment"), redact_identifiers(consultation.assessment)),
                (_("Plan"), redact_identifiers(consultation.plan)),
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


@requires(_can_read)
@require_GET
def teaching_case(request: HttpRequest, public_id) -> HttpResponse:
    case = get_object_or_404(TeachingCase.objects.select_related("course", "topic"), public_id=public_id)
    return render(
        request, "training/teaching/case.html", {"case": case, "is_manager": is_training_manager(request.user)}
    )


@requires(is_training_manager)
@require_http_methods(["GET", "POST"])
def new_conference(request: HttpRequest) -> HttpResponse:
    form = ConferenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.created_by = request.user
        conference = form.save()
        return redirect(conference)
    return render(request, "training/teaching/conference_form.html", {"form": form})


@requires(is_training_manager)
@require_http_methods(["GET", "POST"])
def conference(request: HttpRequest, public_id) -> HttpResponse:
    conference = get_object_or_404(CaseConference, public_id=public_id)
    doctors = User.objects.with_role(*DOCTOR_ROLES).select_related("hospital").order_by("hospital__code", "username")
    form = AttendanceForm(request.POST or None, doctors=doctors)
    if request.method == "POST" and form.is_valid():
        written = conference.record_attendance(request.user, form.cleaned_data["attendees"])
        messages.success(request, _("%(count)d attendance(s) recorded.") % {"count": written})
        return redirect(conference)
    credits = conference.credits.select_related("user", "user__hospital").order_by("user__username")
    return render(
        request,
        "training/teaching/conference.html",
        {"conference": conference, "form": form, "credits": credits, "cases": conference.cases.all()},
    )


@requires(_can_read)
@require_GET
def ledger(request: HttpRequest, username: str | None = None) -> HttpResponse:
    """A doctor's CME credit ledger: their own, or (training managers) anyone's."""
    people = User.objects.all() if is_training_manager(request.user) else User.objects.filter(pk=request.user.pk)
    person = get_object_or_404(people, username=username) if username else request.user
    rows = CmeCredit.objects.filter(user=person).select_related("conference").order_by("-earned_on", "-pk")
    total = rows.aggregate(total=Sum("credits"))["total"] or Decimal("0")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/teaching/ledger.html", {"person": person, "page": page, "total": total})
