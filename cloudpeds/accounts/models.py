from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .roles import DOCTOR_ROLES, HOME_PRIORITY, Role, conflicting_duties


class BilingualNameMixin(models.Model):
    """Chinese and English names; `name` follows the active language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        lang = get_language() or settings.LANGUAGE_CODE
        return self.name_en if lang.startswith("en") else self.name_zh


class Hospital(BilingualNameMixin):
    class Level(models.TextChoices):
        LEAD = "lead", _("Lead hospital")
        DISTRICT = "district", _("District hospital")
        COMMUNITY = "community", _("Community health centre")

    code = models.SlugField(_("code"), max_length=20, unique=True)
    district = models.CharField(_("district"), max_length=60)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)

    class Meta:
        verbose_name = _("hospital")
        verbose_name_plural = _("hospitals")
        ordering = ["level", "code"]

    @property
    def is_lead(self) -> bool:
        return self.level == self.Level.LEAD


class Department(BilingualNameMixin):
    class Specialty(models.TextChoices):
        GENERAL_PEDIATRICS = "general_pediatrics", _("General pediatrics")
        RESPIRATORY = "respiratory", _("Respiratory medicine")
        NEONATOLOGY = "neonatology", _("Neonatology")
        CARDIOLOGY = "cardiology", _("Cardiology")
        GASTROENTEROLOGY = "gastroenterology", _("Gastroenterology")
        NEUROLOGY = "neurology", _("Neurology")
        INFECTIOUS_DISEASES = "infectious_diseases", _("Infectious diseases")
        PICU = "picu", _("Pediatric intensive care")
        GENERAL_PRACTICE = "general_practice", _("General practice")

    hospital = models.ForeignKey(
        Hospital, on_delete=models.PROTECT, related_name="departments", verbose_name=_("hospital")
    )
    specialty = models.CharField(_("specialty"), max_length=40, choices=Specialty.choices)
    bed_count = models.PositiveIntegerField(_("beds"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["hospital__code", "specialty"]
        constraints = [models.UniqueConstraint(fields=["hospital", "specialty"], name="department_unique_specialty")]


class TitleGrade(models.TextChoices):
    """The physician title ladder (卫生专业技术资格, 医师系列); the invitation asks for one."""

    RESIDENT = "resident", _("Resident physician")
    ATTENDING = "attending", _("Attending physician")
    ASSOCIATE_CHIEF = "associate_chief", _("Associate chief physician")
    CHIEF = "chief", _("Chief physician")


TITLE_RANK = {grade: rank for rank, grade in enumerate(TitleGrade.values)}


def validate_licence_number(value: str) -> None:
    """执业证书编码 in the current format: 15 digits. Published descriptions of what the
    digits inside mean disagree (level, category, region, serial in different orders), and
    there is no check digit, so the structure checked is the length and the digits only;
    the group administrator compares it with the certificate before verifying."""
    if not (len(value) == 15 and value.isascii() and value.isdigit()):
        raise ValidationError(
            _("A practitioner licence number is 15 digits, for example 110310000012345."),
            code="licence_number",
        )


class QualificationError(Exception):
    """A verification refused for a reason the administrator can act on."""


class UserQuerySet(models.QuerySet):
    def with_role(self, *roles: str) -> UserQuerySet:
        """Active people holding any of `roles` (each once, however many of them they hold)."""
        members = Group.objects.filter(name__in=roles, user=models.OuterRef("pk"))
        return self.filter(models.Exists(members), is_active=True)


class UserManager(DjangoUserManager.from_queryset(UserQuerySet)):
    pass


class User(AbstractUser):
    class Language(models.TextChoices):
        CHINESE = "zh-hans", _("Simplified Chinese")
        ENGLISH = "en", _("English")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    hospital = models.ForeignKey(
        Hospital,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("hospital"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )
    # `title` is the title as written on a badge ("全科主治医师"); `title_grade` is its rung
    # on the ladder, structured: what an invitation asks for and the report states.
    title = models.CharField(_("professional title"), max_length=60, blank=True)
    title_grade = models.CharField(_("title grade"), max_length=20, choices=TitleGrade.choices, blank=True)
    licence_number = models.CharField(
        _("practitioner licence number"), max_length=40, blank=True, validators=[validate_licence_number]
    )
    # Set by a group administrator who checked the licence and title (issue 15 point 4);
    # cleared when either changes.
    qualification_verified_at = models.DateTimeField(_("qualification verified at"), null=True, blank=True)
    qualification_verified_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("qualification verified by"),
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=Language.choices, default=Language.CHINESE
    )
    # Bumped whenever the person's roles or two-factor authenticators change (accounts/access_cache.py):
    # the role names and the two-factor flag kept in their sessions are then read again.
    access_version = models.PositiveIntegerField(default=0, editable=False)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        # Chinese names are written family name first with no space.
        full = f"{self.last_name}{self.first_name}".strip()
        return full or self.username

    @cached_property
    def role_names(self) -> frozenset[str]:
        return frozenset(self.groups.values_list("name", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_names.intersection(roles))

    @property
    def roles(self) -> list[Role]:
        return [role for role in Role if role in self.role_names]

    @property
    def is_doctor(self) -> bool:
        return self.has_role(*DOCTOR_ROLES)

    @property
    def primary_role(self) -> Role | None:
        for role in HOME_PRIORITY:
            if role in self.role_names:
                return role
        return None

    @cached_property
    def has_totp(self) -> bool:
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.filter(user=self, type=Authenticator.Type.TOTP).exists()

    # --- Qualification (issue 15 point 4) ---------------------------------------------------

    @property
    def qualification_verified(self) -> bool:
        return self.qualification_verified_at is not None

    @property
    def is_verified_specialist(self) -> bool:
        """Only these take a case or sign an opinion."""
        return self.is_active and self.has_role(Role.SPECIALIST) and self.qualification_verified

    def holds_title(self, grade: str) -> bool:
        """At or above `grade` on the ladder (an invitation to a 副主任医师 may be taken by
        a 主任医师, not by a 主治医师)."""
        return bool(self.title_grade) and TITLE_RANK[self.title_grade] >= TITLE_RANK[grade]

    @property
    def title_display(self) -> str:
        return self.title or (self.get_title_grade_display() if self.title_grade else "")

    def verify_qualification(self, by: User) -> None:
        """A group administrator confirms the licence number and title (who, when)."""
        if not (by.is_active and by.has_role(Role.GROUP_ADMIN)):
            raise QualificationError(_("Only a group administrator can verify a doctor's qualification."))
        if by.pk == self.pk:
            raise QualificationError(_("Nobody verifies their own qualification."))
        try:
            validate_licence_number(self.licence_number)
        except ValidationError as error:
            raise QualificationError(error.messages[0]) from error
        if not self.title_grade:
            raise QualificationError(_("Set the title grade before verifying."))
        with transaction.atomic():
            type(self).objects.filter(pk=self.pk).update(
                qualification_verified_at=timezone.now(), qualification_verified_by=by
            )
        self.refresh_from_db(fields=["qualification_verified_at", "qualification_verified_by"])

    def clear_qualification_verification(self) -> None:
        """The licence number or the title changed: verified again before the next case."""
        type(self).objects.filter(pk=self.pk).update(qualification_verified_at=None, qualification_verified_by=None)
        self.qualification_verified_at, self.qualification_verified_by = None, None

    def needs_two_factor(self) -> bool:
        """Whether this person must have two-factor now (else they are sent to enroll)."""
        if self.is_superuser:
            return True
        required = set(settings.TWO_FACTOR_REQUIRED_ROLES)
        if self.has_role(*(required - set(settings.TWO_FACTOR_GRACE_ROLES))):
            return True
        if self.has_role(*required):
            return timezone.now() >= self.two_factor_grace_ends()
        return False

    def two_factor_grace_ends(self) -> datetime:
        """When the grace period to enroll in two-factor ends (doctors and specialists)."""
        rollout = timezone.make_aware(
            datetime.combine(settings.TWO_FACTOR_DOCTORS_FROM, time.min), timezone.get_default_timezone()
        )
        return max(self.date_joined, rollout) + timedelta(days=settings.TWO_FACTOR_GRACE_DAYS)

    def in_two_factor_grace(self) -> bool:
        """Required to enroll, not yet forced: the portal reminds them."""
        return (
            not self.needs_two_factor()
            and self.has_role(*settings.TWO_FACTOR_REQUIRED_ROLES)
            and timezone.now() < self.two_factor_grace_ends()
        )

    def set_roles(self, *roles: str) -> None:
        if conflicting_duties(roles, self.is_superuser):
            raise ValueError(f"separated duties cannot be combined: {roles}")
        self.groups.set([Group.objects.get_or_create(name=role)[0] for role in roles])
        self.__dict__.pop("role_names", None)
