"""The public verification page /certificates/verify/<code>/ and its lookup form.

No sign-in: anyone holding a code (printed on the certificate, in its QR code) may check it.
The page shows what the certificate says and whether it stands, never a phone or ID number,
and is rate limited per address so that codes cannot be guessed.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from cloudpeds.audit.models import client_ip

from ..forms.verification import VerifyForm
from ..models import Certificate, normalise_code


def _current_minute() -> int:
    return int(time.time() // 60)


def _rate_limited(request: HttpRequest) -> bool:
    """More than the limit of lookups from this address in the current minute."""
    limit = settings.CERTIFICATE_VERIFY_RATE_LIMIT  # lookups per address per minute
    key = f"training:verify:{client_ip(request) or 'unknown'}:{_current_minute()}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=120)
        count = 1
    return count > limit


def _too_many(request: HttpRequest) -> HttpResponse:
    response = render(request, "training/certificate_verify_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


@require_GET
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """A form to type a code in (for a printed certificate read without a phone)."""
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        code = normalise_code(form.cleaned_data["code"]) or form.cleaned_data["code"].strip()
        return redirect("certificates:verify", code=code)
    return render(request, "training/certificate_verify_form.html", {"form": form})


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    if _rate_limited(request):
        return _too_many(request)
    normalised = normalise_code(code)
    certificate = (
        Certificate.objects.select_related("superseded_by").filter(code=normalised).first() if normalised else None
    )
    if certificate is None:
        response = render(request, "training/certificate_verify_unknown.html", {"code": code[:40]}, status=404)
    else:
        response = render(
            request, "training/certificate_verify.html", {"certificate": certificate, "state": certificate.state()}
        )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
