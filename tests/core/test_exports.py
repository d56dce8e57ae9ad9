from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import translation

from cloudpeds.core.exports import csv_cell, csv_response


def _body(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def test_text_that_a_spreadsheet_would_run_is_quoted():
    for formula in ("=HYPERLINK(1)", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert csv_cell(formula) == "'" + formula


def test_numbers_and_dates_stay_numbers_and_dates():
    assert csv_cell(-5) == -5
    assert csv_cell(Decimal("-1.5")) == Decimal("-1.5")
    assert csv_cell(None) == ""
    assert csv_cell(date(2026, 1, 2)) == "2026-01-02"
    noon_utc = datetime(2026, 1, 2, 4, 0, tzinfo=ZoneInfo("UTC"))
    assert csv_cell(noon_utc) == "2026-01-02 12:00:00"  # Asia/Shanghai


def test_response_has_bom_safe_name_and_no_store():
    response = csv_response("metrics/=evil name", ["名称", "n"], [["=1+1", 3], ["杨浦", -2]])
    body = _body(response)
    assert body.startswith("\ufeff名称,n\r\n")
    assert "'=1+1,3\r\n" in body
    assert "杨浦,-2\r\n" in body
    assert response["Content-Disposition"] == 'attachment; filename="metrics_evil_name.csv"'
    assert response["Cache-Control"] == "no-store"
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_rows_are_written_in_the_language_of_the_request():
    from django.utils.translation import gettext

    def rows():
        yield [gettext("Hospital")]

    with translation.override("zh-hans"):
        response = csv_response("x", ["h"], rows())
    # Consumed after the view returned, in another language:
    with translation.override("en"):
        body = _body(response)
    assert "医院" in body
