"""The signed opinion's verification page (issue 15 point 3): the signature record, and
whether the opinion is still what was signed.

The case is loaded through `Consultation.objects.visible_to(user)`: another hospital's
case is a 404, like the case page and its PDF.
"""

from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cloudpeds.accounts.access import requires
from cloudpeds.audit.models import AccessEvent, log_access

from ..models import OpinionSignature, can_read_consultations
from .common import visible_case


@requires(can_read_consultations)
@require_GET
def verify_signature(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = visible_case(request, public_id)
    signature = OpinionSignature.objects.filter(consultation=consultation).select_related("signer").first()
    if signature is None:
        raise Http404
    log_access(request, consultation.patient, AccessEvent.Action.VIEW, consultation)
    current = signature.current_sha256()
    context = {
        "consultation": consultation,
        "signature": signature,
        "current_sha256": current,
        "intact": current == signature.content_sha256,
    }
    return render(request, "consultations/signature.html", context)
