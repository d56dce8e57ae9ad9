"""Generated PDFs (consultation reports, referral letters, certificates, handbook editions):
one way to ask for them, one way to make them.

A model whose rows record a generated PDF mixes in `GeneratedPdf` and says what the PDF
is (`build_pdf`), where it is stored (`pdf_storage_name`), and when the stored one is still
the right one (`pdf_is_current`). Then, for all of them alike:

- Asking: the model's own request method locks its row, records the request and calls
  `queue_pdf()` inside that transaction. The task is queued after commit (the worker must
  find the row), and robustly: with the broker down the click still succeeds and the request
  shows as pending, then stalled, and can be asked again.
- Making (`generate_pdf`, run by the one task `cloudpeds.core.tasks.generate_pdf`): render
  **outside any lock** (rendering takes 50 ms to minutes; a lock held that long would block
  every action on the case), write the file to storage, then point the row at it in a short
  locked transaction. A worker killed mid-render leaves the row as it was (no half document
  is ever offered) and the retry finishes the job; a second run finds the PDF current and
  does nothing; a superseded file is deleted only after the new one is recorded.

Models import this module (platform code); the task finds the model by its label, so no
model imports a task.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.cache import patch_cache_control

# A downloaded PDF runs nothing and loads nothing, even if a browser renders it inline.
FILE_CSP = "default-src 'none'; sandbox"


def _after_commit(func: Callable[..., Any], *args: Any) -> None:
    """Call `func(*args)` once the transaction commits; if it fails, log it and carry on.

    A named function, not a functools.partial: Django logs a failing robust callback by its
    `__qualname__`, which a partial lacks (the logging itself would then raise, and fail the
    request the callback was meant not to fail).
    """

    def callback() -> None:
        func(*args)

    transaction.on_commit(callback, robust=True)


class GeneratedPdf:
    """Mixin for a model row that records one generated PDF file."""

    # Names of the FileField and of the "generated at" DateTimeField on the model.
    pdf_file_field: ClassVar[str] = "file"
    pdf_generated_field: ClassVar[str] = "generated_at"

    def build_pdf(self) -> bytes:
        raise NotImplementedError

    def pdf_storage_name(self) -> str:
        """Where the PDF is stored: one name per request, so that a retry after a crash
        between writing and recording replaces its own leftover instead of adding a file."""
        raise NotImplementedError

    def pdf_is_current(self) -> bool:
        """Whether the PDF recorded on this row is the one wanted now."""
        raise NotImplementedError

    def pdf_recorded_fields(self) -> dict[str, Any]:
        """Other fields to record with the file, read before rendering (the PDF shows the
        record as it was then), e.g. the status the document describes."""
        return {}

    def queue_pdf(self) -> None:
        """Queue the making of the PDF once the current transaction commits."""
        from cloudpeds.core.tasks import generate_pdf

        _after_commit(generate_pdf.delay, self._meta.label, self.pk)

    def generate_pdf(self) -> bool:
        """Render and record the PDF unless the recorded one is current. Returns whether this
        run recorded a new file."""
        if self.pdf_is_current():
            return False
        recorded = self.pdf_recorded_fields()
        content = self.build_pdf()
        file_field = getattr(self, self.pdf_file_field)
        storage = file_field.storage
        name = self.pdf_storage_name()
        if storage.exists(name):
            storage.delete(name)
        saved = storage.save(name, ContentFile(content))

        with transaction.atomic():
            locked = type(self)._default_manager.select_for_update().get(pk=self.pk)
            if locked.pdf_is_current():
                # Another run of this request recorded its file meanwhile (a redelivered task).
                if getattr(locked, self.pdf_file_field).name != saved:
                    _after_commit(storage.delete, saved)
                return False
            previous = getattr(locked, self.pdf_file_field).name or ""
            values = {self.pdf_generated_field: timezone.now(), **recorded}
            getattr(locked, self.pdf_file_field).name = saved
            for field, value in values.items():
                setattr(locked, field, value)
            locked.save(update_fields=[self.pdf_file_field, *values])
            if previous and previous != saved:
                _after_commit(storage.delete, previous)

        file_field.name = saved
        for field, value in values.items():
            setattr(self, field, value)
        return True

    def pdf_download(self, filename: str) -> FileResponse:
        """The recorded PDF as a download (404 when it is not made or its file is gone).

        Read through the storage API only (no filesystem paths), so S3 works the same way;
        never cached: a child's record must not stay behind on a shared clinic computer."""
        file_field = getattr(self, self.pdf_file_field)
        if not file_field or getattr(self, self.pdf_generated_field) is None:
            raise Http404
        try:
            handle = file_field.storage.open(file_field.name, "rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/pdf")
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = FILE_CSP
        patch_cache_control(response, private=True, no_store=True)
        return response
