"""The referral letter: asked for on the referral page, made by a task, then downloaded.

Same access as the referral (another hospital: 404); every download is an access event.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cloudpeds.accounts.access import requires
from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.patients.models import works_with_patients

from ..models import ReferralError, ReferralLetter
from .common import visible_referral


@requires(works_with_patients)
@require_http_methods(["GET", "POST"])
def letter(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """POST asks for the letter; GET is the status fragment ("being prepared", then the
    download link), which polls itself while the task runs."""
    referral = visible_referral(request, public_id)
    if request.method == "POST":
        try:
            ReferralLetter.request_for(referral, request.user)
        except ReferralError as error:
            messages.warning(request, str(error))
            return redirect(referral)
        if not request.htmx:
            messages.info(request, _("The letter is being prepared; it appears here in a moment."))
            return redirect(referral)
    row = ReferralLetter.objects.filter(referral=referral).first()
    context = {"referral": referral, "letter": row, "can_have_letter": referral.can_have_letter()}
    return render(request, "referrals/detail.html#letter", context)


@requires(works_with_patients)
@require_GET
def letter_download(request: HttpRequest, public_id: UUID) -> FileResponse:
    referral = visible_referral(request, public_id)
    row = ReferralLetter.objects.filter(referral=referral).first()
    if row is None or not row.is_ready:
        raise Http404
    response = row.pdf_download(f"referral-{referral.patient.record_number}-{row.generated_at:%Y%m%d}.pdf")
    log_access(request, referral.patient, AccessEvent.Action.DOWNLOAD, referral)
    return response
