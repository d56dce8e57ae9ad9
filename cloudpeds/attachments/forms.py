from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Attachment
from .validation import NormalisedFile, max_upload_bytes, sniff_and_normalise

ACCEPT = ".jpg,.jpeg,.png,.pdf,image/jpeg,image/png,application/pdf"


def _help_text() -> str:
    return gettext("JPEG or PNG images and PDF documents, up to %(limit)s.") % {
        "limit": filesizeformat(max_upload_bytes())
    }


class ClinicalFileInput(forms.FileInput):
    """A file input that tells the browser the size limit, so static/js/attachments.js can
    refuse a too-large file before a slow hospital connection spends minutes sending it."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"accept": ACCEPT, **(attrs or {})})

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        limit = max_upload_bytes()
        context["widget"]["attrs"].update(
            {
                "data-max-bytes": str(limit),
                "data-too-large-message": gettext("This file is larger than %(limit)s and cannot be attached.")
                % {"limit": filesizeformat(limit)},
            }
        )
        return context


class ClinicalFileField(forms.FileField):
    """A file field whose cleaned value is a NormalisedFile (a checked JPEG, PNG or PDF).

    Reuse it in any form that takes a clinical file, then pass the cleaned value to
    `Attachment.objects.create_from_upload(upload=...)`.
    """

    widget = ClinicalFileInput
    default_error_messages = {
        "empty": _("The file is empty."),
        "required": _("Choose a file to attach."),
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", lazy(_help_text, str)())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> NormalisedFile | None:
        upload = super().clean(data, initial)
        if not upload:
            return None
        return sniff_and_normalise(upload)


class AttachmentForm(forms.Form):
    file = ClinicalFileField(label=_("File"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Attachment.Kind.choices, initial=Attachment.Kind.PHOTO)
    description = forms.CharField(
        label=_("Description"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. rash on the left forearm, day 3")}),
    )


# Several files in one field (a consultation, a message, a referral).
MAX_FILES = 10


class MultipleClinicalFileInput(ClinicalFileInput):
    allow_multiple_selected = True


class MultipleClinicalFileField(ClinicalFileField):
    """Several clinical files at once; each is checked by the attachments app's rules
    (ClinicalFileField) and the cleaned value is a list of NormalisedFile."""

    widget = MultipleClinicalFileInput

    def __init__(self, *, max_files: int = MAX_FILES, **kwargs: Any) -> None:
        self.max_files = max_files
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[NormalisedFile]:
        uploads = [upload for upload in (data if isinstance(data, list | tuple) else [data]) if upload]
        if not uploads:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(uploads) > self.max_files:
            raise ValidationError(
                _("Attach at most %(count)d files at a time."), code="too_many", params={"count": self.max_files}
            )
        cleaned: list[NormalisedFile] = []
        errors: list[str] = []
        for upload in uploads:
            try:
                clean = super().clean(upload, initial)
            except ValidationError as error:
                # Name the file: with several files the doctor must know which one to fix.
                name = getattr(upload, "name", "")
                errors.extend(f"{name}: {message}" for message in error.messages)
            else:
                if clean is not None:
                    cleaned.append(clean)
        if errors:
            raise ValidationError(errors)
        return cleaned


class ClinicalFilesMixin(forms.Form):
    """The files a form attaches to what it records (a case, a message, an answer), with
    their kind. `attached()` hands them over as the models' methods take them
    (`attachments=`, `file_kind=`), which store them through
    `Attachment.objects.create_from_uploads`. A form sets `default_file_kind`."""

    default_file_kind: ClassVar[str] = Attachment.Kind.OTHER

    attachments = MultipleClinicalFileField(label=_("Files"))
    file_kind = forms.ChoiceField(label=_("The files are"), choices=Attachment.Kind.choices, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file_kind"].initial = self.default_file_kind

    def clean_file_kind(self) -> str:
        return self.cleaned_data.get("file_kind") or self.default_file_kind

    def add_error(self, field: str | None, error: Any) -> None:
        """Any error, from a field or from the model's refusal after validation, sends the page
        back without the files: a browser never keeps a chosen file across a re-display. Say
        so beside the file field, naming the files, rather than drop them silently."""
        super().add_error(field, error)
        if field == "attachments" or getattr(self, "_files_not_kept", False) or not self.files:
            return
        names = [upload.name for upload in self.files.getlist(self.add_prefix("attachments")) if upload]
        if names:
            self._files_not_kept = True
            super().add_error(
                "attachments",
                ValidationError(
                    _("Not attached yet: choose %(files)s again before sending."),
                    code="not_kept",
                    params={"files": ", ".join(names)},
                ),
            )

    def attached(self) -> dict[str, Any]:
        return {"attachments": self.cleaned_data["attachments"], "file_kind": self.cleaned_data["file_kind"]}
