"""The child's timeline: one entry per attached file (see cloudpeds/patients/timeline.py)."""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from cloudpeds.patients.timeline import TimelineEntry

from .models import Attachment


def timeline_entries(patient, user) -> Iterator[TimelineEntry]:
    # One query; visible_to again even though the caller checked the patient, so a
    # mistake in a caller cannot leak another hospital's files.
    attachments = Attachment.objects.visible_to(user).filter(patient=patient).select_related("uploaded_by")
    for attachment in attachments:
        yield TimelineEntry(
            at=attachment.uploaded_at,
            kind="attachment.uploaded",
            title=_("File attached: %(kind)s") % {"kind": attachment.get_kind_display()},
            detail=attachment.description or attachment.original_name,
            url=attachment.download_url,
            actor=attachment.uploaded_by.display_name,
            icon="bi-paperclip",
        )
