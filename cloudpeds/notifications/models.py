from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from . import kinds
from .email import absolute_url, render_email, render_subject

logger = logging.getLogger(__name__)

# A row still pending this long after it was written missed its task (broker down, worker
# lost); the periodic job sends it.
RESEND_AFTER = timedelta(minutes=1)
# After this many failed sends the address is presumably wrong: stop and keep the error.
MAX_EMAIL_ATTEMPTS = 10
# Rows per run of the periodic job, so that one run stays short after a long outage.
RESEND_BATCH_SIZE = 200
# The navigation badge shows "99+" beyond 99: counting further is work nobody sees.
BADGE_CAP = 100


# (context key, target field): rendered from the target's field, in the reader's language.
# New rows do not store these; old rows' stored text is used only when the target is gone.
_RERENDERED = (
    ("urgency", "urgency"),
    ("recommendation", "recommendation"),
    ("sending_hospital", "sending_hospital"),
    ("receiving_hospital", "receiving_hospital"),
)


def _lazy_label(target, field: str):
    def render() -> str:
        value = getattr(target, field)
        if isinstance(value, models.Model):
            return str(getattr(value, "name", value))
        display = getattr(target, f"get_{field}_display", None)
        return str(display()) if display else str(value)

    return lazy(render, str)()


def _in_reader_language(zh: str, en: str):
    """A `_zh`/`_en` pair of a context, as one value rendered in the active language."""
    return lazy(lambda: en if (translation.get_language() or "").startswith("en") else zh, str)()


def _patient_of(target):
    """The child a notification's target is about: the target itself (a Patient) or its
    `patient` (a consultation, a referral); None for anything else (a certificate)."""
    if target is None:
        return None
    if target._meta.label_lower == "patients.patient":
        return target
    if any(field.name == "patient" for field in target._meta.concrete_fields):
        return target.patient
    return None


def attach_patients(notifications, user) -> None:
    """Load the child of each notification of a page, for the in-portal list: one query per
    kind of target (not per row), then one for which of those children `user` may see.
    Sets `inbox_patient` (None when there is no child or the record is not visible)."""
    from cloudpeds.patients.models import Patient

    by_type: dict[int, list[Notification]] = {}
    for notification in notifications:
        notification.inbox_patient = None
        if notification.target_type_id and notification.target_id:
            by_type.setdefault(notification.target_type_id, []).append(notification)
    patients = {}
    for type_id, rows in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        if model is Patient:
            targets = model.objects.filter(pk__in=[row.target_id for row in rows])
        elif any(field.name == "patient" for field in model._meta.concrete_fields):
            names = {field.name for field in model._meta.concrete_fields}
            related = [name for name in ("patient", "sending_hospital", "receiving_hospital") if name in names]
            targets = model._base_manager.filter(pk__in=[row.target_id for row in rows]).select_related(*related)
        else:
            continue
        found = {target.pk: target for target in targets}
        for row in rows:
            target = found.get(row.target_id)
            if target is not None:
                # The generic relation's cache: template_context() reads it without a query.
                Notification.target.set_cached_value(row, target)
                patients[row.pk] = _patient_of(target)
    visible = set(
        Patient.objects.visible_to(user)
        .filter(pk__in={patient.pk for patient in patients.values() if patient is not None})
        .values_list("pk", flat=True)
    )
    for notification in notifications:
        patient = patients.get(notification.pk)
        if patient is not None and patient.pk in visible:
            notification.inbox_patient = patient


def unread_badge_count(user) -> int:
    """The person's capped unread count, counted once per request (the badge and the home
    page's work list show the same number); kept on the user object the request carries."""
    if "_unread_badge_count" not in user.__dict__:
        user.__dict__["_unread_badge_count"] = Notification.objects.visible_to(user).unread().capped_count()
    return user.__dict__["_unread_badge_count"]


class NotificationQuerySet(models.QuerySet):
    def visible_to(self, user) -> NotificationQuerySet:
        """A person sees only their own notifications; anyone else's id is a 404."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)

    def capped_count(self, cap: int = BADGE_CAP) -> int:
        """min(count, cap): the badge's number, from at most `cap` index entries."""
        return self.order_by().values("pk")[:cap].count()

    def email_overdue(self) -> NotificationQuerySet:
        return self.filter(email_status=Notification.EmailStatus.PENDING, created_at__lt=timezone.now() - RESEND_AFTER)

    def mark_read(self) -> int:
        return self.unread().update(read_at=timezone.now())


