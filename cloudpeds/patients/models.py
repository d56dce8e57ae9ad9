from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Hospital
from cloudpeds.audit.history import track_clinical

from .age import pediatric_age
from .national_id import mask_national_id, validate_national_id


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user) -> PatientQuerySet:
        """The one access rule for a child's record.

        Users of the registering hospital, plus anyone given access by a live care-team
        grant (to them personally or to their hospital). Everything that shows patient
        data (pages, fragments, search, downloads, PDFs) goes through here.
        """
        if not user.is_authenticated or user.hospital_id is None:
            return self.none()
        grants = (
            CareTeamGrant.objects.live()
            .filter(patient=OuterRef("pk"))
            .filter(Q(user=user) | Q(hospital_id=user.hospital_id))
        )
        return self.filter(Q(hospital_id=user.hospital_id) | Exists(grants))

    def search(self, text: str) -> PatientQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(record_number__iexact=text))


@track_clinical()
class Patient(models.Model):
    class Sex(models.TextChoices):
        MALE = "male", _("Male")
        FEMALE = "female", _("Female")
        UNKNOWN = "unknown", _("Unknown")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="patients", verbose_name=_("registering hospital")
    )
    record_number = models.CharField(_("medical record number"), max_length=40)
    name = models.CharField(_("name"), max_length=80)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    date_of_birth = models.DateField(_("date of birth"))
    national_id = models.CharField(
        _("national ID number"), max_length=18, blank=True, validators=[validate_national_id]
    )
    allergies = models.TextField(_("allergies"), blank=True)
    chronic_conditions = models.TextField(_("chronic conditions"), blank=True)
    gestational_age_weeks = models.PositiveSmallIntegerField(
        _("gestational age at birth (weeks)"), null=True, blank=True
    )
    birth_weight_g = models.PositiveIntegerField(_("birth weight (g)"), null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "record_number"], name="patient_unique_record_number"),
        ]
        indexes = [
            models.Index(fields=["hospital", "-created_at"], name="patient_hospital_recent"),
            models.Index(fields=["hospital", "name", "date_of_birth"], name="patient_duplicate_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.record_number})"

    def age_display(self, today: date | None = None) -> str:
        return pediatric_age(self.date_of_birth, today or timezone.localdate())

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)

    def can_see_full_national_id(self, user) -> bool:
        # Only the registering hospital needs the full number (registration, insurance);
        # specialists reached through a care-team grant see the last four characters.
        return user.is_authenticated and user.hospital_id == self.hospital_id

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.hospital_id == self.hospital_id and user.is_doctor

    def has_sharing_consent(self) -> bool:
        return self.consents.active().exists()

    def grant(
        self, *, reason: str, source: models.Model | None = None, user=None, hospital=None, granted_by=None, until=None
    ) -> CareTeamGrant:
        """Give a user or a hospital access to this record (a consultation's specialist,
        a referral's receiving hospital). Refused without the guardian's consent."""
        if (user is None) == (hospital is None):
            raise ValueError("A grant is to a user or to a hospital, not both or neither.")
        if not self.has_sharing_consent():
            raise ConsentRequired(self)
        return CareTeamGrant.objects.create(
            patient=self,
            user=user,
            hospital=hospital,
            reason=reason,
            source_type=ContentType.objects.get_for_model(source) if source is not None else None,
            source_id=source.pk if source is not None else None,
            granted_by=granted_by,
            expires_at=until,
        )


class ConsentRequired(Exception):
    """The record cannot leave its hospital without the guardian's consent to share it."""

    def __init__(self, patient: Patient) -> None:
        super().__init__(f"No sharing consent recorded for patient {patient.public_id}")
        self.patient = patient


@track_clinical()
class Guardian(models.Model):
    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GRANDPARENT = "grandparent", _("Grandparent")
        OTHER = "other", _("Other guardian")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="guardians")
    name = models.CharField(_("name"), max_length=80)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    phone = models.CharField(_("phone"), max_length=30)

    class Meta:
        verbose_name = _("guardian")
        verbose_name_plural = _("guardians")
        ordering = ["pk"]
        indexes = [models.Index(fields=["phone"], name="guardian_phone")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relation_display()})"


@track_clinical()
class GrowthMeasurement(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField(_("date"))
    weight_kg = models.DecimalField(_("weight (kg)"), max_digits=5, decimal_places=2, null=True, blank=True)
    height_cm = models.DecimalField(_("height or length (cm)"), max_digits=5, decimal_places=1, null=True, blank=True)
    head_circumference_cm = models.DecimalField(
        _("head circumference (cm)"), max_digits=4, decimal_places=1, null=True, blank=True
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("growth measurement")
        verbose_name_plural = _("growth measurements")
        ordering = ["-measured_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.patient} {self.measured_on}"


class ConsentQuerySet(models.QuerySet):
    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


@track_clinical()
class Consent(models.Model):
    class Scope(models.TextChoices):
        GROUP_SHARING = "group_sharing", _("Share the record with the medical group's specialists and hospitals")

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="consents")
    scope = models.CharField(_("scope"), max_length=30, choices=Scope.choices, default=Scope.GROUP_SHARING)
    given_by = models.CharField(_("given by (guardian)"), max_length=80)
    relation = models.CharField(_("relation"), max_length=20, choices=Guardian.Relation.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.given_by})"


class CareTeamGrantQuerySet(models.QuerySet):
    def live(self) -> CareTeamGrantQuerySet:
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()), revoked_at__isnull=True)


@track_clinical()
class CareTeamGrant(models.Model):
    """Access to a child's record beyond the registering hospital, and why."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="care_team_grants"
    )
    hospital = models.ForeignKey(
        Hospital, on_delete=models.CASCADE, null=True, blank=True, related_name="care_team_grants"
    )
    reason = models.CharField(_("reason"), max_length=200)
    source_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True, blank=True)
    source_id = models.BigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("until"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CareTeamGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("care-team grant")
        verbose_name_plural = _("care-team grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, hospital__isnull=True) | Q(user__isnull=True, hospital__isnull=False),
                name="grant_to_user_xor_hospital",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "patient"], name="grant_user_patient"),
            models.Index(fields=["hospital", "patient"], name="grant_hospital_patient"),
        ]

    def __str__(self) -> str:
        return f"{self.patient} → {self.user or self.hospital}: {self.reason}"
