"""The specialists' side: the queue, claiming and assigning, asking for information,
redirecting, declining and answering.

Every view loads the case through `Consultation.objects.visible_to(user)` (another
hospital's or another specialty's case is a 404). The actions are POST only: a person who
does not work on the case as a specialist gets a 403; the right person acting on a case that
has moved on (a colleague claimed it a moment ago) is told so. The model's transition then
decides under the row lock, so of two people acting at once exactly one succeeds and the
other sees the reason (ConsultationError) as a message.

The actions are offered on the case page by an htmx fragment (`specialist_panel`). Posted
from it, a form with errors comes back in the fragment and success reloads the case page;
posted without htmx, errors are shown on a page of their own.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cloudpeds.accounts.access import requires
from cloudpeds.accounts.roles import Role

from ..forms.answering import (
    AnswerForm,
    AssignForm,
    DeclineForm,
    QueueForm,
    RedirectForm,
    RequestInfoForm,
    queue_departments,
)
from ..models import Consultation, ConsultationError, Status, can_read_consultations, can_see_queue
from .common import go, to_case, visible_case

# Rows a page: the queue's, and the specialist's own cases below it. Rendering a row costs
# ~0.3 ms, and the page refreshes itself every minute for everyone watching the queue.
PAGE_SIZE = 20
MINE_PAGE_SIZE = 10

# Form prefixes: the fragment shows several forms at once, and their fields must not clash.
ASSIGN, REDIRECT, DECLINE, INFO, ANSWER = "assign", "redirect", "decline", "info", "answer"


# --- The queue ---------------------------------------------------------------------------


@requires(can_see_queue)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """A specialty's open cases, overdue first, then by due time, those waiting for the
    requesting doctor last; and, apart, the specialist's own."""
    user = request.user
    departments = queue_departments(user)
    form = QueueForm(request.GET or None, departments=departments)
    department = form.cleaned_data.get("department") if form.is_valid() else None
    if department is None and not form.errors:
        # A specialist lands on their own department; a group administrator on the first one.
        department = next((d for d in departments if d.pk == user.department_id), None) or departments.first()
    visible = Consultation.objects.overseen_by(user)
    # The specialist's own cases are listed once, under "my cases", not in the queue too.
    cases = visible.none() if department is None else visible.queue_for(department).exclude(assigned_to=user)
    page = Paginator(_with_row_columns(cases), PAGE_SIZE).get_page(request.GET.get("page"))
    mine = Paginator(_with_row_columns(visible.assigned_to_user(user)), MINE_PAGE_SIZE).get_page(
        request.GET.get("mine")
    )
    context = {
        "form": form,
        "department": department,
        "can_choose_department": user.has_role(Role.GROUP_ADMIN),
        "page": page,
        "rows": [(case, case.can_claim(user)) for case in page.object_list],
        "mine": mine,
        # Names help clinicians tell their cases apart; administrators need the ages only.
        "show_names": user.is_doctor,
    }
    # The queue section refreshes itself (htmx polling) so that times and claims stay current.
    template = "consultations/queue.html#queue-lists" if request.htmx else "consultations/queue.html"
    return render(request, template, context)


def _with_row_columns(cases):
    return cases.select_related("patient", "requesting_hospital", "department", "assigned_to")


# --- The fragment on the case page ----------------------------------------------------------


