from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cloudpeds.audit.history import track_clinical
from cloudpeds.core.retention import RetentionClass, keep_until_field, retention_class_field, retention_triggers
from cloudpeds.patients.models import Patient

from .validation import IMAGE_TYPES, PDF, NormalisedFile, sniff_and_normalise

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User


def _stored_name(folder: str, extension: str) -> str:
    # Random names: nothing about the child or the original file name reaches the storage
    # (bucket listings, backups), and names cannot be guessed.
    today = timezone.localdate()
    return f"{folder}/{today:%Y}/{today:%m}/{uuid.uuid4().hex}.{extension}"


def _file_path(instance: Attachment, filename: str) -> str:
    return _stored_name("attachments", filename.rsplit(".", 1)[-1])


def _thumbnail_path(instance: Attachment, filename: str) -> str:
    return _stored_name("attachments/thumbnails", "jpg")


class AttachmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> AttachmentQuerySet:
        """A file is visible to whoever may see the child's record (Patient.visible_to).

        Files are looked at one child at a time (a timeline, a download), so the rule's
        single-record shape: a correlated EXISTS on the file's child.
        """
        return self.filter(
            models.Exists(Patient.objects.visible_to(user, one=True).filter(pk=models.OuterRef("patient_id")))
        )

    def for_source(self, source: models.Model) -> AttachmentQuerySet:
        return self.filter(source_type=ContentType.objects.get_for_model(source), source_id=source.pk)

    def create_from_upload(
        self,
        *,
        patient: Patient,
        uploaded_by,
        upload,
        kind: str,
        description: str = "",
        source: models.Model | None = None,
    ) -> Attachment:
        """Store a file for a child's record and return the new row.

        `upload` is a NormalisedFile (the cleaned value of ClinicalFileField) or a raw
        uploaded file, which is checked here and may raise ValidationError. Callers check
        who may attach (Attachment.can_upload, or their own rule) before calling.
        """
        clean = upload if isinstance(upload, NormalisedFile) else sniff_and_normalise(upload)
        attachment = self.model(
            patient=patient,
            kind=kind,
            description=description,
            original_name=clean.original_name,
            content_type=clean.content_type,
            size=clean.size,
            sha256=clean.sha256,
            width=clean.width,
            height=clean.height,
            page_count=clean.page_count,
            uploaded_by=uploaded_by,
            source_type=ContentType.objects.get_for_model(source) if source is not None else None,
            source_id=source.pk if source is not None else None,
        )
        # Storage first, then the row: a row never points at a missing file. If the row
        # cannot be written, the stored files are removed again.
        attachment.file.save(f"upload.{clean.extension}", ContentFile(clean.content), save=False)
        try:
            if clean.thumbnail is not None:
                attachment.thumbnail.save("thumbnail.jpg", ContentFile(clean.thumbnail), save=False)
            with transaction.atomic():
                attachment.save()
        except BaseException:
            attachment.delete_stored_files()
            raise
        return attachment

    def create_from_uploads(
        self,
        uploads: Iterable,
        *,
        patient: Patient,
        uploaded_by: User,
        kind: str,
        description: str = "",
        source: models.Model | None = None,
    ) -> list[Attachment]:
        """Store the files of one form (a MultipleClinicalFileField's list) for the record
        and what they belong to: all or none. If one cannot be stored, the files already
        stored for the others are removed, and the exception goes on to roll back the
        caller's transaction with their rows.

        Call it last in the transaction that records what the files belong to (the model
        method of the action), so that a refusal before it leaves nothing in storage.
        """
        stored: list[Attachment] = []
        try:
            for upload in uploads:
                stored.append(
                    self.create_from_upload(
                        patient=patient,
                        uploaded_by=uploaded_by,
                        upload=upload,
                        kind=kind,
                        description=description,
                        source=source,
                    )
                )
        except BaseException:
            for attachment in stored:
                attachment.delete_stored_files()
            raise
        return stored


@track_clinical()
class Attachment(models.Model):
    """A clinical file on a child's record: a photo, a photographed film, a report, a letter."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("Clinical photo")
        XRAY = "xray_photo", _("Photo of an X-ray film")
        LAB_REPORT = "lab_report", _("Lab report")
        LETTER = "letter", _("Letter")
        OTHER = "other", _("Other")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("patient")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PHOTO)
    description = models.CharField(_("description"), max_length=300, blank=True)
    # Never exposed through file.url: files are served only by the permission-checked views.
    file = models.FileField(_("file"), upload_to=_file_path, max_length=200)
    thumbnail = models.FileField(_("thumbnail"), upload_to=_thumbnail_path, max_length=200, null=True, blank=True)
    original_name = models.CharField(_("file name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    width = models.PositiveIntegerField(_("width (px)"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height (px)"), null=True, blank=True)
    page_count = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    # What the file belongs to besides the record (a consultation, a referral), if anything.
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source_id = models.BigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    retention_class = retention_class_field(RetentionClass.OUTPATIENT)
    keep_until = keep_until_field()

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("clinical file")
        verbose_name_plural = _("clinical files")
        ordering = ["-uploaded_at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "-uploaded_at"], name="attachment_patient_recent"),
            models.Index(fields=["source_type", "source_id"], name="attachment_source"),
        ]
        triggers = retention_triggers("attachment", "uploaded_at", "OLD.patient_id")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    def get_absolute_url(self) -> str:
        return reverse("attachments:download", args=[self.public_id])

    @staticmethod
    def can_upload(user, patient: Patient) -> bool:
        """Doctors who may see the child's record may attach files to it."""
        return user.is_authenticated and user.is_doctor and Patient.objects.is_visible_to(user, patient)

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    @property
    def is_pdf(self) -> bool:
        return self.content_type == PDF

    @property
    def download_url(self) -> str:
        return self.get_absolute_url()

    @property
    def inline_url(self) -> str:
        return reverse("attachments:inline", args=[self.public_id])

    @property
    def thumbnail_url(self) -> str:
        return reverse("attachments:thumbnail", args=[self.public_id]) if self.thumbnail else ""

    def delete_stored_files(self) -> None:
        """Remove the stored file and thumbnail (storage API only: works on S3 too)."""
        for field_file in (self.file, self.thumbnail):
            if field_file and field_file.name:
                field_file.storage.delete(field_file.name)
