"""What the views of the case page share: loading the case, and going back to it."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django_htmx.http import HttpResponseClientRedirect

from ..models import Consultation


def visible_case(request: HttpRequest, public_id: UUID) -> Consultation:
    """The case through the access QuerySet: another hospital's (or another specialty's) is
    a 404. Who may open case pages at all is the views' @requires(can_read_consultations)."""
    cases = Consultation.objects.visible_to(request.user).select_related(
        "patient",
        "patient__hospital",
        "department__hospital",
        "requesting_hospital",
        "requested_by",
        "assigned_to",
    )
    return get_object_or_404(cases, public_id=public_id)


def go(request: HttpRequest, url: str) -> HttpResponse:
    # From a fragment the whole case page reloads: it shows the new state and the message.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def to_case(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    return go(request, consultation.get_absolute_url())
