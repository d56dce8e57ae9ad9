"""CSV exports of the audit pages, streamed so that years of events never sit in memory."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .models import AccessEvent, AccessEventQuerySet

# Excel (as installed in China) reads a CSV without a byte-order mark as GBK and garbles Chinese.
BOM = "\ufeff"
# A cell starting with one of these is a formula to a spreadsheet: names and addresses come from
# users, so they are neutralised (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_CHUNK = 2000


class _Echo:
    """csv.writer writes into this and gets the formatted line back."""

    def write(self, value: str) -> str:
        return value


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


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


def _stream(events: AccessEventQuerySet, who_columns: list[str], who: Callable[[AccessEvent], list]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM
    yield writer.writerow(
        [
            _("Time (Asia/Shanghai)"),
            *who_columns,
            _("Action"),
            _("Object type"),
            _("Object"),
            _("IP address"),
            _("Page"),
        ]
    )
    for event in events.iterator(chunk_size=_CHUNK):
        row: Iterable[object] = [
            _when(event),
            *who(event),
            event.get_action_display(),
            event.object_label,
            event.object_id,
            event.ip_address,
            event.path,
        ]
        yield writer.writerow([_cell(value) for value in row])


def _response(rows: Iterator[str], filename: str) -> StreamingHttpResponse:
    language = translation.get_language()

    def translated() -> Iterator[str]:
        # The body is produced after the view has returned, when the request's language
        # may no longer be active: headers, actions and hospital names follow the reader's.
        with translation.override(language):
            yield from rows

    response = StreamingHttpResponse(translated(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "no-store"
    return response


def _filename(kind: str, who: str) -> str:
    # The name is shown by the browser and saved to disk: keep letters, digits, "-", "_" and ".".
    safe = re.sub(r"[^\w.-]+", "_", who).strip("._") or "export"
    return f"access-audit-{kind}-{safe}-{_today()}.csv"


def _today() -> str:
    return timezone.localdate(timezone=timezone.get_default_timezone()).strftime("%Y%m%d")


def patient_events_csv(events: AccessEventQuerySet, patient) -> StreamingHttpResponse:
    return _response(_stream(events, _patient_columns(), _patient_row), _filename("patient", patient.record_number))


def user_events_csv(events: AccessEventQuerySet, user) -> StreamingHttpResponse:
    return _response(_stream(events, _user_columns(), _user_row), _filename("user", user.username))
