"""The requesting doctor's side: the list of the hospital's cases, starting and finishing a
draft, the case page, the thread, the information asked for, closing and withdrawing.

Every view loads through `Consultation.objects.visible_to(user)` (or
`Patient.objects.visible_to(user)`), so another hospital's case is a 404. People with no
doctor role get 403 before any lookup. The workflow itself is on the model: a view
validates a form, calls one transition and shows its refusal as it is.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cloudpeds.accounts.access import requires
from cloudpeds.attachments.models import Attachment
from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.patients.models import Patient
from handbook.models import SearchDocument
from handbook.search import query_words

from ..forms.asking import (
    CloseForm,
    ConsultationFilterForm,
    ConsultationForm,
    MessageForm,
    PatientSearchForm,
    ProvideInfoForm,
    WithdrawForm,
)
from ..models import (
    Autosave,
    Consultation,
    ConsultationError,
    Message,
    Status,
    can_ask_consultations,
    can_open_consultations,
    can_read_consultations,
    works_from_the_queue,
)
from ..timeline import event_title
from .common import visible_case

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User

PAGE_SIZE = 25
# Handbook topics offered beside the form: enough to notice, few enough to read.
HANDBOOK_TOPICS_SHOWN = 3


# --- Loading ------------------------------------------------------------------------------


def _requesting_side(request: HttpRequest, public_id: UUID) -> Consultation:
    """A case the user's hospital asked: only its doctors act on the asking side (the
    specialist who sees the case gets 403, another hospital 404)."""
    consultation = visible_case(request, public_id)
    if consultation.requesting_hospital_id != request.user.hospital_id or not request.user.is_doctor:
        raise PermissionDenied
    return consultation


def _own_patient(request: HttpRequest, patient_id: UUID) -> Patient:
    patients = Patient.objects.visible_to(request.user, one=True).filter(hospital_id=request.user.hospital_id)
    return get_object_or_404(patients.select_related("hospital"), public_id=patient_id)


# --- The hospital's list -------------------------------------------------------------------


@requires(can_open_consultations)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The requesting hospital's consultations; specialists land on their queue."""
    user = request.user
    if works_from_the_queue(user):
        return redirect("consultations:queue")
    form = ConsultationFilterForm(request.GET or None)
    consultations = (
        Consultation.objects.visible_to(user)
        .filter(requesting_hospital_id=user.hospital_id)
        .with_list_columns()
        .order_by("-created_at", "-pk")
    )
    if form.is_valid():
        if form.cleaned_data["status"]:
            consultations = consultations.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["department"]:
            consultations = consultations.filter(department=form.cleaned_data["department"])
        if form.cleaned_data["mine"]:
            consultations = consultations.filter(requested_by=user)
    page = Paginator(consultations, PAGE_SIZE).get_page(request.GET.get("page"))
    # No access event: a row is a name, an age and a status; opening a case is logged.
    return render(request, "consultations/index.html", {"page": page, "form": form})


# --- Starting and finishing a draft --------------------------------------------------------


@requires(can_ask_consultations)
@require_GET
def new_consultation(request: HttpRequest) -> HttpResponse:
    """Choose the child: the hospital's own patients, by name or medical record number."""
    form = PatientSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    patients = (
        Patient.objects.visible_to(request.user)
        .filter(hospital_id=request.user.hospital_id)
        .search(query)
        .with_list_columns()
        .order_by("-created_at", "-pk")
    )
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "consultations/new.html#results" if request.htmx else "consultations/new.html"
    return render(request, template, {"form": form, "page": page, "query": query})


