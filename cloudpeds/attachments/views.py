"""Clinical files: the list on a child's record, upload, and permission-checked downloads.

Every view loads through `visible_to(user)`, so another hospital's file is a 404; people
with no clinical role get 403, as on the patient pages. Access
events: one VIEW per rendering of a child's file list (the thumbnails are clinical photos;
the thumbnail requests themselves are not logged, that would be one event per picture),
one DOWNLOAD per download and one VIEW per image opened in full.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cloudpeds.audit.models import AccessEvent, log_access
from cloudpeds.patients.models import Patient, works_with_patients

from .forms import AttachmentForm
from .models import Attachment

# The fragment on the patient page shows the newest files; the full page has them all.
FRAGMENT_LIMIT = 24
PAGE_SIZE = 24

# Files are shown by the browser on their own, never as part of a portal page: nothing in
# them may run scripts, load anything or be framed (GitHub serves raw user files like this).
_FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@login_required
@require_GET
def patient_files(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    """The htmx fragment the patient page loads: newest files and the upload form."""
    patient = _load_patient(request, patient_id)
    return _render_fragment(request, patient, AttachmentForm())


@login_required
@require_GET
def patient_files_page(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    """All of a child's files, paginated, with the upload form (works without JavaScript)."""
    patient = _load_patient(request, patient_id)
    return _render_page(request, patient, AttachmentForm())


@login_required
@require_POST
def upload(request: HttpRequest, patient_id: UUID) -> HttpResponse:
    patient = _load_patient(request, patient_id)
    if not Attachment.can_upload(request.user, patient):
        raise PermissionDenied
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        if request.htmx:
            # 200, not 4xx: htmx swaps only successful responses, and the form with its
            # errors is what the doctor needs to see.
            return _render_fragment(request, patient, form)
        return _render_page(request, patient, form)
    attachment = Attachment.objects.create_from_upload(
        patient=patient,
        uploaded_by=request.user,
        upload=form.cleaned_data["file"],
        kind=form.cleaned_data["kind"],
        description=form.cleaned_data["description"],
    )
    notice = _("Attached %(name)s.") % {"name": attachment.original_name}
    if request.htmx:
        return _render_fragment(request, patient, AttachmentForm(), notice=notice)
    messages.success(request, notice)
    return redirect("attachments:patient_files_page", patient_id=patient.public_id)


@login_required
@require_GET
def download(request: HttpRequest, attachment_id: UUID) -> FileResponse:
    attachment = _load_attachment(request, attachment_id)
    log_access(request, attachment.patient, AccessEvent.Action.DOWNLOAD, attachment)
    return _file_response(attachment.file, attachment.content_type, attachment.original_name, as_attachment=True)


@login_required
@require_GET
def inline(request: HttpRequest, attachment_id: UUID) -> FileResponse:
    """An image opened in the browser. PDFs are only downloaded: a PDF may carry scripts,
    and the browser's PDF viewer would run them under the portal's address."""
    attachment = _load_attachment(request, attachment_id)
    if not attachment.is_image:
        raise Http404
    log_access(request, attachment.patient, AccessEvent.Action.VIEW, attachment)
    return _file_response(attachment.file, attachment.content_type, attachment.original_name, as_attachment=False)


@login_required
@require_GET
def thumbnail(request: HttpRequest, attachment_id: UUID) -> FileResponse:
    attachment = _load_attachment(request, attachment_id)
    if not attachment.thumbnail:
        raise Http404
    return _file_response(attachment.thumbnail, "image/jpeg", attachment.original_name, as_attachment=False)


# --- Helpers --------------------------------------------------------------------------------


def _require_clinical_role(request: HttpRequest) -> None:
    # The same rule as the patient pages: people with no clinical role (training managers,
    # handbook editors) do not open children's records, files included.
    if not works_with_patients(request.user):
        raise PermissionDenied


def _load_patient(request: HttpRequest, patient_id: UUID) -> Patient:
    _require_clinical_role(request)
    return get_object_or_404(Patient.objects.visible_to(request.user, one=True), public_id=patient_id)


def _load_attachment(request: HttpRequest, attachment_id: UUID) -> Attachment:
    _require_clinical_role(request)
    return get_object_or_404(
        Attachment.objects.visible_to(request.user).select_related("patient"), public_id=attachment_id
    )


def _patient_attachments(patient: Patient) -> QuerySet[Attachment]:
    return patient.attachments.select_related("uploaded_by")


def _file_response(field_file: FieldFile, content_type: str, filename: str, *, as_attachment: bool) -> FileResponse:
    # Through the storage API only (no filesystem paths), so S3 works the same way.
    response = FileResponse(
        field_file.storage.open(field_file.name, "rb"),
        as_attachment=as_attachment,
        filename=filename,
        content_type=content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = _FILE_CSP
    # Clinical pictures must not stay behind in the cache of a shared clinic computer.
    patch_cache_control(response, private=True, no_store=True)
    return response


def _split(attachments: list[Attachment]) -> tuple[list[Attachment], list[Attachment]]:
    images = [attachment for attachment in attachments if attachment.is_image]
    documents = [attachment for attachment in attachments if not attachment.is_image]
    return images, documents


def _base_context(request: HttpRequest, patient: Patient, form: AttachmentForm) -> dict:
    return {
        "patient": patient,
        "form": form,
        "can_upload": Attachment.can_upload(request.user, patient),
        "upload_url": reverse("attachments:upload", args=[patient.public_id]),
        "page_url": reverse("attachments:patient_files_page", args=[patient.public_id]),
    }


def _render_fragment(request: HttpRequest, patient: Patient, form: AttachmentForm, notice: str = "") -> HttpResponse:
    attachments = list(_patient_attachments(patient)[: FRAGMENT_LIMIT + 1])
    has_more = len(attachments) > FRAGMENT_LIMIT
    attachments = attachments[:FRAGMENT_LIMIT]
    images, documents = _split(attachments)
    log_access(request, patient, AccessEvent.Action.VIEW)
    context = {
        **_base_context(request, patient, form),
        "images": images,
        "documents": documents,
        "has_more": has_more,
        "is_fragment": True,
        "notice": notice,
    }
    return render(request, "attachments/patient_files.html#files", context)


def _render_page(request: HttpRequest, patient: Patient, form: AttachmentForm) -> HttpResponse:
    page = Paginator(_patient_attachments(patient), PAGE_SIZE).get_page(request.GET.get("page"))
    images, documents = _split(list(page.object_list))
    log_access(request, patient, AccessEvent.Action.VIEW)
    context = {
        **_base_context(request, patient, form),
        "images": images,
        "documents": documents,
        "page_obj": page,
        "is_fragment": False,
    }
    return render(request, "attachments/patient_files.html", context)
