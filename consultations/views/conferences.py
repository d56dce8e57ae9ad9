"""Live video case conferences: the fragment on the case page, scheduling, the summary, and
each person's calendar of upcoming sessions.

Cases and conferences load through `visible_to(user)`: another hospital's is a 404 on every
URL. The assigned specialist schedules (anyone else who sees the case: 403) and, once the
conference has begun, records its summary. The join link goes to the self-hosted video
service (settings.VIDEO_CONFERENCE_BASE_URL) and is shown to the invited and the organiser.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cloudpeds.accounts.access import requires

from ..forms.conferences import ConferenceForm, SummaryForm
from ..models import CaseConference, Consultation, ConsultationError, can_read_consultations
from .common import to_case, visible_case

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User

PAGE_SIZE = 50


# --- The calendar ------------------------------------------------------------------------------


@requires(can_read_consultations)
@require_GET
def conferences(request: HttpRequest) -> HttpResponse:
    """The user's upcoming conferences, as participant or organiser, grouped by local day."""
    user = request.user
    upcoming = CaseConference.objects.upcoming_for(user).select_related(
        "consultation__patient", "consultation__department", "consultation__requesting_hospital", "organiser"
    )
    page = Paginator(upcoming.prefetch_related("participants"), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(conference, conference.has_started(now)) for conference in page.object_list]
    days = [
        (day, list(group)) for day, group in groupby(rows, key=lambda row: timezone.localdate(row[0].scheduled_for))
    ]
    context = {"page": page, "days": days, "today": timezone.localdate()}
    return render(request, "consultations/conferences.html", context)


# --- The fragment on the case page -------------------------------------------------------------


@requires(can_read_consultations)
@require_GET
def conference_panel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = visible_case(request, public_id)
    return _render_panel(request, consultation)


@requires(can_read_consultations)
@require_POST
def schedule_conference(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = visible_case(request, public_id)
    if not consultation.can_schedule_conference(request.user):
        raise PermissionDenied
    form = ConferenceForm(request.POST, consultation=consultation, organiser=request.user)
    if not form.is_valid():
        return _invalid(request, consultation, form=form)
    try:
        CaseConference.schedule(
            consultation,
            request.user,
            scheduled_for=form.cleaned_data["scheduled_for"],
            duration_minutes=form.cleaned_data["duration_minutes"],
            participants=form.cleaned_data["participants"],
        )
    except ConsultationError as refusal:
        form.add_error(None, str(refusal))
        return _invalid(request, consultation, form=form)
    messages.success(request, _("The case conference is scheduled; the participants have been told."))
    return to_case(request, consultation)


@requires(can_read_consultations)
@require_POST
def record_summary(request: HttpRequest, conference_id: UUID) -> HttpResponse:
    conferences_seen = CaseConference.objects.visible_to(request.user).select_related(
        "consultation__patient", "consultation__department", "consultation__assigned_to"
    )
    conference = get_object_or_404(conferences_seen, public_id=conference_id)
    consultation = conference.consultation
    if not conference.can_record_summary(request.user):
        raise PermissionDenied
    form = SummaryForm(request.POST, prefix=_summary_prefix(conference))
    if not form.is_valid():
        return _invalid(request, consultation, summary_forms={conference.pk: form})
    try:
        conference.record_summary(request.user, form.cleaned_data["summary"])
    except ConsultationError as refusal:
        form.add_error(None, str(refusal))
        return _invalid(request, consultation, summary_forms={conference.pk: form})
    messages.success(request, _("The conference summary is recorded on the case."))
    return to_case(request, consultation)


# --- Helpers -----------------------------------------------------------------------------------


def _is_invited(conference: CaseConference, user: User) -> bool:
    # participants are prefetched: no query per conference.
    return conference.organiser_id == user.pk or any(person.pk == user.pk for person in conference.participants.all())


def _summary_prefix(conference: CaseConference) -> str:
    return f"summary-{conference.public_id}"


def _invalid(request: HttpRequest, consultation: Consultation, **forms) -> HttpResponse:
    # 200: htmx swaps only successful responses, and the form with its errors is what the
    # specialist needs to see. Nothing was stored.
    context = _panel_context(request, consultation, **forms)
    template = "consultations/_conference_panel.html" if request.htmx else "consultations/_conference_page.html"
    return render(request, template, context)


def _render_panel(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    return render(request, "consultations/_conference_panel.html", _panel_context(request, consultation))


def _panel_context(
    request: HttpRequest,
    consultation: Consultation,
    *,
    form: Form | None = None,
    summary_forms: dict[int, Form] | None = None,
) -> dict:
    user = request.user
    now = timezone.now()
    summary_forms = summary_forms or {}
    listed = consultation.conferences.select_related("organiser").prefetch_related("participants__hospital")
    items = []
    for conference in listed.order_by("-scheduled_for", "-pk"):
        can_summarise = conference.can_record_summary(user, now)
        items.append(
            {
                "conference": conference,
                "invited": _is_invited(conference, user),
                "joinable": conference.state == CaseConference.State.SCHEDULED and conference.ends_at > now,
                "summary_form": (
                    summary_forms.get(conference.pk)
                    or SummaryForm(prefix=_summary_prefix(conference), initial={"summary": conference.summary})
                )
                if can_summarise
                else None,
            }
        )
    can_schedule = consultation.can_schedule_conference(user)
    if can_schedule and form is None:
        form = ConferenceForm(consultation=consultation, organiser=user)
    return {
        "consultation": consultation,
        "items": items,
        "form": form if can_schedule else None,
        "open_form": form is not None and form.is_bound,
    }