class Notification(models.Model):
    """One notification for one person: the inbox row, and the outbox of its email.

    The row exists before any email is attempted; `email_status` records what was done,
    so the task and the periodic job can both run for it and still send once.
    """

    class EmailStatus(models.TextChoices):
        NOT_WANTED = "not_wanted", _("Not wanted")
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=80)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    target_id = models.BigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    target_url = models.CharField(_("link"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    context = models.JSONField(_("context"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_status = models.CharField(
        _("email status"), max_length=12, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0)
    email_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox"),
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notification_unread"),
            models.Index(fields=["created_at"], condition=Q(email_status="pending"), name="notification_email_pending"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self) -> str:
        return reverse("notifications:open", args=[self.public_id])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def icon(self) -> str:
        try:
            return kinds.get(self.kind).icon
        except kinds.UnknownKind:
            return "bi-bell"

    @property
    def language(self) -> str:
        return self.recipient.preferred_language or settings.LANGUAGE_CODE

    def template_context(self) -> dict:
        """What the kind's templates see: the caller's context, then the fields every kind has.

        Rows store parameters, not text in the language of whoever caused them (which once
        put "17个月22天" inside an English sentence): the child's age is rendered from the
        child, as of the day the notification was made; labels and names from the target or
        from the `_zh`/`_en` pairs the row stores, all in the reader's language. Rows written
        before this stored text; their migrations turned it into the same parameters, and
        what is left of it is only the fallback for a target that cannot be found."""
        context = dict(self.context)
        patient = self._patient()
        if patient is not None and patient.date_of_birth:
            day = timezone.localdate(self.created_at)
            context["patient_age"] = lazy(lambda: patient.age_display(day), str)()
        # Choice labels and bilingual names: rendered from the target, in the reader's language.
        target = self._target()
        if target is not None:
            for key, field in _RERENDERED:
                if any(f.name == field for f in target._meta.concrete_fields):
                    context[key] = _lazy_label(target, field)
        # Parameters stored in both languages: the reader's.
        for key in [key for key in context if key.endswith("_zh")]:
            name = key.removesuffix("_zh")
            if f"{name}_en" in context:
                context[name] = _in_reader_language(context[key], context[f"{name}_en"])
        return {
            **context,
            "recipient_name": self.recipient.display_name,
            "actor_name": self.actor.display_name if self.actor else "",
            "url": absolute_url(self.get_absolute_url()),
            "preferences_url": absolute_url(reverse("notifications:preferences")),
        }

    def _target(self):
        try:
            return self.target
        except AttributeError:
            return None

    def _patient(self):
        try:
            return _patient_of(self.target)
        except AttributeError:
            return None

    def subject(self) -> str:
        """The inbox line: the email subject, in the recipient's language, rendered now."""
        try:
            return render_subject(self.kind, self.template_context(), self.language)
        except TemplateDoesNotExist:
            # A kind whose app was removed: the inbox still opens.
            try:
                return str(kinds.get(self.kind).label)
            except kinds.UnknownKind:
                return self.kind

    def mark_read(self) -> None:
        if self.read_at is None:
            self.read_at = timezone.now()
            # An UPDATE of one column, not save(): a worker may be writing the email fields
            # of this row at the same moment.
            Notification.objects.filter(pk=self.pk, read_at__isnull=True).update(read_at=self.read_at)

    @classmethod
    def send_email(cls, notification_id: int) -> bool:
        """Send this notification's email unless it was already sent; True if sent now.

        The task and the periodic job may run at the same time for the same row (a retry
        overlapping the resend job, or a message delivered twice). The row lock makes the
        second wait until the first commits; it then reads `sent` and returns. The lock is
        held while talking to the mail server on purpose. If the commit itself fails after
        the server accepted the message, the row stays pending and the email goes out twice:
        at-least-once, never lost.
        """
        error: Exception | None = None
        with transaction.atomic():
            notification = (
                cls.objects.select_for_update(of=("self",))
                .select_related("recipient", "actor")
                .filter(pk=notification_id)
                .first()
            )
            if notification is None or notification.email_status != cls.EmailStatus.PENDING:
                return False
            if not notification.recipient.email or not notification.recipient.is_active:
                notification.email_status = cls.EmailStatus.NOT_WANTED
                notification.save(update_fields=["email_status"])
                return False
            notification.email_attempts += 1
            try:
                notification._deliver()
            except Exception as exc:  # noqa: BLE001 - recorded on the row, raised again below for the retry
                error = exc
                notification.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
                if notification.email_attempts >= MAX_EMAIL_ATTEMPTS:
                    notification.email_status = cls.EmailStatus.FAILED
            else:
                notification.email_status = cls.EmailStatus.SENT
                notification.email_sent_at = timezone.now()
                notification.last_error = ""
            notification.save(update_fields=["email_status", "email_attempts", "email_sent_at", "last_error"])
        # Raised outside the atomic block so the attempt and its error are committed.
        if error is not None:
            raise error
        return True

    def _deliver(self) -> None:
        subject, text, html = render_email(self.kind, self.template_context(), self.language)
        message = EmailMultiAlternatives(subject=subject, body=text, to=[self.recipient.email])
        message.attach_alternative(html, "text/html")
        message.send()

    @classmethod
    def resend_unsent(cls) -> int:
        """Send what is still pending after RESEND_AFTER; return how many went out."""
        ids = list(cls.objects.email_overdue().order_by("created_at").values_list("pk", flat=True)[:RESEND_BATCH_SIZE])
        sent = 0
        for notification_id in ids:
            try:
                sent += cls.send_email(notification_id)
            except Exception:
                # One bad address must not hold up the rest; the error is on the row.
                logger.warning("Email for notification %s failed again", notification_id, exc_info=True)
        return sent


class NotificationPreferenceQuerySet(models.QuerySet):
    def email_choices(self, user) -> dict[str, bool]:
        """Every registered kind → whether `user` wants its email (on unless turned off)."""
        stored = dict(self.filter(user=user).values_list("kind", "email_enabled"))
        return {kind.key: stored.get(kind.key, True) for kind in kinds.optional_kinds()}

    def email_refused(self, user_ids: list[int], kind: str) -> set[int]:
        if kinds.get(kind).always_email:
            return set()
        return set(self.filter(user_id__in=user_ids, kind=kind, email_enabled=False).values_list("user_id", flat=True))

    def save_choices(self, user, choices: dict[str, bool]) -> None:
        known = {kind.key for kind in kinds.optional_kinds()}
        rows = [
            NotificationPreference(user=user, kind=key, email_enabled=enabled)
            for key, enabled in choices.items()
            if key in known
        ]
        self.bulk_create(
            rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["email_enabled", "updated_at"]
        )


class NotificationPreference(models.Model):
    """A person's choice for one kind. No row means the default: email on."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
        verbose_name=_("user"),
    )
    kind = models.CharField(_("kind"), max_length=80)
    email_enabled = models.BooleanField(_("email me"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = NotificationPreferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email_enabled}"
