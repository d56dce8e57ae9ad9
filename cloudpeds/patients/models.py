from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Exists, Func, OuterRef, Prefetch, Q, Subquery, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.models import Hospital
from cloudpeds.accounts.roles import DOCTOR_ROLES, Role
from cloudpeds.audit.history import track_clinical
from cloudpeds.core.retention import RetentionClass, keep_until_field, retention_class_field, retention_triggers

from .age import pediatric_age
from .national_id import birth_date_of, mask_national_id, validate_national_id

# Who works with patient records at all: doctors, and transfer administrators who arrange
# transfers of their hospital's children. Training managers, handbook editors and group
# administrators have no clinical role and get 403 on every patient page.
PATIENT_ROLES = frozenset(DOCTOR_ROLES | {Role.TRANSFER_ADMIN})


def works_with_patients(user) -> bool:
    return user.is_authenticated and user.hospital_id is not None and user.has_role(*PATIENT_ROLES)


def _source_text(message) -> str:
    """A (lazy) message as its English source text, to be translated when shown."""
    with translation.override("en"):
        return str(message)


class _EqualsAny(Func):
    """`column = ANY(ARRAY(subquery))`.

    Unlike `EXISTS (correlated subquery)` or `IN (subquery)` inside an OR, PostgreSQL
    evaluates the array once (an InitPlan) and can answer `id = ANY(array)` from the
    primary key index, so `hospital = x OR id = ANY(...)` becomes a BitmapOr of two index
    scans instead of a sequential scan of every hospital's children.
    """

    arg_joiner = " = ANY("
    template = "%(expressions)s)"
    output_field = models.BooleanField()


class PatientQuerySet(models.QuerySet):
    def visible_to(self, user, *, one: bool = False) -> PatientQuerySet:
        """The one access rule for a child's record.

        Users of the registering hospital, plus anyone given access by a live care-team
        grant (to them personally or to their hospital). Everything that shows patient
        data (pages, fragments, search, downloads, PDFs) goes through here.

        One rule, two query shapes (the same rows; tests/patients/test_visibility_shapes.py):

        - lists (the default): `hospital = x OR id = ANY(ARRAY(the user's grants))`, the
          array computed once, so a page of children is two index scans;
        - `one=True`, for one record (a detail page, `.filter(pk=...).exists()`): a
          correlated EXISTS probing the grant indexes for that child only. The array form
          would collect every grant of the user and the hospital (tens of thousands for a
          busy specialist) to check one child; the EXISTS form would probe per row on a list.
        """
        if not user.is_authenticated or user.hospital_id is None:
            return self.none()
        if one:
            granted = CareTeamGrant.objects.live().filter(
                Q(user=user) | Q(hospital_id=user.hospital_id), patient_id=OuterRef("pk")
            )
            return self.filter(Q(hospital_id=user.hospital_id) | Exists(granted))
        granted = (
            CareTeamGrant.objects.live()
            .filter(Q(user=user) | Q(hospital_id=user.hospital_id))
            .order_by()
            .values("patient_id")
        )
        return self.filter(Q(hospital_id=user.hospital_id) | _EqualsAny("pk", ArraySubquery(granted)))

    def is_visible_to(self, user, patient) -> bool:
        """May `user` see `patient` (an instance or a pk)? One cheap EXISTS."""
        pk = getattr(patient, "pk", patient)
        return self.visible_to(user, one=True).filter(pk=pk).exists()

    def search(self, text: str) -> PatientQuerySet:
        # Chinese names have no word boundaries and are two to four characters long, so a
        # substring match is the right search ("王" or "小明" both find 王小明). It runs
        # within the already index-filtered set of the user's visible patients.
        text = text.strip()
        if not text:
            return self
        return self.filter(Q(name__icontains=text) | Q(record_number__iexact=text))

    def possible_duplicates(self, *, hospital: Hospital, name: str, date_of_birth: date, phones: list[str]):
        """Children of `hospital` with the same name and date of birth and a guardian with
        one of these phone numbers: most likely the same child registered before."""
        phones = [normalize_phone(phone) for phone in phones if phone]
        if not phones:
            return self.none()
        matching_guardian = Guardian.objects.filter(patient=OuterRef("pk"), phone__in=phones)
        return self.filter(hospital=hospital, name=name.strip(), date_of_birth=date_of_birth).filter(
            Exists(matching_guardian)
        )

    def record_number_taken(self, hospital: Hospital, record_number: str, *, exclude_pk: int | None = None) -> bool:
        return self.filter(hospital=hospital, record_number=record_number).exclude(pk=exclude_pk).exists()

    def with_list_columns(self) -> PatientQuerySet:
        """What a list row shows, in the same number of queries for any page size.

        `has_consent` is a scalar subquery (`(SELECT true ... LIMIT 1) IS NOT NULL`), not an
        EXISTS: PostgreSQL may turn an EXISTS in the select list into a hashed subplan and,
        expecting the whole hospital's children, hashes every active consent of the group
        (40,000 rows, ~40 ms) to show one page of 25. A scalar subquery is never hashed: it
        probes the consent index for the rows of the page only.
        """
        consent = Consent.objects.active().filter(patient=OuterRef("pk")).order_by().values(found=Value(True))[:1]
        return self.select_related("hospital").annotate(
            has_consent=Coalesce(Subquery(consent, output_field=models.BooleanField()), Value(False))
        )


