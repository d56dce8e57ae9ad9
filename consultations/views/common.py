"""What the views of the case page share: loading the case, and going back to it."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django_htmx.http import HttpResponseClientRedirect

from cloudpeds.core.related import fill_foreign_keys

from ..models import Consultation


def visible_case(request: HttpRequest, public_id: UUID) -> Consultation:
    """The case through the access QuerySet: another hospital's (or another specialty's) is
    a 404. Who may open case pages at all is the views' @requires(can_read_consultations)."""
    # The check and the case in one query with few joins; the small rows beside it apart
    # (one query per model): a ten-table join cost ~10 ms a request to plan (core/related.py).
    cases = Consultation.objects.visible_to(request.user).select_related("patient__hospital", "department")
    consultation = get_object_or_404(cases, public_id=public_id)
    fill_foreign_keys(
        (consultation, "requesting_hospital"),
        (consultation.department, "hospital"),
        (consultation, "requested_by"),
        (consultation, "assigned_to"),
    )
    return consultation


def go(request: HttpRequest, url: str) -> HttpResponse:
    # From a fragment the whole case page reloads: it shows the new state and the message.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def to_case(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    return go(request, consultation.get_absolute_url())
