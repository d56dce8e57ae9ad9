from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import Attachment


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    """Read-only: files are added on the patient's record, and never edited afterwards.

    The file fields are left out on purpose: the admin would link to the storage URL (on
    S3, a signed URL) and bypass the access check and the access log. The link below goes
    through the download view like every other download.
    """

    list_display = ["original_name", "kind", "patient", "uploaded_by", "uploaded_at", "human_size"]
    list_filter = ["kind", "content_type"]
    list_select_related = ["patient", "uploaded_by"]
    search_fields = ["original_name", "description", "patient__record_number", "sha256"]
    date_hierarchy = "uploaded_at"
    fields = [
        "public_id",
        "patient",
        "kind",
        "description",
        "original_name",
        "content_type",
        "human_size",
        "sha256",
        "width",
        "height",
        "page_count",
        "uploaded_by",
        "uploaded_at",
        "source_type",
        "source_id",
        "download_link",
    ]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Attachment | None = None) -> bool:
        return False

    @admin.display(description=_("size"), ordering="size")
    def human_size(self, obj: Attachment) -> str:
        return filesizeformat(obj.size)

    @admin.display(description=_("download"))
    def download_link(self, obj: Attachment) -> str:
        return format_html('<a href="{}">{}</a>', obj.download_url, _("Download (checked and logged)"))
