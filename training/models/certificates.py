"""Certificates: issued on passing a course's exam, verified by anyone with the code.

One valid certificate per person and course, held by the database (a partial unique
constraint on (course, holder) where the status is "valid"): two passes graded at the same
moment, or a task run twice, cannot make a second one. A certificate is never edited after
issue. Instead it is

- revoked by a training manager (with a reason, shown on the public verification page), or
- superseded: by a reissue after the holder's name was corrected (same attempt, dates and
  score, new code), or by a later pass that re-certifies the holder.

"Expired" is not a stored status: a valid certificate past its expiry date reads as expired.

The PDF is made by the platform's PDF pipeline (cloudpeds/core/documents.py GeneratedPdf,
run by the task cloudpeds.core.tasks.generate_pdf) from what the row recorded at issue (the
holder's name as it was then, the course's title, credit hours and class), so a later name
change or course edit never alters a certificate already given out.
"""

from __future__ import annotations

import calendar
import secrets
import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from cloudpeds.core.documents import GeneratedPdf

from .courses import CreditClass, TrainingError, _lang, is_training_manager

if TYPE_CHECKING:
    from cloudpeds.accounts.models import User
    from cloudpeds.core.pdf import StaticOnlyFetcher

    from .courses import Course
    from .exams import Attempt

__all__ = [
    "EXPIRY_REMINDER_DAYS",
    "RENEWAL_WINDOW_DAYS",
    "Certificate",
    "CertificateEvent",
    "CertificateReminder",
    "CertificateStatus",
    "add_months",
    "annual_credit_requirement",
    "new_verification_code",
    "normalise_code",
]

# The verification code: 16 characters from an alphabet without look-alikes (no 0/O, 1/I/L,
# U), about 78 bits drawn with `secrets`, shown in groups of four. Not sequential, not
# derived from anything: the only way to a certificate's page is to have been given its code.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_GROUPS = 4
CODE_GROUP_LENGTH = 4

# Reminders before expiry, in days; the exam opens again for re-certification in the window
# of the first one.
EXPIRY_REMINDER_DAYS = (90, 30, 7)
RENEWAL_WINDOW_DAYS = max(EXPIRY_REMINDER_DAYS)


def annual_credit_requirement() -> int:
    """China's continuing medical education asks 25 credits a year (settings.CME_ANNUAL_CREDITS)."""
    return settings.CME_ANNUAL_CREDITS


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_GROUPS * CODE_GROUP_LENGTH))
    return "-".join(raw[i : i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def normalise_code(value: str) -> str:
    """The stored form of a code as people type it: any case, with or without dashes/spaces."""
    raw = "".join(ch for ch in value.upper() if ch.isalnum())
    if len(raw) != CODE_GROUPS * CODE_GROUP_LENGTH:
        return ""
    return "-".join(raw[i : i + CODE_GROUP_LENGTH] for i in range(0, len(raw), CODE_GROUP_LENGTH))


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


ONE_VALID_CONSTRAINT = "training_certificate_one_valid"


def _constraint_of(error: IntegrityError) -> str:
    """The name of the constraint a PostgreSQL integrity error is about."""
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")


class CertificateQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> CertificateQuerySet:
        """A holder sees their own certificates; training managers see everyone's."""
        if not user.is_authenticated:
            return self.none()
        if is_training_manager(user):
            return self.all()
        return self.filter(holder=user)

    def valid(self) -> CertificateQuerySet:
        """Valid, expired or not (expiry is a date, not a status)."""
        return self.filter(status=CertificateStatus.VALID)

    def expiring(self, today: date) -> CertificateQuerySet:
        """Valid certificates that expire from `today` to the end of the widest reminder window."""
        return self.valid().filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=RENEWAL_WINDOW_DAYS))

    def credit_bearing(self) -> CertificateQuerySet:
        """The certificates that count for the yearly CME credits: one per pass.

        A reissue replaces its original for the same pass (it keeps the issue date), so the
        original no longer counts; a pass that re-certified the holder counts in its own
        year beside the earlier one it superseded. Revoked certificates count for nothing.
        """
        return self.filter(
            Q(status=CertificateStatus.VALID) | Q(status=CertificateStatus.SUPERSEDED, superseded_by__is_reissue=False)
        )

    def issued_in_year(self, year: int) -> CertificateQuerySet:
        tz = timezone.get_default_timezone()
        start = datetime(year, 1, 1, tzinfo=tz)
        end = datetime(year + 1, 1, 1, tzinfo=tz)
        return self.filter(issued_at__gte=start, issued_at__lt=end)

    def credits_in_year(self, year: int) -> Decimal:
        total = self.credit_bearing().issued_in_year(year).aggregate(total=Sum("credit_hours"))["total"]
        return total or Decimal("0")


