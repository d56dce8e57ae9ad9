"""The consultation report PDF: the fragment on the case page, asking for it, downloading it.

Both sides (the requesting hospital's doctors and the specialists who see the case) may ask
for and download the report once the case is answered; the case is loaded through
`Consultation.objects.visible_to(user)`, so another hospital's case is a 404 on every URL.
The PDF is made by the one PDF task (ConsultationReport, consultations/reports.py); the fragment polls every 2 seconds
while it is being prepared.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cloudpeds.accounts.access import requires
from cloudpeds.audit.models import AccessEvent, log_access

from ..models import Consultation, ConsultationError, ConsultationReport, can_read_consultations
from .common import visible_case


# The PDF is opened by the browser's viewer or saved, never as part of a portal page.
@requires(can_read_consultations)
@require_GET
def report_panel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = visible_case(request, public_id)
    return _render_panel(request, consultation)


@requires(can_read_consultations)
@require_POST
def request_report(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = visible_case(request, public_id)
    error = ""
    try:
        consultation.request_report()
    except ConsultationError as refusal:
        error = str(refusal)
    if request.htmx:
        return _render_panel(request, consultation, error=error)
    if error:
        messages.warning(request, error)
    else:
        messages.success(request, _("The report is being prepared; it will be ready to download in a moment."))
    return redirect(consultation.get_absolute_url())


@requires(can_read_consultations)
@require_GET
def download_report(request: HttpRequest, public_id: UUID) -> FileResponse:
    consultation = visible_case(request, public_id)
    report = get_object_or_404(ConsultationReport, consultation=consultation)
    if not report.is_ready:
        raise Http404
    response = report.pdf_download(report.download_name())
    log_access(request, consultation.patient, AccessEvent.Action.DOWNLOAD, report)
    return response


def _render_panel(request: HttpRequest, consultation: Consultation, *, error: str = "") -> HttpResponse:
    report = ConsultationReport.objects.filter(consultation=consultation).first()
    context = {
        "consultation": consultation,
        "report": report,
        "state": consultation.report_state(report),
        "error": error,
    }
    return render(request, "consultations/_report_panel.html", context)