@requires(can_ask_consultations)
@require_http_methods(["GET", "POST"])
def start_consultation(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    patient = _own_patient(request, patient_id)
    consultation = Consultation(
        patient=patient,
        requesting_hospital_id=request.user.hospital_id,
        requested_by=request.user,
        allergies=patient.allergies,
    )
    autosave = _offered_autosave(request, patient, None)
    form = ConsultationForm(
        request.POST or None,
        request.FILES or None,
        instance=consultation,
        patient=patient,
        initial=autosave.data if autosave else None,
    )
    if request.method == "POST" and form.is_valid():
        draft_id = form.cleaned_data["draft_id"] or uuid4()
        already = _already_made(request, draft_id)
        if already is not None:
            return already
        if Consultation.objects.filter(public_id=draft_id).exists():
            draft_id = uuid4()  # not this form's id: someone else's case
        consultation.public_id = draft_id
        try:
            _save_case(request, form, consultation)
        except IntegrityError:
            # The same form posted twice at the same moment: the first one made the case.
            already = _already_made(request, draft_id)
            if already is not None:
                return already
            raise
        except ConsultationError as error:
            form.add_error(None, str(error))
        else:
            return _after_save(request, consultation)
    return _render_form(request, form, patient, None, autosave)


def _already_made(request: HttpRequest, draft_id: UUID) -> HttpResponse | None:
    existing = Consultation.objects.visible_to(request.user).filter(public_id=draft_id, requested_by=request.user)
    consultation = existing.first()
    if consultation is None:
        return None
    messages.info(request, _("This consultation was already saved; here it is."))
    return redirect(consultation)


@requires(can_read_consultations)
@require_http_methods(["GET", "POST"])
def edit_draft(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _requesting_side(request, public_id)
    if consultation.status != Status.DRAFT:
        # A second tab, the back button, or the second of two clicks on "Send".
        messages.warning(request, _("This consultation has already been sent and can no longer be changed."))
        return redirect(consultation)
    if not consultation.can_edit_draft(request.user):
        raise PermissionDenied
    patient = consultation.patient
    autosave = _offered_autosave(request, patient, consultation)
    form = ConsultationForm(
        request.POST or None,
        request.FILES or None,
        instance=consultation,
        patient=patient,
        initial=autosave.data if autosave else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            _save_case(request, form, consultation)
        except ConsultationError as error:
            consultation.refresh_from_db()
            if consultation.status != Status.DRAFT:
                messages.warning(request, str(error))
                return redirect(consultation)
            form.add_error(None, str(error))
        else:
            return _after_save(request, consultation, draft=consultation)
    return _render_form(request, form, patient, consultation, autosave)


def _wants_submit(request: HttpRequest) -> bool:
    return request.POST.get("action") == "submit"


def _save_case(request: HttpRequest, form: ConsultationForm, consultation: Consultation) -> None:
    """Save the draft and send it if asked, with the files: all or nothing.

    The files go with the last step (sending, else saving), which stores them last: a
    refused submission leaves no file in storage.
    """
    form.save(commit=False)
    with transaction.atomic():
        form.record_service_consent(request.user)
        if _wants_submit(request):
            consultation.save_draft(request.user)
            consultation.submit(request.user, **form.attached())
        else:
            consultation.save_draft(request.user, **form.attached())


def _after_save(request: HttpRequest, consultation: Consultation, draft: Consultation | None = None) -> HttpResponse:
    # Saved or sent: the text typed meanwhile is in the case now.
    Autosave.objects.of(request.user, consultation.patient, draft).delete()
    if consultation.status == Status.SUBMITTED:
        messages.success(
            request,
            _("The consultation is sent to %(specialty)s. An answer is due by %(due)s.")
            % {"specialty": consultation.department, "due": _local(consultation.due_at)},
        )
        return redirect(consultation)
    messages.success(request, _("The draft is saved. You can finish and send it later."))
    return redirect(consultation)


def _local(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i")


def _render_form(
    request: HttpRequest,
    form: ConsultationForm,
    patient: Patient,
    consultation: Consultation | None,
    autosave: Autosave | None = None,
) -> HttpResponse:
    # The page shows the child's record (allergies, age): a read of patient data.
    log_access(request, patient, AccessEvent.Action.VIEW, consultation)
    symptoms = form.data.get("symptoms", "") if form.is_bound else (consultation.symptoms if consultation else "")
    existing_files = (
        list(Attachment.objects.for_source(consultation).select_related("uploaded_by")) if consultation else []
    )
    context = {
        "form": form,
        "patient": patient,
        "consultation": consultation,
        "has_consent": patient.has_sharing_consent(),
        "handbook_topics": _handbook_topics(symptoms),
        "existing_files": existing_files,
        "withdraw_form": WithdrawForm() if consultation is not None else None,
        "autosave": autosave,
        "autosave_url": (
            reverse("consultations:autosave_draft", args=[consultation.public_id])
            if consultation is not None
            else reverse("consultations:autosave_new", args=[patient.public_id])
        ),
    }
    return render(request, "consultations/form.html", context)


# --- Autosave: no typed work lost ----------------------------------------------------------


def _offered_autosave(request: HttpRequest, patient: Patient, consultation: Consultation | None) -> Autosave | None:
    """The text this person typed into this form and has not saved, offered back on a GET."""
    if request.method != "GET":
        return None
    return Autosave.objects.of(request.user, patient, consultation).fresh().first()


@requires(can_ask_consultations)
@require_POST
def autosave_new(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    return _autosave(request, _own_patient(request, patient_id), None)


@requires(can_read_consultations)
@require_POST
def autosave_draft(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _requesting_side(request, public_id)
    if consultation.status != Status.DRAFT:
        return HttpResponse(_("This consultation has already been sent and can no longer be changed."), status=409)
    if not consultation.can_edit_draft(request.user):
        raise PermissionDenied
    return _autosave(request, consultation.patient, consultation)


def _autosave(request: HttpRequest, patient: Patient, consultation: Consultation | None) -> HttpResponse:
    form_url = (
        reverse("consultations:edit", args=[consultation.public_id])
        if consultation is not None
        else reverse("consultations:start", args=[patient.public_id])
    )
    if request.POST.get("discard"):
        Autosave.objects.of(request.user, patient, consultation).delete()
        messages.info(request, _("The text saved automatically was discarded."))
        return redirect(form_url)
    fields = ConsultationForm(patient=patient).fields
    data: dict[str, str | list[str]] = {}
    for name, field in fields.items():
        values = request.POST.getlist(name)
        if name == "draft_id" or field.widget.needs_multipart_form or not values:
            continue  # files cannot be kept (the form says so); the draft id is the form's own
        data[name] = values if len(values) > 1 else values[0]
    if sum(len(value) for values in data.values() for value in ([values] if isinstance(values, str) else values)) > (
        Autosave.MAX_CHARACTERS
    ):
        return HttpResponse(_("Too much text to save automatically: save the draft."), status=413)
    saved = Autosave.keep(request.user, patient, consultation, data)
    return render(request, "consultations/_autosave.html", {"saved_at": saved.saved_at})


def _handbook_topics(symptoms: str) -> list[SearchDocument]:
    """Published handbook topics about the symptoms typed, best first: a handbook page may
    answer the question sooner than a specialist. Any of the words counts (the symptoms are a
    list, not a query), and the ranking puts the topics with most of them first."""
    return list(SearchDocument.objects.matching(query_words(symptoms), any_word=True)[:HANDBOOK_TOPICS_SHOWN])


# --- The case page ------------------------------------------------------------------------


@requires(can_read_consultations)
@require_GET
def detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = visible_case(request, public_id)
    return _render_detail(request, consultation)


def _render_detail(
    request: HttpRequest,
    consultation: Consultation,
    *,
    message_form: MessageForm | None = None,
    info_form: ProvideInfoForm | None = None,
    close_form: CloseForm | None = None,
) -> HttpResponse:
    user = request.user
    patient = consultation.patient
    log_access(request, patient, AccessEvent.Action.VIEW, consultation)
    files_visible = _files_visible(user, patient)
    case_files = Attachment.objects.for_source(consultation).select_related("uploaded_by")
    events = consultation.events.select_related("actor")
    info_request = None
    if consultation.status == Status.INFO_REQUESTED:
        info_request = consultation.messages.filter(is_info_request=True).select_related("author").last()
    context = {
        **_thread_context(request, consultation, message_form, files_visible=files_visible),
        "patient": patient,
        "is_requesting_side": consultation.requesting_hospital_id == user.hospital_id,
        "vitals": consultation.vital_signs(),
        "files_visible": files_visible,
        "case_files": list(case_files) if files_visible else [],
        "hidden_file_count": 0 if files_visible else case_files.count(),
        "events": [(event, event_title(event.kind)) for event in events],
        "info_request": info_request,
        "info_form": (info_form or ProvideInfoForm()) if consultation.can_provide_info(user) else None,
        "close_form": (close_form or CloseForm()) if consultation.can_close(user) else None,
        "can_withdraw": consultation.can_withdraw(user),
        "can_edit_draft": consultation.can_edit_draft(user),
        "referral": consultation.referral_sent_by(user) if consultation.suggests_referral else None,
        "withdraw_form": WithdrawForm(),
        "handbook_items": _handbook_items(consultation.handbook_context),
        "handbook_url": _handbook_url(consultation.handbook_context),
    }
    context["main_action"] = _main_action(user, consultation, context)
    return render(request, "consultations/detail.html", context)


def _main_action(user: User, consultation: Consultation, context: dict) -> str:
    """What the bar at the top of a long case page jumps to: this person's next step."""
    if context["info_form"]:
        return "information"
    if context["close_form"]:
        return "close"
    if consultation.can_claim(user) or consultation.can_act_as_specialist(user):
        return "specialist"
    return ""


def _files_visible(user: User, patient: Patient) -> bool:
    # Files open through the attachments app, which checks access through the child's
    # record. A department specialist sees a case before taking it but gets the record
    # (and so the files) only by taking it.
    return Patient.objects.is_visible_to(user, patient)


# What the handbook's triage records (see Consultation.handbook_context), in words.
_HANDBOOK_LABELS = {
    "topic": gettext_lazy("Topic"),
    "pathway": gettext_lazy("Pathway"),
    "classification": gettext_lazy("Classification"),
    "answers": gettext_lazy("Answers"),
    "thresholds": gettext_lazy("Thresholds that fired"),
    "handbook_version": gettext_lazy("Handbook version"),
    "version": gettext_lazy("Handbook version"),
}


def _handbook_items(handbook_context: Any) -> list[tuple[str, str]]:
    """The handbook triage that started the case, as label/value lines in the reader's language.

    The context is JSON written by the handbook app; bilingual values are {"zh": …, "en": …}.
    """
    if not handbook_context:
        return []
    if not isinstance(handbook_context, dict):
        return [("", str(handbook_context))]
    english = (get_language() or "").startswith("en")

    def pick(value: Any) -> str:
        if isinstance(value, dict) and ({"zh", "en"} & value.keys()):
            return str(value.get("en" if english else "zh") or value.get("zh" if english else "en") or "")
        if isinstance(value, dict) and ({"name_zh", "name_en"} & value.keys()):
            name = value.get("name_en" if english else "name_zh") or ""
            colour = {"red": _("red"), "yellow": _("yellow"), "green": _("green")}.get(
                value.get("colour", ""), value.get("colour", "")
            )
            return f"{name} ({colour})" if colour else str(name)
        return str(value)

    items: list[tuple[str, str]] = []
    if "pathway_name" in handbook_context:
        pathway = pick(handbook_context["pathway_name"])
        version = handbook_context.get("version")
        text = _("%(pathway)s, version %(version)s") % {"pathway": pathway, "version": version}
        items.append((str(_HANDBOOK_LABELS["pathway"]), text))
    if handbook_context.get("classification"):
        items.append((str(_HANDBOOK_LABELS["classification"]), pick(handbook_context["classification"])))
    thresholds = [pick(item) for item in handbook_context.get("thresholds") or []]
    if thresholds:
        items.append((str(_HANDBOOK_LABELS["thresholds"]), "; ".join(thresholds)))
    answers = []
    for row in handbook_context.get("answers") or []:
        if isinstance(row, dict) and row.get("answer") not in (None, ""):
            answers.append(f"{pick(row.get('label', ''))}: {pick(row.get('text', row.get('answer')))}")
    if answers:
        items.append((str(_HANDBOOK_LABELS["answers"]), "; ".join(answers)))
    if not items:
        # An older or unknown shape: show it plainly rather than hide it.
        for key, value in handbook_context.items():
            items.append((str(_HANDBOOK_LABELS.get(key, key)), pick(value)))
    return items


def _handbook_url(handbook_context: Any) -> str:
    url = handbook_context.get("url", "") if isinstance(handbook_context, dict) else ""
    # Only a path inside the portal: the JSON is data, not a place to send people.
    return url if isinstance(url, str) and url.startswith("/") and not url.startswith("//") else ""


# --- The thread -----------------------------------------------------------------------------


def _thread_context(
    request: HttpRequest, consultation: Consultation, form: MessageForm | None, *, files_visible: bool, notice: str = ""
) -> dict[str, Any]:
    thread = list(consultation.messages.select_related("author"))
    files_by_message: dict[int, list[Attachment]] = defaultdict(list)
    if files_visible and thread:
        attachments = Attachment.objects.filter(
            source_type=ContentType.objects.get_for_model(Message), source_id__in=[message.pk for message in thread]
        ).select_related("uploaded_by")
        for attachment in attachments:
            files_by_message[attachment.source_id].append(attachment)
    can_post = consultation.can_post_message(request.user)
    return {
        "consultation": consultation,
        "thread": [(message, files_by_message[message.pk]) for message in thread],
        "can_post_message": can_post,
        "message_form": (form or MessageForm()) if can_post else None,
        "thread_notice": notice,
    }


@requires(can_read_consultations)
@require_POST
def post_message(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = visible_case(request, public_id)
    if not consultation.can_post_message(request.user):
        raise PermissionDenied
    form = MessageForm(request.POST, request.FILES)
    notice = ""
    if form.is_valid():
        try:
            consultation.post_message(
                request.user, form.cleaned_data["body"], public_id=form.cleaned_data["message_id"], **form.attached()
            )
        except ConsultationError as error:
            form.add_error(None, str(error))
        else:
            if not request.htmx:
                messages.success(request, _("Your message is sent."))
                return redirect(reverse("consultations:detail", args=[consultation.public_id]) + "#thread")
            form = None
            notice = _("Your message is sent.")
    if request.htmx:
        log_access(request, consultation.patient, AccessEvent.Action.VIEW, consultation)
        context = _thread_context(
            request,
            consultation,
            form,
            files_visible=_files_visible(request.user, consultation.patient),
            notice=notice,
        )
        return render(request, "consultations/detail.html#thread", context)
    return _render_detail(request, consultation, message_form=form)


# --- Information asked for, closing, withdrawing -------------------------------------------


@requires(can_read_consultations)
@require_POST
def provide_info(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _requesting_side(request, public_id)
    if consultation.status != Status.INFO_REQUESTED:
        # The second of two clicks, or an answer already given by a colleague.
        messages.warning(request, _("No information is being waited for."))
        return redirect(consultation)
    if not consultation.can_provide_info(request.user):
        raise PermissionDenied
    form = ProvideInfoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_detail(request, consultation, info_form=form)
    try:
        consultation.provide_info(request.user, form.cleaned_data["answer"], **form.attached())
    except ConsultationError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("The information is sent; the specialist's clock runs again."))
    return redirect(consultation)


@requires(can_read_consultations)
@require_POST
def close_consultation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _requesting_side(request, public_id)
    if consultation.status != Status.ANSWERED:
        messages.warning(request, _("Only an answered consultation can be closed."))
        return redirect(consultation)
    if not consultation.can_close(request.user):
        raise PermissionDenied
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            consultation.close(request.user, **form.cleaned_data)
        except ConsultationError as error:
            consultation.refresh_from_db()
            if not consultation.can_close(request.user):
                messages.warning(request, str(error))
                return redirect(consultation)
            # The feedback itself was refused (a reason is missing): show it on the form.
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The consultation is closed. Thank you for the feedback."))
            return redirect(consultation)
    return _render_detail(request, consultation, close_form=form)


@requires(can_read_consultations)
@require_POST
def withdraw_consultation(request: HttpRequest, public_id: UUID) -> HttpResponse:
    consultation = _requesting_side(request, public_id)
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        consultation.withdraw(request.user, reason)
    except ConsultationError as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("The consultation is withdrawn."))
    return redirect(consultation)
