"""The receiving hospital's transfer administrators: the queue, the decisions and the beds."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import requires
from cloudpeds.accounts.models import Department, User
from cloudpeds.patients.models import works_with_patients

from ..forms import ApproveForm, BedCensusForm, InfoRequestForm, RedirectForm, RejectForm
from ..models import (
    BedState,
    NoBedAvailable,
    Referral,
    ReferralError,
    can_manage_beds,
    departments_with_capacity,
    is_transfer_admin,
)
from .common import check_allowed, refused, visible_referral
from .requesting import render_detail

# Rows a page: the requests waiting for a decision, and the approved transfers on their way
# (a shorter list beside the beds). Rendering a row costs ~0.3 ms, and the page refreshes
# itself every minute for every administrator watching it.
PAGE_SIZE = 20
ARRIVING_PAGE_SIZE = 10


# --- The queue ------------------------------------------------------------------------------------


@requires(is_transfer_admin)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Incoming requests by urgency and age; the approved transfers on their way; the beds."""
    user = request.user
    visible = Referral.objects.visible_to(user)
    incoming = Paginator(visible.queue_for(user.hospital_id).with_list_columns(), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    arriving = Paginator(visible.awaiting_arrival(user.hospital_id).with_list_columns(), ARRIVING_PAGE_SIZE).get_page(
        request.GET.get("arriving")
    )
    context = {
        "incoming": incoming,
        "arriving": arriving,
        "departments": list(departments_with_capacity(user.hospital)),
    }
    # The lists refresh themselves (htmx polling): an emergency appears without a reload.
    template = "referrals/queue.html#queue-lists" if request.htmx else "referrals/queue.html"
    return render(request, template, context)


# --- Decisions -------------------------------------------------------------------------------------


def _decider(
    request: HttpRequest, public_id: UUID, allowed: Callable[[Referral, User], bool]
) -> tuple[Referral, HttpResponse | None]:
    referral = visible_referral(request, public_id)
    user = request.user
    return referral, check_allowed(request, referral, allowed(referral, user), referral.is_receiving_admin(user))


@requires(works_with_patients)
@require_POST
def approve(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral, denied = _decider(request, public_id, Referral.can_decide)
    if denied:
        return denied
    form = ApproveForm(request.POST)
    if not form.is_valid():
        return render_detail(request, referral, approve_form=form)
    try:
        referral.approve(
            request.user,
            window_start=form.cleaned_data["window_start"],
            window_end=form.cleaned_data["window_end"],
            note=form.cleaned_data["note"],
        )
    except NoBedAvailable as error:
        # The clear refusal of the second of two approvals for the last bed.
        messages.error(request, str(error))
        return redirect(referral)
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("Approved: a bed is reserved and the sending hospital is told."))
    return redirect("referrals:queue")


@requires(works_with_patients)
@require_POST
def request_info(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral, denied = _decider(request, public_id, Referral.can_request_info)
    if denied:
        return denied
    form = InfoRequestForm(request.POST)
    if not form.is_valid():
        return render_detail(request, referral, info_request_form=form)
    try:
        referral.request_info(request.user, form.cleaned_data["question"])
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("Your question is sent to the referring doctor."))
    return redirect(referral)


@requires(works_with_patients)
@require_POST
def reject(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral, denied = _decider(request, public_id, Referral.can_decide)
    if denied:
        return denied
    form = RejectForm(request.POST)
    if not form.is_valid():
        return render_detail(request, referral, reject_form=form)
    try:
        referral.reject(request.user, form.cleaned_data["reason"], form.cleaned_data["comment"])
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("The request is rejected and the referring doctor is told."))
    return redirect("referrals:queue")


@requires(works_with_patients)
@require_POST
def redirect_referral(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral, denied = _decider(request, public_id, Referral.can_decide)
    if denied:
        return denied
    form = RedirectForm(request.POST, referral=referral)
    if not form.is_valid():
        return render_detail(request, referral, redirect_form=form)
    try:
        referral.redirect(request.user, form.cleaned_data["department"], form.cleaned_data["note"])
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(
        request, _("The request is now with %(department)s.") % {"department": form.cleaned_data["department"]}
    )
    return redirect(referral)


# --- Beds ---------------------------------------------------------------------------------------------


@requires(is_transfer_admin)
@require_http_methods(["GET", "POST"])
def capacity(request: HttpRequest) -> HttpResponse:
    """Each department's free beds now (beds − occupied − reserved); the census is typed here."""
    user = request.user
    if request.method == "GET":
        return _render_capacity(request, "referrals/capacity.html")
    department = get_object_or_404(Department, pk=request.POST.get("department") or 0, hospital_id=user.hospital_id)
    if not can_manage_beds(user, department.hospital_id):
        raise PermissionDenied
    form = BedCensusForm(request.POST)
    if form.is_valid():
        try:
            BedState(department=department).set_occupied(user, form.cleaned_data["occupied"])
        except ReferralError as error:
            notice, ok = str(error), False
        else:
            notice, ok = _("%(department)s: occupied beds updated.") % {"department": department.name}, True
    else:
        notice, ok = _("Enter the number of occupied beds."), False
    if request.htmx:
        return _render_capacity(request, "referrals/capacity.html#beds", notice=notice, ok=ok)
    (messages.success if ok else messages.warning)(request, notice)
    return redirect("referrals:capacity")


def _render_capacity(request: HttpRequest, template: str, *, notice: str = "", ok: bool = True) -> HttpResponse:
    departments = list(departments_with_capacity(request.user.hospital))
    totals = {
        "beds": sum(department.bed_count for department in departments),
        "occupied": sum(department.occupied for department in departments),
        "reserved": sum(department.reserved for department in departments),
        "free": sum(max(department.free, 0) for department in departments),
    }
    context = {"departments": departments, "totals": totals, "notice": notice, "notice_ok": ok}
    return render(request, template, context)
