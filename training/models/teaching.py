"""Teaching cases, case conferences and the class II CME credit ledger (issue 18 §4).

A training manager turns an answered, closed consultation into a teaching case: a
de-identified write-up (checked by training/deidentify.py, never assumed) linked to the
course and the handbook topic it illustrates. A case conference discusses one or more
teaching cases on a day; the manager records who attended, and each attendance writes one
row of the attendee's CME credit ledger (class II, 继续医学教育II类学分). Recording twice,
or two managers at once, still leaves one row per doctor and conference (unique constraint).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .courses import CreditClass

__all__ = ["CaseConference", "CmeCredit", "TeachingCase"]


class TeachingCase(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consultation = models.OneToOneField(
        "consultations.Consultation", on_delete=models.PROTECT, related_name="+", verbose_name=_("consultation")
    )
    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="teaching_cases", verbose_name=_("course")
    )
    topic = models.ForeignKey(
        "handbook.Topic", on_delete=models.PROTECT, related_name="teaching_cases", verbose_name=_("handbook topic")
    )
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("de-identified case"))
    teaching_points = models.TextField(_("teaching points"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("teaching case")
        verbose_name_plural = _("teaching cases")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:teaching_case", args=[self.public_id])

    def clean(self) -> None:
        from ..deidentify import check

        consultation = self.consultation if self.consultation_id else None
        for name in ("title", "summary", "teaching_points"):
            try:
                check(getattr(self, name), consultation)
            except ValidationError as error:
                raise ValidationError({name: error.messages}) from None


class CaseConference(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    credit_hours = models.DecimalField(
        _("class II credits per attendee"), max_digits=4, decimal_places=1, default=Decimal("1.0")
    )
    cases = models.ManyToManyField(TeachingCase, related_name="conferences", verbose_name=_("teaching cases"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on"]
        verbose_name = _("case conference")
        verbose_name_plural = _("case conferences")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:conference", args=[self.public_id])

    def record_attendance(self, manager, attendees) -> int:
        """One class II credit row per attendee; a doctor already recorded is left alone.
        Returns how many rows were written."""
        written = 0
        for user in attendees:
            try:
                with transaction.atomic():
                    CmeCredit.objects.create(
                        user=user,
                        conference=self,
                        credit_class=CreditClass.CLASS_II,
                        credits=self.credit_hours,
                        earned_on=self.held_on,
                        recorded_by=manager,
                    )
                written += 1
            except IntegrityError:
                continue
        return written


class CmeCredit(models.Model):
    """One line of a doctor's CME credit ledger."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cme_credits")
    conference = models.ForeignKey(CaseConference, on_delete=models.PROTECT, related_name="credits")
    credit_class = models.CharField(_("credit class"), max_length=4, choices=CreditClass.choices)
    credits = models.DecimalField(_("credits"), max_digits=4, decimal_places=1)
    earned_on = models.DateField(_("earned on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-earned_on", "-pk"]
        constraints = [models.UniqueConstraint(fields=["user", "conference"], name="training_cme_credit_once")]

    def __str__(self) -> str:
        return f"{self.user} {self.credits}"