class Certificate(GeneratedPdf, models.Model):
    Status = CertificateStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("verification code"), max_length=24, unique=True, default=new_verification_code)
    course = models.ForeignKey(
        "training.Course", on_delete=models.PROTECT, related_name="certificates", verbose_name=_("course")
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("holder")
    )
    attempt = models.ForeignKey(
        "training.Attempt",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
        verbose_name=_("exam attempt"),
    )
    # What the certificate says, recorded at issue: later edits of the person or the course
    # do not change a certificate already given out.
    holder_name = models.CharField(_("holder's name"), max_length=300)
    hospital_zh = models.CharField(_("hospital (Chinese)"), max_length=120, blank=True)
    hospital_en = models.CharField(_("hospital (English)"), max_length=120, blank=True)
    course_title_zh = models.CharField(_("course (Chinese)"), max_length=200)
    course_title_en = models.CharField(_("course (English)"), max_length=200)
    credit_hours = models.DecimalField(_("credit hours"), max_digits=5, decimal_places=1)
    credit_class = models.CharField(_("credit class"), max_length=2, choices=CreditClass.choices)
    score_percent = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2)
    issued_at = models.DateTimeField(_("issued at"))
    expires_on = models.DateField(_("expires on"))
    status = FSMField(_("status"), max_length=12, choices=CertificateStatus.choices, default=CertificateStatus.VALID)
    is_reissue = models.BooleanField(_("reissue"), default=False)
    superseded_by = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoke_reason = models.TextField(_("reason for revocation"), blank=True)
    # The PDF: written to storage, then recorded here (GeneratedPdf, cloudpeds/core/documents.py).
    pdf = models.FileField(upload_to="certificates/", null=True, blank=True, max_length=200)
    pdf_requested_at = models.DateTimeField(default=timezone.now)
    pdf_generated_at = models.DateTimeField(null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

    pdf_file_field = "pdf"
    pdf_generated_field = "pdf_generated_at"

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_at", "-pk"]
        constraints = [
            # At most one valid certificate per person per course; revoked and superseded
            # ones stay as the record of what was once issued.
            models.UniqueConstraint(
                fields=["course", "holder"],
                condition=Q(status="valid"),
                name=ONE_VALID_CONSTRAINT,
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_on"], name="training_cert_status_expiry")]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("training:certificate", args=[self.public_id])

    # --- What it says -------------------------------------------------------------------------------

    @property
    def course_title(self) -> str:
        return self.course_title_en if _lang() == "en" else self.course_title_zh

    @property
    def hospital_name(self) -> str:
        return self.hospital_en if _lang() == "en" else self.hospital_zh

    @property
    def issued_on(self) -> date:
        return timezone.localdate(self.issued_at)

    def is_expired(self, today: date | None = None) -> bool:
        return self.expires_on < (today or timezone.localdate())

    def state(self, today: date | None = None) -> str:
        """valid, expired, revoked or superseded: what the verification page says."""
        if self.status == CertificateStatus.VALID and self.is_expired(today):
            return "expired"
        return self.status

    def days_to_expiry(self, today: date | None = None) -> int:
        return (self.expires_on - (today or timezone.localdate())).days

    def in_renewal_window(self, today: date | None = None) -> bool:
        """Close enough to expiry (or past it) that the holder may sit the exam again."""
        return self.days_to_expiry(today) <= RENEWAL_WINDOW_DAYS

    def verification_path(self) -> str:
        return reverse("certificates:verify", args=[self.code])

    def verification_url(self) -> str:
        """Absolute (a QR code and a printed page are read outside the portal)."""
        return settings.SITE_URL.rstrip("/") + self.verification_path()

    # --- Transitions (called on a locked row, inside the action's transaction) ------------------------

    @transition(field=status, source=CertificateStatus.VALID, target=CertificateStatus.REVOKED)
    def _to_revoked(self) -> None:
        pass

    @transition(field=status, source=CertificateStatus.VALID, target=CertificateStatus.SUPERSEDED)
    def _to_superseded(self) -> None:
        pass

    # --- The PDF ------------------------------------------------------------------------------------

    @property
    def pdf_ready(self) -> bool:
        return bool(self.pdf) and self.pdf_generated_at is not None

    def pdf_state(self, now: datetime | None = None) -> str:
        """ready, pending (the fragment polls) or stalled (probably a lost task: ask again)."""
        if self.pdf_ready:
            return "ready"
        if (now or timezone.now()) - self.pdf_requested_at > PDF_STALLED_AFTER:
            return "stalled"
        return "pending"

    # --- cloudpeds.core.documents.GeneratedPdf: the one task renders it, outside any lock ---

    def pdf_is_current(self) -> bool:
        # Made once: a certificate never changes after issue (a correction is a reissue).
        return self.pdf_ready

    def pdf_storage_name(self) -> str:
        # Fixed per certificate, so a retry after a crash replaces its own leftover.
        return f"certificates/{self.public_id}/certificate-{self.code}.pdf"

    def build_pdf(self, fetcher: StaticOnlyFetcher | None = None) -> bytes:
        # Imported here: WeasyPrint is loaded by the worker that renders, not by web requests.
        from django.utils import translation

        from cloudpeds.core.pdf import render_pdf

        # The certificate is bilingual whoever holds it; Chinese is its main language.
        with translation.override("zh-hans"), timezone.override(timezone.get_default_timezone()):
            return render_pdf("pdf/certificate.html", self.pdf_context(), fetcher=fetcher)

    def pdf_context(self) -> dict[str, Any]:
        from cloudpeds.core.pdf import bilingual, qr_data_uri

        url = self.verification_url()
        return {
            "certificate": self,
            "L": {key: bilingual(label) for key, label in _PDF_LABELS.items()},
            "credit_class": bilingual(CreditClass(self.credit_class).label),
            "verification_url": url,
            "qr": qr_data_uri(url),
        }

    def can_download(self, user: User) -> bool:
        # A revoked or replaced certificate is not handed out again; its page still says why.
        return (
            self.status == CertificateStatus.VALID
            and self.pdf_ready
            and (user.pk == self.holder_id or is_training_manager(user))
        )

    def request_pdf(self) -> None:
        """Ask for the PDF again (a lost task); the task makes it once, whatever it is asked."""
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if locked.pdf_ready:
                return
            locked.pdf_requested_at = timezone.now()
            locked.save(update_fields=["pdf_requested_at"])
            locked.queue_pdf()
        self.pdf_requested_at = locked.pdf_requested_at

    # --- Issue --------------------------------------------------------------------------------------

    @classmethod
    def issue_for(cls, attempt: Attempt, now: datetime | None = None) -> Certificate:
        """The certificate of a passed attempt: made once, whoever asks and however often.

        Call inside the transaction that graded the attempt. An existing valid certificate
        of the same course is returned as it is, unless it is in its renewal window (or
        expired): then this pass re-certifies and the new certificate supersedes it.
        """
        if not attempt.passed:
            raise TrainingError(_("Only a passed attempt earns a certificate."))
        now = now or timezone.now()
        course = attempt.exam.course
        with transaction.atomic():
            existing = cls.objects.select_for_update().filter(course=course, holder=attempt.user).valid().first()
            if existing is not None and (existing.attempt_id == attempt.pk or not existing.in_renewal_window()):
                return existing
            if existing is not None:
                existing._to_superseded()
            certificate = cls._new(
                course=course,
                holder=attempt.user,
                attempt=attempt,
                score_percent=attempt.score_percent,
                issued_at=now,
                expires_on=add_months(timezone.localdate(now), course.certificate_validity_months),
            )
            try:
                # A savepoint: when a concurrent grading of another attempt has just issued
                # this person's certificate, the unique constraint refuses this one and the
                # one that exists is returned.
                with transaction.atomic():
                    if existing is not None:
                        # Supersede first: the partial unique index is checked per statement.
                        existing.save(update_fields=["status"])
                    certificate.save()
                    if existing is not None:
                        existing.superseded_by = certificate
                        existing.save(update_fields=["superseded_by"])
                        existing._record(CertificateEvent.Kind.SUPERSEDED, None, note=certificate.code)
            except IntegrityError as error:
                if _constraint_of(error) != ONE_VALID_CONSTRAINT:
                    raise
                return cls.objects.get(course=course, holder=attempt.user, status=CertificateStatus.VALID)
            certificate._record(CertificateEvent.Kind.ISSUED, None)
            certificate._after_issue("training.certificate_issued")
        return certificate

    @classmethod
    def _new(cls, *, course: Course, holder: User, **fields: Any) -> Certificate:
        hospital = holder.hospital
        return cls(
            course=course,
            holder=holder,
            holder_name=holder.display_name,
            hospital_zh=hospital.name_zh if hospital else "",
            hospital_en=hospital.name_en if hospital else "",
            course_title_zh=course.title_zh,
            course_title_en=course.title_en,
            credit_hours=course.credit_hours,
            credit_class=course.credit_class,
            **fields,
        )

    def _after_issue(self, kind: str) -> None:
        from cloudpeds.notifications.services import notify

        self.queue_pdf()
        notify([self.holder], kind, self, context=self.notification_context())

    def notification_context(self) -> dict[str, Any]:
        return {
            "course_zh": self.course_title_zh,
            "course_en": self.course_title_en,
            "code": self.code,
            "expires_on": self.expires_on.isoformat(),
            "credit_hours": str(self.credit_hours),
            "credit_class": self.credit_class,
        }

    def send_expiry_reminder(self, today: date) -> bool:
        """Tell the holder the certificate expires soon if a reminder is due `today`; each once.

        The CertificateReminder row (unique per certificate and threshold) is written in the
        same transaction as the notification, so a second run, or a concurrent one, sends
        nothing more.
        """
        from cloudpeds.notifications.services import notify

        days_left = self.days_to_expiry(today)
        threshold = due_reminder(days_left)
        if threshold is None:
            return False
        try:
            with transaction.atomic():
                _row, created = CertificateReminder.objects.get_or_create(certificate=self, days_before=threshold)
                if not created:
                    return False
                notify(
                    [self.holder],
                    "training.certificate_expiring",
                    self,
                    context={**self.notification_context(), "days_left": days_left},
                    url=self.course.get_absolute_url(),
                )
        except IntegrityError:
            return False  # a concurrent run sent it
        return True

    def _record(self, kind: str, actor: User | None, note: str = "") -> CertificateEvent:
        return CertificateEvent.objects.create(certificate=self, kind=kind, actor=actor, note=note)

    # --- Manager actions -----------------------------------------------------------------------------

    def revoke(self, user: User, reason: str) -> None:
        """Withdraw the certificate; the verification page shows the reason and the date."""
        from cloudpeds.notifications.services import notify

        if not is_training_manager(user):
            raise TrainingError(_("Only training managers can revoke certificates."))
        reason = reason.strip()
        if not reason:
            raise TrainingError(_("Give the reason for revoking the certificate."))
        with transaction.atomic():
            locked = type(self).objects.select_for_update().get(pk=self.pk)
            if locked.status != CertificateStatus.VALID:
                raise TrainingError(_("Only a valid certificate can be revoked."))
            locked._to_revoked()
            locked.revoked_at = timezone.now()
            locked.revoked_by = user
            locked.revoke_reason = reason
            locked.save(update_fields=["status", "revoked_at", "revoked_by", "revoke_reason"])
            locked._record(CertificateEvent.Kind.REVOKED, user, note=reason)
            notify(
                [locked.holder],
                "training.certificate_revoked",
                locked,
                actor=user,
                context=locked.notification_context(),
            )
        for field in ("status", "revoked_at", "revoked_by", "revoke_reason"):
            setattr(self, field, getattr(locked, field))

    def reissue(self, user: User, note: str = "") -> Certificate:
        """A new certificate with the holder's current name (after a correction): same pass,
        score and dates, new code. The old code then says "superseded by" the new one."""
        if not is_training_manager(user):
            raise TrainingError(_("Only training managers can reissue certificates."))
        with transaction.atomic():
            locked = (
                type(self)
                .objects.select_for_update(of=("self",))
                .select_related("course", "holder__hospital")
                .get(pk=self.pk)
            )
            if locked.status != CertificateStatus.VALID:
                raise TrainingError(_("Only a valid certificate can be reissued."))
            locked._to_superseded()
            new = type(self)._new(
                course=locked.course,
                holder=locked.holder,
                attempt=locked.attempt,
                score_percent=locked.score_percent,
                issued_at=locked.issued_at,
                expires_on=locked.expires_on,
                is_reissue=True,
            )
            # The course's title and credits as they were at the original issue, not now.
            for field in ("course_title_zh", "course_title_en", "credit_hours", "credit_class"):
                setattr(new, field, getattr(locked, field))
            locked.save(update_fields=["status"])
            new.save()
            locked.superseded_by = new
            locked.save(update_fields=["superseded_by"])
            locked._record(CertificateEvent.Kind.SUPERSEDED, user, note=new.code)
            new._record(CertificateEvent.Kind.REISSUED, user, note=note.strip() or locked.code)
            new._after_issue("training.certificate_reissued")
        self.status, self.superseded_by = locked.status, new
        return new


# A PDF asked for and not made after this long probably lost its task (a broker outage): the
# page then offers to ask again instead of polling forever.
PDF_STALLED_AFTER = timedelta(minutes=10)

_PDF_LABELS = {
    "title": _("Certificate of continuing medical education"),
    "certifies": _("This is to certify that"),
    "completed": _("has completed the course and passed its examination"),
    "course": _("Course"),
    "credit_hours": _("Credit hours"),
    "credit_class": _("Credit class"),
    "score": _("Exam score"),
    "issued_on": _("Issued on"),
    "expires_on": _("Valid until"),
    "code": _("Verification code"),
    "verify": _("Verify this certificate at"),
    "issuer": _("Xinhua Hospital pediatric medical group · Continuing education office"),
    "reissue": _("Reissued certificate: it replaces the one first issued for this pass."),
}


class CertificateEvent(models.Model):
    class Kind(models.TextChoices):
        ISSUED = "issued", _("Issued")
        REISSUED = "reissued", _("Reissued")
        SUPERSEDED = "superseded", _("Superseded")
        REVOKED = "revoked", _("Revoked")

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.kind}"


class CertificateReminder(models.Model):
    """An expiry reminder that was sent: one row per certificate and threshold, so once."""

    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["certificate", "days_before"], name="training_cert_reminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} -{self.days_before}d"


def due_reminder(days_left: int) -> int | None:
    """The reminder due with `days_left` to expiry: the nearest threshold not yet passed.

    A day missed by the job still gets its reminder later, but a certificate issued (or a
    job started) inside the 30-day window gets the 30-day one, not the 90-day one as well.
    """
    if days_left < 0:
        return None
    due = [days for days in EXPIRY_REMINDER_DAYS if days_left <= days]
    return min(due) if due else None
