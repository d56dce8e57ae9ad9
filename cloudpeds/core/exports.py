"""CSV exports for the whole portal: one writer, one formula-injection policy.

Every download of a table (audit events, metrics, training progress) goes through
`csv_response()`, so that all of them:

- start with a byte-order mark: Excel as installed in Chinese hospitals reads a CSV without
  one as GBK and garbles Chinese;
- neutralise cells that a spreadsheet would run as a formula (OWASP "CSV injection"): names,
  hospitals and notes are typed by people, so a leading = + - @ tab or carriage return gets a
  quote in front. Numbers are written as numbers (a negative figure stays a number);
- stream, so that years of rows never sit in memory, in the language of the request that
  asked (the body is produced after the view has returned);
- are never cached (`no-store`) and carry a file name safe for any download folder.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """csv.writer writes into this and gets the formatted line back."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value: object) -> str | int | float | Decimal:
    """One cell: numbers as they are, dates in ISO form (local time), text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(value) else str(value)
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM
    yield writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


def safe_filename(name: str) -> str:
    """Keep letters (Chinese too), digits, "-", "_" and "."; anything else becomes "_"."""
    cleaned = re.sub(r"[^\w.-]+", "_", name).strip("._")
    return cleaned or "export"


def csv_response(filename: str, header: Sequence[object], rows: Iterable[Sequence[object]]) -> StreamingHttpResponse:
    """A streamed CSV download. `filename` without ".csv"; it is made safe here."""
    language = translation.get_language()

    def translated() -> Iterator[str]:
        with translation.override(language):
            yield from csv_lines(header, rows)

    response = StreamingHttpResponse(translated(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{safe_filename(filename)}.csv")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