def normalize_phone(value: str) -> str:
    """Phones are compared and stored without spaces or dashes: "138 0013-8000" → "13800138000"."""
    return "".join(ch for ch in value.strip() if ch not in " -()")


_PHONE = re.compile(r"^\+?\d{7,15}$")


def validate_phone(value: str) -> None:
    # Mobile numbers (11 digits) and landlines with area code (021 and 7 or 8 digits) both occur.
    if not _PHONE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter a phone number of 7 to 15 digits, for example 13800001234 or 021-65790000."), code="phone"
        )


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
        _("gestational age at birth (weeks)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(22, _("Gestational age must be between 22 and 44 weeks.")),
            MaxValueValidator(44, _("Gestational age must be between 22 and 44 weeks.")),
        ],
    )
    birth_weight_g = models.PositiveIntegerField(
        _("birth weight (g)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(300, _("Birth weight must be between 300 and 6500 g.")),
            MaxValueValidator(6500, _("Birth weight must be between 300 and 6500 g.")),
        ],
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    retention_class = retention_class_field(RetentionClass.OUTPATIENT)
    keep_until = keep_until_field()

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["hospital", "record_number"], name="patient_unique_record_number"),
        ]
        indexes = [
            # The patient list: newest first, filtered by the access rule. Reading this index
            # backwards and stopping after one page beats sorting a whole hospital's children.
            models.Index(fields=["-created_at", "-id"], name="patient_recent"),
            models.Index(fields=["hospital", "-created_at"], name="patient_hospital_recent"),
            models.Index(fields=["hospital", "name", "date_of_birth"], name="patient_duplicate_lookup"),
        ]
        triggers = retention_triggers("patient", "created_at", "OLD.id")

    def __str__(self) -> str:
        return f"{self.name} ({self.record_number})"

    def get_absolute_url(self) -> str:
        return reverse("patients:detail", args=[self.public_id])

    def record_measurement(
        self, *, recorded_by, measured_on: date, weight_kg: Decimal | None = None, height_cm: Decimal | None = None
    ) -> GrowthMeasurement | None:
        """A weight or height entered anywhere (a consultation, a referral) lands on the child's
        growth record once: the same values on the same day are not recorded twice, and a value
        outside the growth record's plausible range is left out rather than stored.
        Returns the measurement, or None when there was nothing (plausible) to record."""
        if weight_kg is None and height_cm is None:
            return None
        measurement = GrowthMeasurement(
            patient=self, measured_on=measured_on, weight_kg=weight_kg, height_cm=height_cm, recorded_by=recorded_by
        )
        try:
            measurement.full_clean(exclude=["recorded_by"])
        except ValidationError:
            return None
        with transaction.atomic():
            # The patient row is locked: two submits at once record one measurement.
            Patient.objects.select_for_update().filter(pk=self.pk).first()
            existing = GrowthMeasurement.objects.filter(
                patient=self, measured_on=measured_on, weight_kg=weight_kg, height_cm=height_cm
            ).first()
            if existing is not None:
                return existing
            measurement.save()
        return measurement

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            errors["date_of_birth"] = _("The date of birth cannot be in the future.")
        if self.national_id and self.date_of_birth:
            born = birth_date_of(self.national_id)
            if born is not None and born != self.date_of_birth:
                errors["national_id"] = _("The date of birth in the ID number does not match the date of birth.")
        if errors:
            raise ValidationError(errors)

    def age_display(self, today: date | None = None) -> str:
        return pediatric_age(self.date_of_birth, today or timezone.localdate())

    @property
    def is_newborn(self) -> bool:
        return (timezone.localdate() - self.date_of_birth).days < 28

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)

    def can_see_full_national_id(self, user) -> bool:
        # Only the registering hospital needs the full number (registration, insurance);
        # specialists reached through a care-team grant see the last four characters.
        return user.is_authenticated and user.hospital_id == self.hospital_id

    def can_edit(self, user) -> bool:
        return user.is_authenticated and user.hospital_id == self.hospital_id and user.is_doctor

    def active_service_consent(self) -> ServiceConsent | None:
        return self.service_consents.active().select_related("recorded_by").first()

    def has_sharing_consent(self) -> bool:
        return self.consents.active().exists()

    def active_consent(self) -> Consent | None:
        return self.consents.active().select_related("recorded_by").first()

    def record_consent(self, *, given_by: str, relation: str, recorded_by, scope: str | None = None) -> Consent:
        """The guardian agrees to share the record with the group. One active consent per
        scope: the patient row is locked so that a double submit does not record two."""
        scope = scope or Consent.Scope.GROUP_SHARING
        with transaction.atomic():
            Patient.objects.select_for_update().get(pk=self.pk)
            if self.consents.active().filter(scope=scope).exists():
                raise ConsentAlreadyRecorded(self)
            return self.consents.create(scope=scope, given_by=given_by, relation=relation, recorded_by=recorded_by)

    def withdraw_consent(self, *, withdrawn_by) -> int:
        """The guardian withdraws sharing consent. Access already given through care-team
        grants ends with it: the guardian no longer agrees to the record being seen outside
        the hospital, and a grant is exactly that. Returns the number of grants revoked."""
        now = timezone.now()
        with transaction.atomic():
            Patient.objects.select_for_update().get(pk=self.pk)
            withdrawn = self.consents.active().update(withdrawn_at=now, withdrawn_by=withdrawn_by)
            if not withdrawn:
                raise NoActiveConsent(self)
            return self.grants.live().update(revoked_at=now, revoked_by=withdrawn_by)

    def live_grants(self) -> CareTeamGrantQuerySet:
        return self.grants.live().select_related("user", "user__hospital", "hospital", "granted_by")

    def load_record(self) -> Patient:
        """Read the child's consents, growth measurements and care-team grants, each with the
        people it names, once per instance (one query each; calling it again reads nothing).

        The patient page shows each of them twice, on the timeline and in its own card (the
        consent, the growth table and charts, "also seen by"), from these lists:
        `patient.consents.all()`, `patient.measurements.all()`, `patient.grants.all()`.
        Anything that changes them afterwards must load the patient again.
        """
        prefetch_related_objects(
            [self],
            Prefetch("consents", queryset=Consent.objects.select_related("recorded_by", "withdrawn_by")),
            Prefetch("measurements", queryset=GrowthMeasurement.objects.select_related("recorded_by")),
            Prefetch(
                "grants",
                queryset=CareTeamGrant.objects.select_related(
                    "user", "user__hospital", "hospital", "granted_by", "revoked_by"
                ).order_by("pk"),
            ),
        )
        return self

    def loaded_active_consent(self) -> Consent | None:
        """`active_consent()` from the loaded record (`load_record`): the newest consent not withdrawn."""
        return next((consent for consent in self.load_record().consents.all() if consent.withdrawn_at is None), None)

    def loaded_live_grants(self) -> list[CareTeamGrant]:
        """`live_grants()` from the loaded record (`load_record`)."""
        return [grant for grant in self.load_record().grants.all() if grant.is_live]

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
            # Stored as the English source text, shown translated in the reader's language
            # (CareTeamGrant.reason_display): stored translated, an English reader of the
            # timeline saw the Chinese of whoever caused the grant.
            reason=_source_text(reason),
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