@requires(can_read_consultations)
@require_GET
def specialist_panel(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """What this specialist can do with the case now; nothing for anyone else."""
    consultation = visible_case(request, public_id)
    return _render_panel(request, consultation)


# --- Actions ---------------------------------------------------------------------------------


@requires(can_read_consultations)
@require_POST
def claim(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _for_action(request, public_id)
    # Waiting for this department: claim() then says why a specialist not verified, or
    # below the title the invitation asks for, cannot accept it.
    if not consultation.can_assign(request.user):
        return _moved_on(request, consultation)
    try:
        consultation.claim(request.user)
    except ConsultationError as error:
        return _refused(request, consultation, error)
    messages.success(request, _("You are now handling this case."))
    return to_case(request, consultation)


@requires(can_read_consultations)
@require_POST
def assign(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _for_action(request, public_id)
    if not consultation.can_assign(request.user):
        return _moved_on(request, consultation)
    form = AssignForm(request.POST, prefix=ASSIGN, consultation=consultation)
    if not form.is_valid():
        return _invalid(request, consultation, assign_form=form)
    colleague = form.cleaned_data["colleague"]
    try:
        consultation.claim(colleague, assigned_by=request.user)
    except ConsultationError as error:
        return _refused(request, consultation, error)
    messages.success(request, _("%(name)s is now handling this case.") % {"name": colleague.display_name})
    return to_case(request, consultation)


@requires(can_read_consultations)
@require_POST
def request_info(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _for_action(request, public_id)
    if not consultation.can_act_as_specialist(request.user):
        return _moved_on(request, consultation)
    form = RequestInfoForm(request.POST, prefix=INFO)
    if not form.is_valid():
        return _invalid(request, consultation, info_form=form)
    try:
        consultation.request_info(request.user, form.cleaned_data["question"])
    except ConsultationError as error:
        return _refused(request, consultation, error)
    messages.success(request, _("Your question was sent. The response time is paused until the doctor replies."))
    return to_case(request, consultation)


@requires(can_read_consultations)
@require_POST
def redirect_consultation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _for_action(request, public_id)
    if not consultation.can_redirect(request.user):
        return _moved_on(request, consultation)
    form = RedirectForm(request.POST, prefix=REDIRECT, consultation=consultation)
    if not form.is_valid():
        return _invalid(request, consultation, redirect_form=form)
    department = form.cleaned_data["department"]
    try:
        consultation.redirect(request.user, department, form.cleaned_data["reason"])
    except ConsultationError as error:
        return _refused(request, consultation, error)
    messages.success(request, _("The case was sent to %(department)s.") % {"department": department.name})
    # The case has left this specialty (and this specialist): back to the queue, not to a 404.
    return go(request, reverse("consultations:queue"))


@requires(can_read_consultations)
@require_POST
def decline(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _for_action(request, public_id)
    if not consultation.can_decline(request.user):
        return _moved_on(request, consultation)
    form = DeclineForm(request.POST, prefix=DECLINE)
    if not form.is_valid():
        return _invalid(request, consultation, decline_form=form)
    try:
        consultation.decline(request.user, form.cleaned_data["reason"], form.cleaned_data["comment"])
    except ConsultationError as error:
        return _refused(request, consultation, error)
    messages.success(request, _("You declined this case. The requesting doctor has been told."))
    return to_case(request, consultation)


@requires(can_read_consultations)
@require_POST
def answer(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _for_action(request, public_id)
    if not consultation.can_act_as_specialist(request.user):
        return _moved_on(request, consultation)
    form = AnswerForm(request.POST, request.FILES, prefix=ANSWER)
    if not form.is_valid():
        return _invalid(request, consultation, answer_form=form)
    data = form.cleaned_data
    try:
        consultation.answer(
            request.user,
            assessment=data["assessment"],
            recommendation=data["recommendation"],
            plan=data["plan"],
            family_advice=data["family_advice"],
            follow_up_days=data["follow_up_days"],
            attachments=data["files"],
            file_kind=data["file_kind"],
        )
    except ConsultationError as error:
        return _refused(request, consultation, error)
    messages.success(request, _("Your answer was sent to the requesting doctor."))
    return to_case(request, consultation)


# --- Helpers -------------------------------------------------------------------------------


def _for_action(request: HttpRequest, public_id: UUID) -> Consultation:
    consultation = visible_case(request, public_id)
    # Checked on the person, not on the state: someone who works on the case as a specialist
    # and finds it moved on gets an explanation, anyone else a 403.
    if not consultation.is_specialist_side(request.user):
        raise PermissionDenied
    return consultation


def _moved_on(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    """The case changed since the page was loaded: say how, change nothing."""
    taken = consultation.status in (Status.CLAIMED, Status.INFO_REQUESTED, Status.ANSWERED, Status.CLOSED)
    if taken and consultation.assigned_to_id != request.user.pk:
        message = _("Another specialist has already taken this case.")
    else:
        message = _("This case is now “%(status)s”; nothing was changed.") % {
            "status": consultation.get_status_display()
        }
    messages.warning(request, message)
    return to_case(request, consultation)


def _refused(request: HttpRequest, consultation: Consultation, error: ConsultationError) -> HttpResponse:
    messages.warning(request, str(error))
    return to_case(request, consultation)


def _invalid(request: HttpRequest, consultation: Consultation, **bound_forms: Form) -> HttpResponse:
    # 200, not 4xx: htmx swaps only successful responses, and the form with its errors is
    # what the specialist needs to see. Nothing was stored.
    if request.htmx:
        return _render_panel(request, consultation, **bound_forms)
    context = _panel_context(request, consultation, **bound_forms)
    return render(request, "consultations/_answering_page.html", context)


def _render_panel(request: HttpRequest, consultation: Consultation, **bound_forms: Form) -> HttpResponse:
    context = _panel_context(request, consultation, **bound_forms)
    if context["mode"] is None:
        return HttpResponse("")
    return render(request, "consultations/_answering_panel.html", context)


def _panel_context(request: HttpRequest, consultation: Consultation, **bound_forms: Form) -> dict:
    user = request.user
    forms: dict[str, Form] = {}
    if consultation.can_assign(user):
        mode = "waiting"
        forms = {
            "assign_form": AssignForm(prefix=ASSIGN, consultation=consultation),
            "redirect_form": RedirectForm(prefix=REDIRECT, consultation=consultation),
            "decline_form": DeclineForm(prefix=DECLINE),
        }
    elif consultation.can_act_as_specialist(user):
        mode = "handling"
        forms = {
            "info_form": RequestInfoForm(prefix=INFO),
            "redirect_form": RedirectForm(prefix=REDIRECT, consultation=consultation),
            "decline_form": DeclineForm(prefix=DECLINE),
            "answer_form": AnswerForm(prefix=ANSWER),
        }
    elif consultation.status == Status.INFO_REQUESTED and consultation.assigned_to_id == user.pk:
        mode = "paused"
    else:
        mode = None
    forms.update({name: form for name, form in bound_forms.items() if name in forms})
    return {"consultation": consultation, "mode": mode, "open_form": next(iter(bound_forms), ""), **forms}
