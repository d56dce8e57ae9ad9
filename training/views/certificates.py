"""Certificate pages behind sign-in: the learner's list and credits, a certificate with its
PDF, the training managers' list, revoke and reissue (the public verification page is
verification.py).

Certificates load through `Certificate.objects.visible_to(user)` (the holder's own; every
certificate for training managers), so someone else's certificate is a 404. Manager pages
refuse everyone else with a 403 before any lookup (`@requires(is_training_manager)`).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cloudpeds.accounts.access import requires

from ..forms.certificates import ReissueForm, RevokeForm
from ..models import Certificate, TrainingError, annual_credit_requirement, is_training_manager, normalise_code


# The PDF is opened by the browser's viewer or saved, never as part of a portal page.
def _certificate(request: HttpRequest, public_id: UUID) -> Certificate:
    certificates = Certificate.objects.visible_to(request.user).select_related("course", "holder", "superseded_by")
    return get_object_or_404(certificates, public_id=public_id)


# --- The learner -------------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        return this_year
    return year if 2000 <= year <= this_year + 1 else this_year


def _credits_context(request: HttpRequest) -> dict:
    year = _year(request)
    mine = Certificate.objects.filter(holder=request.user)
    earned = mine.credits_in_year(year)
    required = annual_credit_requirement()
    return {
        "certificates": mine.select_related("course", "superseded_by").order_by("-issued_at", "-pk"),
        "year": year,
        "years": sorted(
            {timezone.localdate().year, year, *(d.year for d in mine.dates("issued_at", "year"))}, reverse=True
        ),
        "earned": earned,
        "required": required,
        "percent": min(100, round(100 * float(earned) / required)) if required else 100,
        "today": timezone.localdate(),
    }


@login_required
@require_GET
def my_certificates(request: HttpRequest) -> HttpResponse:
    return render(request, "training/certificates.html", _credits_context(request))


@login_required
@require_GET
def my_certificates_panel(request: HttpRequest) -> HttpResponse:
    """The learner's certificates and the year's credits against the CME requirement
    (an htmx fragment for the training pages)."""
    return render(request, "training/_cert_panel.html", _credits_context(request))


@login_required
@require_GET
def certificate_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    certificate = _certificate(request, public_id)
    manager = is_training_manager(request.user)
    return render(
        request,
        "training/certificate_detail.html",
        {
            "certificate": certificate,
            "state": certificate.state(),
            "events": certificate.events.select_related("actor"),
            "manager": manager,
            "revoke_form": RevokeForm() if manager else None,
            "reissue_form": ReissueForm() if manager else None,
        },
    )


@login_required
@require_GET
def certificate_pdf_panel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    certificate = _certificate(request, public_id)
    return render(request, "training/_cert_pdf_panel.html", {"certificate": certificate})


@login_required
@require_POST
def request_certificate_pdf(request: HttpRequest, public_id: UUID) -> HttpResponse:
    certificate = _certificate(request, public_id)
    if certificate.status == Certificate.Status.VALID:
        certificate.request_pdf()
    if request.htmx:
        return render(request, "training/_cert_pdf_panel.html", {"certificate": certificate})
    return redirect(certificate.get_absolute_url())


@login_required
@require_GET
def download_certificate(request: HttpRequest, public_id: UUID) -> FileResponse:
    certificate = _certificate(request, public_id)
    if not certificate.can_download(request.user):
        raise Http404
    return certificate.pdf_download(f"certificate-{certificate.code}.pdf")


# --- Training managers ---------------------------------------------------------------------------


@require_GET
@requires(is_training_manager)
def manage_certificates(request: HttpRequest) -> HttpResponse:
    certificates = Certificate.objects.visible_to(request.user).select_related("course", "holder")
    query = request.GET.get("q", "").strip()
    if query:
        code = normalise_code(query)
        certificates = certificates.filter(
            Q(holder_name__icontains=query)
            | Q(holder__username__iexact=query)
            | Q(course_title_zh__icontains=query)
            | Q(course_title_en__icontains=query)
            | (Q(code=code) if code else Q(pk__in=[]))
        )
    status = request.GET.get("status", "")
    if status in Certificate.Status.values:
        certificates = certificates.filter(status=status)
    page = Paginator(certificates.order_by("-issued_at", "-pk"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "training/certificate_manage.html",
        {"page": page, "query": query, "status": status, "statuses": Certificate.Status.choices},
    )


@require_POST
@requires(is_training_manager)
def revoke_certificate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    certificate = _certificate(request, public_id)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.warning(request, _("Give the reason for revoking the certificate."))
        return redirect(certificate.get_absolute_url())
    try:
        certificate.revoke(request.user, form.cleaned_data["reason"])
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
    else:
        messages.success(request, _("The certificate is revoked; its verification page says so."))
    return redirect(certificate.get_absolute_url())


@require_POST
@requires(is_training_manager)
def reissue_certificate(request: HttpRequest, public_id: UUID) -> HttpResponse:
    certificate = _certificate(request, public_id)
    form = ReissueForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        new = certificate.reissue(request.user, note)
    except TrainingError as refusal:
        messages.warning(request, str(refusal))
        return redirect(certificate.get_absolute_url())
    messages.success(request, _("A new certificate was issued with the code %(code)s.") % {"code": new.code})
    return redirect(new.get_absolute_url())
