from __future__ import annotations

import ipaddress
from datetime import date, datetime, time, timedelta

import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cloudpeds.accounts.roles import Role
from cloudpeds.core.middleware import mark_patient_data


def can_audit(user) -> bool:
    """Group administrators oversee the whole group, so they read every access event.

    Superusers too: the navigation offers them every section, and the admin already
    shows them the raw (read-only) rows.
    """
    return user.is_authenticated and (user.is_superuser or user.has_role(Role.GROUP_ADMIN))


def _day_start(day: date) -> datetime:
    # Dates typed in a filter are the group's days (Asia/Shanghai), not UTC days.
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


class AccessEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> AccessEventQuerySet:
        return self if can_audit(user) else self.none()

    def for_patient(self, patient) -> AccessEventQuerySet:
        return self.filter(patient=patient)

    def by_user(self, user) -> AccessEventQuerySet:
        return self.filter(user=user)

    def between(self, start: date | None = None, end: date | None = None) -> AccessEventQuerySet:
        """Events from the start of `start` to the end of `end` (both inclusive, local days).

        A half-open range on `at` rather than `at__date`, so that the (patient, -at) and
        (user, -at) indexes still serve the query.
        """
        qs = self
        if start is not None:
            qs = qs.filter(at__gte=_day_start(start))
        if end is not None and end < date.max:
            qs = qs.filter(at__lt=_day_start(end + timedelta(days=1)))
        return qs

    def with_people(self) -> AccessEventQuerySet:
        """Everything an audit row shows, in the same query (constant query count)."""
        return self.select_related("user__hospital", "patient__hospital")


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

    @property
    def object_label(self) -> str:
        """The kind of object read, in words ("Patient", "Attachment"), from its model."""
        try:
            model = apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return self.object_type
        return capfirst(model._meta.verbose_name)


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from.

    X-Forwarded-For is trusted only when settings.AUDIT_TRUST_X_FORWARDED_FOR says a reverse
    proxy of ours sets it (True for one proxy, or the number of proxies in front). Then the
    address our outermost proxy appended is used, counted from the right: the left-hand
    entries are whatever the client chose to send and would let anyone forge the audit trail.
    An address that does not parse is ignored rather than breaking the page (the column is
    an inet).
    """
    proxies = int(getattr(settings, "AUDIT_TRUST_X_FORWARDED_FOR", False))
    if proxies > 0:
        hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            forwarded = _valid_ip(hops[-proxies])
            if forwarded:
                return forwarded
    return _valid_ip(request.META.get("REMOTE_ADDR", ""))


def log_access(request: HttpRequest, patient, action: str, obj: models.Model | None = None) -> AccessEvent:
    """Record that request.user read patient data. Call it from every view that shows,
    downloads, prints or exports anything of a patient's. The response is then never
    stored by the browser (Cache-Control: no-store, SecurityHeadersMiddleware)."""
    mark_patient_data(request)
    target = obj if obj is not None else patient
    event = AccessEvent(
        user=request.user,
        patient=patient,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(getattr(target, "public_id", target.pk)),
        path=request.get_full_path()[:300],
        ip_address=client_ip(request),
    )
    save_without_waiting_for_disk(event)
    return event


def save_without_waiting_for_disk(event: models.Model) -> None:
    """INSERT the row; outside a transaction, commit it without waiting for the WAL flush.

    A page that only reads would otherwise pay a commit with an fsync (~1 ms, more under
    load) for its audit row alone. Inside the caller's transaction the row simply commits
    with it (and `SET LOCAL` must not change how the caller's own writes commit). Outside
    one, the row is committed with `synchronous_commit = off` for that transaction only:
    it is visible to everyone at once and written to disk by the WAL writer within
    wal_writer_delay (200 ms); only a crash of PostgreSQL itself in that instant could lose
    it, never half of it, and never a clinical write (those commit synchronously as ever).
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        event.save(force_insert=True)
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        event.save(force_insert=True)


class AccountEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> AccountEventQuerySet:
        return self if can_audit(user) else self.none()

    def concerning(self, person) -> AccountEventQuerySet:
        """What was done to `person`'s account, and what `person` did to others'."""
        return self.filter(models.Q(subject=person) | models.Q(actor=person))

    def with_people(self) -> AccountEventQuerySet:
        return self.select_related("actor", "subject")


class AccountEvent(models.Model):
    """An administrator changed someone's powers or password: who, whose, what, when, from where.

    Append-only like the access log (a trigger refuses updates and deletes): the record of
    who made whom a superuser, or set whose password, must outlive the accounts' own history.
    """

    class Action(models.TextChoices):
        PASSWORD_SET = "password_set", _("Set the password")
        PASSWORD_DISABLED = "password_disabled", _("Disabled password sign-in")
        SUPERUSER_GRANTED = "superuser_granted", _("Made superuser")
        SUPERUSER_REVOKED = "superuser_revoked", _("Superuser removed")
        STAFF_GRANTED = "staff_granted", _("Gave access to the administration site")
        STAFF_REVOKED = "staff_revoked", _("Removed access to the administration site")
        ROLE_GRANTED = "role_granted", _("Gave a role")
        ROLE_REMOVED = "role_removed", _("Removed a role")
        PERMISSIONS_CHANGED = "permissions_changed", _("Changed individual permissions")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("account")
    )
    action = models.CharField(_("action"), max_length=30, choices=Action.choices)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AccountEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("account event")
        verbose_name_plural = _("account events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["subject", "-at"], name="account_event_subject"),
            models.Index(fields=["actor", "-at"], name="account_event_actor"),
        ]
        triggers = [
            pgtrigger.Protect(name="account_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.subject} {self.at:%Y-%m-%d %H:%M}"

    @property
    def detail_label(self) -> str:
        """The role's name in words for a role event, else the detail as recorded."""
        if self.action in (self.Action.ROLE_GRANTED, self.Action.ROLE_REMOVED) and self.detail in Role.values:
            return str(Role(self.detail).label)
        return self.detail


def log_account_change(request: HttpRequest, subject, action: str, detail: str = "") -> AccountEvent:
    """Record that request.user changed `subject`'s powers or password (the admin calls it).

    The security log gets the same change, so that the audit administrator sees every
    grant of rights in one place."""
    SecurityEvent.objects.create(
        kind=SecurityEvent.Kind.ACCOUNT_CHANGED,
        user=request.user,
        username=subject.username,
        detail=f"{action} {detail}".strip()[:300],
        path=request.get_full_path()[:300],
        ip_address=client_ip(request),
    )
    return AccountEvent.objects.create(
        actor=request.user,
        subject=subject,
        action=action,
        detail=detail[:200],
        path=request.get_full_path()[:300],
        ip_address=client_ip(request),
    )


# --- Security log -------------------------------------------------------------------------


def reads_security_log(user) -> bool:
    """The audit administrator (审计管理员) and the security administrator (安全管理员) read the
    security log; the system administrators (group administrators, superusers), who grant
    rights, do not: separation of duties (等保 2.0 三级)."""
    return user.is_authenticated and user.has_role(Role.AUDIT_ADMIN, Role.SECURITY_ADMIN)


def exports_security_log(user) -> bool:
    return user.is_authenticated and user.has_role(Role.AUDIT_ADMIN)


class SecurityEventQuerySet(models.QuerySet):
    def visible_to(self, user) -> SecurityEventQuerySet:
        return self if reads_security_log(user) else self.none()

    def between(self, start: date | None = None, end: date | None = None) -> SecurityEventQuerySet:
        return AccessEventQuerySet.between(self, start, end)

    def with_people(self) -> SecurityEventQuerySet:
        return self.select_related("user")


class SecurityEvent(models.Model):
    """A security-relevant event: sign-ins (and failed ones), lock-outs, two-factor changes,
    password resets and changes, role and permission changes, admin actions, exports.

    Distinct from the access log (reads of patient data). Append-only (a trigger refuses
    updates and deletes); rows are kept for good, which meets the ≥ 6 months of the
    security-log retention class.
    """

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Failed sign-in")
        LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
        SIGN_OUT = "sign_out", _("Signed out")
        TWO_FACTOR_ADDED = "2fa_added", _("Two-factor added")
        TWO_FACTOR_REMOVED = "2fa_removed", _("Two-factor removed")
        TWO_FACTOR_RESET = "2fa_reset", _("Recovery codes regenerated")
        TWO_FACTOR_FAILED = "2fa_failed", _("Wrong two-factor code")
        PASSWORD_RESET = "password_reset", _("Password reset")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        ACCOUNT_CHANGED = "account_changed", _("Role, permission or password changed by an administrator")
        ADMIN_ACTION = "admin_action", _("Administration site action")
        EXPORT = "export", _("Data exported")

    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # What was typed at the sign-in form (a failed sign-in may name no account).
    username = models.CharField(_("username"), max_length=150, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    retention_class = models.CharField(_("retention class"), max_length=30, default="security_log", editable=False)

    objects = SecurityEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["kind", "-at"], name="security_event_kind"),
            models.Index(fields=["username", "-at"], name="security_event_username"),
        ]
        triggers = [
            pgtrigger.Protect(name="security_event_append_only", operation=pgtrigger.Update | pgtrigger.Delete),
        ]

    def __str__(self) -> str:
        return f"{self.username or self.user} {self.kind} {self.at:%Y-%m-%d %H:%M}"


def log_security(
    request: HttpRequest | None, kind: str, *, user=None, username: str = "", detail: str = ""
) -> SecurityEvent:
    """Write one security event. `user` defaults to the request's signed-in person."""
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or getattr(user, "username", ""))[:150],
        detail=str(detail)[:300],
        path=request.get_full_path()[:300] if request is not None else "",
        ip_address=client_ip(request) if request is not None else None,
    )
