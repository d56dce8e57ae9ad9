"""Receivers that write the security log (SecurityEvent).

Signals here, against the house rule of no logic in signals, because these events happen
inside Django and allauth (sign-in, failed sign-in, two-factor, password reset, the admin's
own LogEntry): their signals are the only place the portal hears of them. Each receiver only
writes one log row.
"""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.admin.models import LogEntry
from django.contrib.auth import signals as auth_signals
from django.db.models.signals import post_save
from django.dispatch import receiver

from .models import SecurityEvent, log_security

Kind = SecurityEvent.Kind


@receiver(auth_signals.user_logged_in)
def _signed_in(sender, request, user, **kwargs) -> None:
    log_security(request, Kind.SIGN_IN, user=user)


@receiver(auth_signals.user_logged_out)
def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        log_security(request, Kind.SIGN_OUT, user=user)


@receiver(auth_signals.user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str(credentials.get("username") or credentials.get("email") or "")
    log_security(request, Kind.SIGN_IN_FAILED, user=None, username=username)


@receiver(mfa_signals.authenticator_added)
def _two_factor_added(sender, request, user, authenticator, **kwargs) -> None:
    log_security(request, Kind.TWO_FACTOR_ADDED, user=user, detail=authenticator.type)


@receiver(mfa_signals.authenticator_removed)
def _two_factor_removed(sender, request, user, authenticator, **kwargs) -> None:
    log_security(request, Kind.TWO_FACTOR_REMOVED, user=user, detail=authenticator.type)


@receiver(mfa_signals.authenticator_reset)
def _two_factor_reset(sender, request, user, authenticator, **kwargs) -> None:
    log_security(request, Kind.TWO_FACTOR_RESET, user=user, detail=authenticator.type)


@receiver(mfa_signals.authentication_failed)
def _two_factor_failed(sender, request, user, **kwargs) -> None:
    log_security(request, Kind.TWO_FACTOR_FAILED, user=user)


@receiver(account_signals.password_reset)
def _password_reset(sender, request, user, **kwargs) -> None:
    log_security(request, Kind.PASSWORD_RESET, user=user)


@receiver(account_signals.password_changed)
def _password_changed(sender, request, user, **kwargs) -> None:
    log_security(request, Kind.PASSWORD_CHANGED, user=user)


@receiver(post_save, sender=LogEntry)
def _admin_action(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if created:
        action = {1: "add", 2: "change", 3: "delete"}.get(instance.action_flag, str(instance.action_flag))
        detail = f"{action} {instance.content_type.app_label}.{instance.content_type.model} {instance.object_id}"
        log_security(None, Kind.ADMIN_ACTION, user=instance.user, detail=f"{detail}: {instance.object_repr}")
