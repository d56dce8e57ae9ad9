"""`notify()`: the one way any app tells people that something happened.

Call it inside the transaction that made the change (a transition, a grant): the rows
commit or roll back with it, and emails are queued only after the commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import translation

from . import kinds
from .models import Notification, NotificationPreference
from .tasks import send_notification_email

logger = logging.getLogger(__name__)


def in_both_languages(name: str, text: Any) -> dict[str, str]:
    """A parameter that has a translation (a choice label), for a notification's context:
    stored as its two renderings, `<name>_zh` and `<name>_en`, never as the text of whoever
    caused the notification; the reader's language picks one when it is displayed."""
    with translation.override("zh-hans"):
        zh = str(text)
    with translation.override("en"):
        en = str(text)
    return {f"{name}_zh": zh, f"{name}_en": en}


def names_of(name: str, place: Any) -> dict[str, str]:
    """A hospital's or department's two names, for a notification's context."""
    return {f"{name}_zh": place.name_zh, f"{name}_en": place.name_en}


def notify(
    recipients: Iterable[Any],
    kind: str,
    obj: models.Model | None,
    *,
    actor: Any = None,
    context: dict | None = None,
    url: str | None = None,
) -> list[Notification]:
    """Write one notification per recipient and queue their emails after commit.

    `kind` must be registered (see kinds.py). `context` is JSON for the kind's templates:
    parameters, not sentences. Codes, numbers, dates and people's own words as they are;
    anything with a translation as a `_zh`/`_en` pair (`in_both_languages`, `names_of`);
    nothing the target already holds (the child's age, urgency, hospitals: rendered from it).
    `url` is where opening the notification leads, by default `obj.get_absolute_url()`.
    A recipient with no email address, or who turned this kind's email off, gets the
    inbox row only. Inactive accounts and duplicates are skipped.
    """
    kinds.get(kind)  # raises UnknownKind: kinds are registered, not free strings
    if context is not None and not isinstance(context, dict):
        raise TypeError("notify() context must be a dict of JSON values.")
    people = list({user.pk: user for user in recipients if user.is_active}.values())
    if not people:
        return []
    if url is None and obj is not None and hasattr(obj, "get_absolute_url"):
        url = obj.get_absolute_url()
    refused = NotificationPreference.objects.email_refused([user.pk for user in people], kind)
    target_type = ContentType.objects.get_for_model(obj) if obj is not None else None
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            target_type=target_type,
            target_id=obj.pk if obj is not None else None,
            target_url=url or "",
            actor=actor,
            context=context or {},
            email_status=(
                Notification.EmailStatus.PENDING
                if user.email and user.pk not in refused
                else Notification.EmailStatus.NOT_WANTED
            ),
        )
        for user in people
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows)
        pending = [row.pk for row in rows if row.email_status == Notification.EmailStatus.PENDING]
        if pending:
            # Queued after commit: a worker must find the row, and a rolled-back action
            # must not send mail about something that did not happen.
            transaction.on_commit(lambda: _queue_emails(pending))
    return rows


def _queue_emails(notification_ids: list[int]) -> None:
    for notification_id in notification_ids:
        try:
            send_notification_email.delay(notification_id)
        except Exception:
            # The broker is down (or, with no broker, sending failed in-process). The row is
            # committed and still pending: the periodic job will send it. The doctor's action
            # has already succeeded and must not fail because of mail.
            logger.exception(
                "Could not queue the email of notification %s; the resend job will send it", notification_id
            )