class ConsentAlreadyRecorded(Exception):
    def __init__(self, patient: Patient) -> None:
        super().__init__(f"Sharing consent is already recorded for patient {patient.public_id}")
        self.patient = patient


class NoActiveConsent(Exception):
    def __init__(self, patient: Patient) -> None:
        super().__init__(f"No active sharing consent to withdraw for patient {patient.public_id}")
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
    phone = models.CharField(_("phone"), max_length=30, validators=[validate_phone])

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
    # Plausibility ranges: anything outside is a typo (grams for kilograms, a misplaced
    # decimal point), not a child.
    weight_kg = models.DecimalField(
        _("weight (kg)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("0.3"), _("Weight must be between 0.3 and 150 kg.")),
            MaxValueValidator(Decimal("150"), _("Weight must be between 0.3 and 150 kg.")),
        ],
    )
    height_cm = models.DecimalField(
        _("height or length (cm)"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("20"), _("Height or length must be between 20 and 220 cm.")),
            MaxValueValidator(Decimal("220"), _("Height or length must be between 20 and 220 cm.")),
        ],
    )
    head_circumference_cm = models.DecimalField(
        _("head circumference (cm)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[
            MinValueValidator(Decimal("20"), _("Head circumference must be between 20 and 70 cm.")),
            MaxValueValidator(Decimal("70"), _("Head circumference must be between 20 and 70 cm.")),
        ],
    )
    # Mid-upper arm circumference and oedema: the IMCI (2014) signs of acute malnutrition
    # beside weight-for-length/height (cloudpeds/patients/growth.py).
    muac_mm = models.PositiveSmallIntegerField(
        _("mid-upper arm circumference (mm)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(50, _("Mid-upper arm circumference must be between 50 and 400 mm.")),
            MaxValueValidator(400, _("Mid-upper arm circumference must be between 50 and 400 mm.")),
        ],
    )
    oedema_both_feet = models.BooleanField(_("oedema of both feet"), default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("growth measurement")
        verbose_name_plural = _("growth measurements")
        ordering = ["-measured_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.patient} {self.measured_on}"

    @property
    def age_display(self) -> str:
        """The child's age on the day of the measurement."""
        return pediatric_age(self.patient.date_of_birth, self.measured_on)

    def clean(self) -> None:
        if (
            self.weight_kg is None
            and self.height_cm is None
            and self.head_circumference_cm is None
            and self.muac_mm is None
            and not self.oedema_both_feet
        ):
            raise ValidationError(_("Enter at least one measurement, or record oedema of both feet."))
        if self.measured_on:
            if self.measured_on > timezone.localdate():
                raise ValidationError({"measured_on": _("The measurement date cannot be in the future.")})
            if self.patient_id and self.measured_on < self.patient.date_of_birth:
                raise ValidationError({"measured_on": _("The measurement date cannot be before the date of birth.")})


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
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({self.given_by})"


# The remote-service consent text the guardian reads and signs (templates/patients/
# _service_consent_text.html). Change the version whenever the wording changes: every
# consent row keeps the version it was given on.
SERVICE_CONSENT_TEXT_VERSION = "RS-2026.1"
# PIPL art. 28/31: a child under 14 is represented by the guardian alone; from 14 the
# teenager is asked too (and the guardian, until 18).
TEEN_CONSENT_AGE = 14
ADULT_AGE = 18


def age_in_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class ServiceConsentRequired(Exception):
    """A consultation or referral cannot be sent without the remote-service consent."""


class ServiceConsentQuerySet(models.QuerySet):
    def active(self) -> ServiceConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)


@track_clinical()
class ServiceConsent(models.Model):
    """Consent to the remote medical service itself (远程医疗知情同意), separate from the
    consent to share the record: the guardian (and, from 14, the teenager) agree that the
    child's case is discussed remotely with the group's specialists. It covers one episode
    of care: the consultations and referrals sent while it is active point to it."""

    class Method(models.TextChoices):
        PAPER_SCANNED = "paper_scanned", _("Signed on paper, scanned")
        TABLET = "tablet", _("Signed on the doctor's tablet")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="service_consents")
    text_version = models.CharField(_("consent text version"), max_length=20)
    guardian_name = models.CharField(_("guardian"), max_length=80)
    guardian_relation = models.CharField(_("relation"), max_length=20, choices=Guardian.Relation.choices)
    teen_agreed = models.BooleanField(_("the teenager agreed and signed too"), default=False)
    method = models.CharField(_("how it was signed"), max_length=20, choices=Method.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("signed at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawal recorded by"),
    )
    withdrawal_note = models.CharField(_("withdrawal note"), max_length=300, blank=True)

    objects = ServiceConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("remote-service consent")
        verbose_name_plural = _("remote-service consents")
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["patient", "withdrawn_at"], name="service_consent_active")]

    def __str__(self) -> str:
        return f"{self.text_version} {self.guardian_name} ({self.patient_id})"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @staticmethod
    def needs_teen(patient: Patient, on: date | None = None) -> bool:
        age = age_in_years(patient.date_of_birth, on or timezone.localdate())
        return TEEN_CONSENT_AGE <= age < ADULT_AGE

    @classmethod
    def record(
        cls,
        patient: Patient,
        *,
        guardian_name: str,
        guardian_relation: str,
        method: str,
        teen_agreed: bool,
        recorded_by,
    ) -> ServiceConsent:
        """Record the signed consent (the one already active is returned: a double submit
        or two doctors at once record one row, under the patient's row lock)."""
        errors: dict[str, str] = {}
        if not guardian_name.strip():
            errors["guardian_name"] = _("Name the guardian who signed.")
        if guardian_relation not in Guardian.Relation.values:
            errors["guardian_relation"] = _("Choose the guardian's relation to the child.")
        if method not in cls.Method.values:
            errors["method"] = _("Say how the consent was signed.")
        if cls.needs_teen(patient) and not teen_agreed:
            errors["teen_agreed"] = _(
                "The child is 14 or older: the teenager must agree and sign as well as the guardian."
            )
        if errors:
            raise ValidationError(errors)
        with transaction.atomic():
            Patient.objects.select_for_update().get(pk=patient.pk)
            existing = patient.service_consents.active().first()
            if existing is not None:
                return existing
            return cls.objects.create(
                patient=patient,
                text_version=SERVICE_CONSENT_TEXT_VERSION,
                guardian_name=guardian_name.strip(),
                guardian_relation=guardian_relation,
                teen_agreed=teen_agreed and cls.needs_teen(patient),
                method=method,
                recorded_by=recorded_by,
            )

    def withdraw(self, *, withdrawn_by, note: str = "") -> int:
        """The guardian (or the teenager) withdraws. Nothing more is sent under it, and the
        access it gave ends: the care-team grants made for the consultations and referrals
        sent under this consent are revoked. Returns the number of grants revoked."""
        now = timezone.now()
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if locked.withdrawn_at is not None:
                raise NoActiveConsent(self.patient)
            locked.withdrawn_at, locked.withdrawn_by, locked.withdrawal_note = now, withdrawn_by, note.strip()
            locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
            revoked = 0
            # The platform does not import the feature apps: the objects sent under this
            # consent are found through the foreign keys they declare to it.
            for relation in type(self)._meta.related_objects:
                if not relation.one_to_many or relation.field.name != "service_consent":
                    continue
                model = relation.related_model
                ids = list(model._base_manager.filter(service_consent=locked).values_list("pk", flat=True))
                if ids:
                    revoked += (
                        CareTeamGrant.objects.live()
                        .filter(
                            patient_id=locked.patient_id,
                            source_type=ContentType.objects.get_for_model(model),
                            source_id__in=ids,
                        )
                        .update(revoked_at=now, revoked_by=withdrawn_by)
                    )
        self.withdrawn_at, self.withdrawn_by, self.withdrawal_note = now, withdrawn_by, locked.withdrawal_note
        return revoked


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
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

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

    @property
    def is_live(self) -> bool:
        """`CareTeamGrantQuerySet.live()` for a grant already loaded: not revoked, not expired."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def reason_display(self) -> str:
        # Reasons are the English msgids of their callers' messages (Patient.grant).
        return translation.gettext(self.reason)

    @property
    def grantee_display(self) -> str:
        if self.user is not None:
            hospital = self.user.hospital.name if self.user.hospital_id else ""
            return f"{self.user.display_name} ({hospital})" if hospital else self.user.display_name
        return str(self.hospital)


# --- Legal hold (封存) ------------------------------------------------------------------------


class LegalHoldError(Exception):
    """A hold cannot be placed or released this way; the message says why."""


def manages_legal_holds(user) -> bool:
    """Group administrators (医务处 / the group office) seal and unseal a child's records."""
    return user.is_authenticated and user.has_role(Role.GROUP_ADMIN)


