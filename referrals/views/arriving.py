"""The receiving side after approval: the handover, discharge, the down-referral with its
follow-up plan, and the grassroots doctor's acknowledgement and follow-up records."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cloudpeds.accounts.access import requires
from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.patients.models import works_with_patients

from ..forms import DownReferralForm, FollowUpFormSet, FollowUpRecordForm, NoteForm, follow_up_initial
from ..models import FollowUpItem, Referral, ReferralError
from .common import check_allowed, refused, visible_referral


def _note(request: HttpRequest) -> str:
    form = NoteForm(request.POST)
    return form.cleaned_data["note"] if form.is_valid() else ""


@requires(works_with_patients)
@require_POST
def confirm_arrival(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral = visible_referral(request, public_id)
    user = request.user
    denied = check_allowed(request, referral, referral.can_confirm_arrival(user), referral.is_receiving_side(user))
    if denied:
        return denied
    try:
        referral.confirm_arrival(user, _note(request))
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("Arrival confirmed: the reserved bed is now occupied."))
    return redirect(referral)


@requires(works_with_patients)
@require_POST
def discharge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral = visible_referral(request, public_id)
    user = request.user
    denied = check_allowed(request, referral, referral.can_discharge(user), referral.is_receiving_side(user))
    if denied:
        return denied
    try:
        referral.discharge(user, _note(request))
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("The child is discharged and the bed released."))
    return redirect(referral)


@requires(works_with_patients)
@require_http_methods(["GET", "POST"])
def new_down_referral(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Discharge an up-referred child and refer them down for follow-up, usually to the
    hospital that sent them."""
    referral = visible_referral(request, public_id)
    user = request.user
    denied = check_allowed(request, referral, referral.can_refer_down(user), referral.is_receiving_doctor(user))
    if denied:
        return denied
    initial = {
        "receiving_hospital": referral.sending_hospital_id,
        "receiving_department": referral.sending_department_id,
        "diagnosis": referral.diagnosis_id,
        "diagnosis_note": referral.diagnosis_note,
    }
    form = DownReferralForm(request.POST or None, request.FILES or None, user=user, initial=initial)
    # The usual plan is offered on the empty form only: bound to the posted data, a prefilled
    # item the doctor kept as it was would count as "unchanged" and be dropped.
    if request.method == "POST":
        formset = FollowUpFormSet(request.POST, prefix="follow_up")
    else:
        formset = FollowUpFormSet(prefix="follow_up", initial=follow_up_initial())
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items = [
            (row["description"].strip(), row["due_on"])
            for row in formset.cleaned_data
            if row and (row.get("description") or "").strip() and row.get("due_on")
        ]
        data = form.cleaned_data
        try:
            down = referral.refer_down(
                user,
                receiving_hospital=data["receiving_hospital"],
                receiving_department=data["receiving_department"],
                diagnosis=data["diagnosis"],
                diagnosis_note=data["diagnosis_note"],
                discharge_summary=data["discharge_summary"],
                medicines=data["medicines"],
                follow_ups=items,
                **form.attached(),
            )
        except ReferralError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The child is discharged and referred to %(hospital)s for follow-up.")
                % {"hospital": down.receiving_hospital.name},
            )
            return redirect(down)
    log_access(request, referral.patient, AccessEvent.Action.VIEW, referral)
    context = {"referral": referral, "patient": referral.patient, "form": form, "formset": formset}
    return render(request, "referrals/down_form.html", context)


@requires(works_with_patients)
@require_POST
def acknowledge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    referral = visible_referral(request, public_id)
    user = request.user
    denied = check_allowed(request, referral, referral.can_acknowledge(user), referral.is_receiving_doctor(user))
    if denied:
        return denied
    try:
        referral.acknowledge(user, _note(request))
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("Acknowledged: the follow-up plan is now yours."))
    return redirect(referral)


@requires(works_with_patients)
@require_POST
def record_follow_up(request: HttpRequest, item_id: UUID) -> HttpResponse:
    user = request.user
    item = get_object_or_404(
        FollowUpItem.objects.filter(referral__in=Referral.objects.visible_to(user)).select_related("referral"),
        public_id=item_id,
    )
    referral = item.referral
    denied = check_allowed(request, referral, referral.can_record_follow_up(user), referral.is_receiving_doctor(user))
    if denied:
        return denied
    form = FollowUpRecordForm(request.POST, prefix=str(item.public_id))
    if not form.is_valid():
        messages.warning(request, _("Choose done or missed."))
        return redirect(referral)
    try:
        referral.record_follow_up(
            user, item, done=form.cleaned_data["outcome"] == "done", note=form.cleaned_data["note"]
        )
    except ReferralError as error:
        return refused(request, referral, error)
    messages.success(request, _("Follow-up recorded."))
    return redirect(referral)
