"""CSV exports of the audit pages, streamed so that years of events never sit in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from cloudpeds.core.exports import csv_response

from .models import AccessEvent, AccessEventQuerySet, SecurityEventQuerySet


def _when(event: AccessEvent) -> str:
    return timezone.localtime(event.at, timezone.get_default_timezone()).strftime("%Y-%m-%d %H:%M:%S")


def _hospital_name(obj) -> str:
    return obj.hospital.name if obj.hospital_id else ""


def _patient_columns() -> list[str]:
    return [_("User"), _("Username"), _("User's hospital")]


def _patient_row(event: AccessEvent) -> list[object]:
    return [event.user.display_name, event.user.username, _hospital_name(event.user)]


def _user_columns() -> list[str]:
    return [_("Patient"), _("Medical record number"), _("Registering hospital")]


def _user_row(event: AccessEvent) -> list[object]:
    return [event.patient.name, event.patient.record_number, _hospital_name(event.patient)]


def _rows(events: AccessEventQuerySet, who: Callable[[AccessEvent], list]) -> Iterator[list[object]]:
    for event in events.iterator(chunk_size=2000):
        yield [
            _when(event),
            *who(event),
            event.get_action_display(),
            event.object_label,
            event.object_id,
            event.ip_address,
            event.path,
        ]


def _header(who_columns: list[str]) -> list[str]:
    return [
        _("Time (Asia/Shanghai)"),
        *who_columns,
        _("Action"),
        _("Object type"),
        _("Object"),
        _("IP address"),
        _("Page"),
    ]


def _filename(kind: str, who: str) -> str:
    # The name is shown by the browser and saved to disk: keep letters, digits, "-", "_" and ".".
    return f"access-audit-{kind}-{who}-{_today()}"


def _today() -> str:
    return timezone.localdate(timezone=timezone.get_default_timezone()).strftime("%Y%m%d")


def patient_events_csv(events: AccessEventQuerySet, patient) -> StreamingHttpResponse:
    return csv_response(
        _filename("patient", patient.record_number), _header(_patient_columns()), _rows(events, _patient_row)
    )


def user_events_csv(events: AccessEventQuerySet, user) -> StreamingHttpResponse:
    return csv_response(_filename("user", user.username), _header(_user_columns()), _rows(events, _user_row))


def security_events_csv(events: SecurityEventQuerySet) -> StreamingHttpResponse:
    header = [_("Time (Asia/Shanghai)"), _("Event"), _("Username"), _("Name"), _("Detail"), _("IP address"), _("Page")]
    rows = (
        [
            _when(event),
            event.get_kind_display(),
            event.username,
            event.user.display_name if event.user_id else "",
            event.detail,
            event.ip_address,
            event.path,
        ]
        for event in events.iterator(chunk_size=2000)
    )
    return csv_response(f"security-log-{_today()}", header, rows)