class LegalHoldQuerySet(models.QuerySet):
    def active(self) -> LegalHoldQuerySet:
        return self.filter(released_at__isnull=True)

    def visible_to(self, user) -> LegalHoldQuerySet:
        return self if manages_legal_holds(user) else self.none()


class LegalHold(models.Model):
    """A dispute seals a child's records (封存): while the hold is active the database refuses
    every change and deletion of the child, their consultations, referrals and files
    (cloudpeds/core/retention.py). It is released only when two different group
    administrators have each confirmed the release, so that no one person can unseal
    a record under dispute."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="legal_holds", verbose_name=_("patient")
    )
    reason = models.TextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by")
    )
    placed_at = models.DateTimeField(_("placed at"), default=timezone.now)
    release_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("release requested by"),
    )
    release_requested_at = models.DateTimeField(_("release requested at"), null=True, blank=True)
    release_reason = models.TextField(_("reason for release"), blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("release confirmed by"),
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-pk"]
        constraints = [
            # One active hold per child: a second dispute adds to the reason, not a second lock.
            models.UniqueConstraint(
                fields=["patient"], condition=Q(released_at__isnull=True), name="legal_hold_one_active"
            ),
            models.CheckConstraint(
                condition=Q(released_by__isnull=True) | ~Q(released_by=models.F("release_requested_by")),
                name="legal_hold_two_people_release",
            ),
        ]
        # The record of who sealed a child's records, and who released them, is never erased.
        triggers = [pgtrigger.Protect(name="legal_hold_kept", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.patient} ({self.placed_at:%Y-%m-%d})"

    @property
    def is_active(self) -> bool:
        return self.released_at is None

    @classmethod
    def place(cls, patient: Patient, user, reason: str) -> LegalHold:
        if not manages_legal_holds(user):
            raise LegalHoldError(_("Only a group administrator can place a legal hold."))
        if not reason.strip():
            raise LegalHoldError(_("Say why the records are sealed."))
        with transaction.atomic():
            # Lock the child so that two administrators sealing at once make one hold.
            Patient.objects.select_for_update().get(pk=patient.pk)
            if cls.objects.active().filter(patient=patient).exists():
                raise LegalHoldError(_("This child's records are already under a legal hold."))
            return cls.objects.create(patient=patient, placed_by=user, reason=reason.strip())

    def confirm_release(self, user, reason: str = "") -> None:
        """The first administrator asks for the release; a second, different one confirms it."""
        if not manages_legal_holds(user):
            raise LegalHoldError(_("Only a group administrator can release a legal hold."))
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if not locked.is_active:
                raise LegalHoldError(_("This legal hold has already been released."))
            now = timezone.now()
            if locked.release_requested_by_id is None:
                if not reason.strip():
                    raise LegalHoldError(_("Say why the hold can be released."))
                locked.release_requested_by = user
                locked.release_requested_at = now
                locked.release_reason = reason.strip()
            elif locked.release_requested_by_id == user.pk:
                raise LegalHoldError(_("A second, different group administrator must confirm the release."))
            else:
                locked.released_by = user
                locked.released_at = now
            locked.save()
        self.refresh_from_db()
