from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessEventQuerySet(models.QuerySet):
    def for_patient(self, patient) -> AccessEventQuerySet:
        return self.filter(patient=patient)

    def by_user(self, user) -> AccessEventQuerySet:
        return self.filter(user=user)


class AccessEvent(models.Model):
    """One read of patient data: who, which child, which object, what, when, from where.

    Append-only: a database trigger refuses updates and deletes, so not even a bug in
    the portal (or the admin) can rewrite who looked at a child's record.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded")
        PRINT = "print", _("Printed")
        EXPORT = "export", _("Exported")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object"), max_length=64, blank=True)
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["patient", "-at"], name="access_patient_recent"),
            models.Index(fields=["user", "-at"], name="access_user_recent"),
        ]
        triggers = [
            pgtrigger.Protect(name="access_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.object_type} {self.at:%Y-%m-%d %H:%M}"


def client_ip(request: HttpRequest) -> str | None:
    # Behind the proxy in production the first X-Forwarded-For hop is the client.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "") if not settings.DEBUG else ""
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or None


def log_access(request: HttpRequest, patient, action: str, obj: models.Model | None = None) -> AccessEvent:
    """Record that request.user read patient data. Call it from every view that shows,
    downloads, prints or exports anything of a patient's."""
    target = obj if obj is not None else patient
    return AccessEvent.objects.create(
        user=request.user,
        patient=patient,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(getattr(target, "public_id", target.pk)),
        path=request.get_full_path()[:300],
        ip_address=client_ip(request),
    )
