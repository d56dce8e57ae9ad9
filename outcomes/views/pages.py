"""The outcomes pages: a hospital's month (with the twelve months before it as charts and a
table), its CSV and its printable PDF. Aggregates only: no child is named anywhere."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from cloudpeds.accounts.access import requires
from cloudpeds.accounts.models import Hospital
from cloudpeds.core.exports import csv_response
from cloudpeds.core.pdf import render_pdf
from cloudpeds.core.rollups import FIGURES_CACHE_SECONDS, LazyChart
from cloudpeds.core.rollups import generation as rollup_generation

from ..figures import Month, cohorts, hospital_months, triage_by_topic
from ..forms import MonthForm
from ..models import can_see_outcomes, hospitals_visible_to, sees_whole_group

_NOTHING = "—"
# The figures change when the roll-ups are rebuilt (every 15 minutes) and, for the current
# month, with today's live rows: the figures of a hospital and month are cached for five
# minutes under the roll-up generation (`cloudpeds.core.rollups.generation`, drawn anew by
# every rebuild), and the rendered figures block of the page (hospital.html's `{% cache %}`)
# likewise, per language too (for FIGURES_FIGURES_CACHE_SECONDS).


@dataclass(frozen=True)
class Row:
    key: str
    label: object
    value: Callable[[Month], float | int | None]
    kind: str  # "count", "share" (fraction of 1), "hours", "number"

    def text(self, month: Month) -> str:
        value = self.value(month)
        if value is None:
            return _NOTHING
        if self.kind == "share":
            return f"{number_format(round(value * 100, 1), 1)}%"
        if self.kind in ("hours", "number"):
            return number_format(round(value, 1), 1)
        return str(value)

    def chart_value(self, month: Month) -> float | int | None:
        value = self.value(month)
        if value is None:
            return None
        return round(value * 100, 1) if self.kind == "share" else round(value, 2)


SECTIONS: list[tuple[str, object, list[Row]]] = [
    (
        "level",
        gettext_lazy("Is care staying at the right level?"),
        [
            Row("consultations", gettext_lazy("Consultations sent"), lambda m: m.consultations["submitted"], "count"),
            Row("managed_locally", gettext_lazy("Answered “manage locally”"), lambda m: m.managed_locally, "share"),
            Row(
                "closed_locally",
                gettext_lazy("Closed as managed locally"),
                lambda m: m.consultations["closed_managed_locally"],
                "count",
            ),
            Row(
                "became_referrals",
                gettext_lazy("Consultations that became up-referrals"),
                lambda m: m.up["from_consultation"],
                "count",
            ),
            Row("up_referrals", gettext_lazy("Up-referrals sent"), lambda m: m.up["submitted"], "count"),
            Row(
                "came_back_down",
                gettext_lazy("Arrived up-referrals that came back down"),
                lambda m: m.came_back_down,
                "share",
            ),
            Row("loop_closed", gettext_lazy("Referral loops closed"), lambda m: m.loop_closed, "share"),
            Row(
                "follow_ups_done",
                gettext_lazy("Follow-up items done (of done or lapsed)"),
                lambda m: m.follow_ups_done,
                "share",
            ),
            Row(
                "follow_ups_lapsed",
                gettext_lazy("Follow-up items lapsed"),
                lambda m: m.down["follow_ups_lapsed"],
                "count",
            ),
            Row(
                "answer_median",
                gettext_lazy("Time to answer, median (hours)"),
                lambda m: m.answer_median_hours,
                "hours",
            ),
            Row(
                "answer_p90",
                gettext_lazy("Time to answer, 90th percentile (hours)"),
                lambda m: m.answer_p90_hours,
                "hours",
            ),
            Row("within_target", gettext_lazy("Answered within target"), lambda m: m.within_target, "share"),
            Row(
                "transfer_median",
                gettext_lazy("Time to transfer, median (hours)"),
                lambda m: m.transfer_median_hours,
                "hours",
            ),
        ],
    ),
    (
        "doctors",
        gettext_lazy("Are grassroots doctors getting better?"),
        [
            Row("enrolled", gettext_lazy("Course enrolments"), lambda m: m.training["enrolled"], "count"),
            Row("completed", gettext_lazy("Courses completed"), lambda m: m.training["completed"], "count"),
            Row("pass_rate", gettext_lazy("Exam pass rate"), lambda m: m.pass_rate, "share"),
            Row(
                "per_doctor",
                gettext_lazy("Consultations per grassroots doctor"),
                lambda m: m.consultations_per_doctor,
                "number",
            ),
            Row("managed_locally_2", gettext_lazy("Answered “manage locally”"), lambda m: m.managed_locally, "share"),
            Row("info_requested", gettext_lazy("Needed an information request"), lambda m: m.info_requested, "share"),
            Row(
                "topic_consultations",
                gettext_lazy("Consultations on a handbook topic"),
                lambda m: m.topics["consultations"],
                "count",
            ),
            Row(
                "after_course",
                gettext_lazy("Of those, asked after the doctor completed the course on the topic"),
                lambda m: m.after_course,
                "share",
            ),
        ],
    ),
    (
        "handbook",
        gettext_lazy("Is the handbook used and does it help?"),
        [
            Row("triage_runs", gettext_lazy("Handbook triage runs"), lambda m: m.triage["runs"], "count"),
            Row(
                "triage_consultations",
                gettext_lazy("Runs that ended in a consultation"),
                lambda m: m.triage["to_consultation"],
                "count",
            ),
            Row(
                "triage_referrals",
                gettext_lazy("Runs that ended in a referral"),
                lambda m: m.triage["to_referral"],
                "count",
            ),
            Row(
                "triage_agreed",
                gettext_lazy("Specialist's answer agreed with the triage colour"),
                lambda m: m.triage_agreed,
                "share",
            ),
        ],
    ),
]

# The charts: (id, title, rows drawn as lines, in percent or counts).
CHARTS = [
    ("chart-level", gettext_lazy("Care at the right level (%)"), ["managed_locally", "loop_closed", "within_target"]),
    (
        "chart-doctors",
        gettext_lazy("Training beside consultations (%)"),
        ["pass_rate", "managed_locally", "info_requested", "after_course"],
    ),
    (
        "chart-handbook",
        gettext_lazy("Handbook triage (runs, handovers)"),
        ["triage_runs", "triage_consultations", "triage_referrals"],
    ),
]


def _rows() -> dict[str, Row]:
    return {row.key: row for _key, _title, rows in SECTIONS for row in rows}


def _hospital(request: HttpRequest, code: str) -> Hospital:
    return get_object_or_404(hospitals_visible_to(request.user), code=code)


def _key(name: str, hospital: Hospital, month: date) -> str:
    return f"{name}:{hospital.pk}:{month:%Y-%m}:{rollup_generation()}"


def _months(hospital: Hospital, month: date) -> list[Month]:
    key = _key("outcomes", hospital, month)
    months = cache.get(key)
    if months is None:
        months = hospital_months(hospital, month)
        cache.set(key, months, FIGURES_CACHE_SECONDS)
    return months


def _tables(hospital: Hospital, month: date) -> tuple[list, list]:
    """§2 by cohort over the twelve months, §3 by topic and colour in the month."""
    key = _key("outcomes-tables", hospital, month)
    tables = cache.get(key)
    if tables is None:
        tables = (cohorts(hospital, month), triage_by_topic(hospital, month))
        cache.set(key, tables, FIGURES_CACHE_SECONDS)
    return tables


def _sections(months: list[Month]) -> list:
    current = months[-1]
    return [
        (key, title, [(row.label, row.text(current)) for row in section_rows]) for key, title, section_rows in SECTIONS
    ]


def _trend(months: list[Month]) -> list:
    return [
        (title, [(row.label, [row.text(m) for m in months]) for row in section_rows])
        for _key, title, section_rows in SECTIONS
    ]


def _chart(months: list[Month]) -> dict:
    rows = _rows()
    return {
        "labels": [f"{m.month:%Y-%m}" for m in months],
        "charts": {
            chart_id: [
                {"label": str(rows[key].label), "values": [rows[key].chart_value(m) for m in months]} for key in keys
            ]
            for chart_id, _title, keys in CHARTS
        },
    }


def _context(request: HttpRequest, hospital: Hospital) -> dict:
    """The page's context. The figures are lazy: when the rendered figures block is in the
    cache (hospital.html), nothing computes or even fetches them."""
    form = MonthForm(request.GET or None)
    month = form.chosen_month()
    months = SimpleLazyObject(lambda: _months(hospital, month))
    tables = SimpleLazyObject(lambda: _tables(hospital, month))
    return {
        "form": form,
        "hospital": hospital,
        "month": month,
        "generation": rollup_generation(),
        "cache_seconds": FIGURES_CACHE_SECONDS,
        "sections": SimpleLazyObject(lambda: _sections(months)),
        "trend_labels": SimpleLazyObject(lambda: [f"{m.month:%Y-%m}" for m in months]),
        "trend": SimpleLazyObject(lambda: _trend(months)),
        "charts": [(chart_id, title) for chart_id, title, _keys in CHARTS],
        "chart": LazyChart(lambda: _chart(months)),
        "months_data": months,
        "cohorts": SimpleLazyObject(lambda: tables[0]),
        "topics": SimpleLazyObject(lambda: tables[1]),
    }


@requires(can_see_outcomes)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    hospitals = list(hospitals_visible_to(request.user))
    if not sees_whole_group(request.user) and len(hospitals) == 1:
        return redirect("outcomes:hospital", code=hospitals[0].code)
    return render(request, "outcomes/index.html", {"hospitals": hospitals})


@requires(can_see_outcomes)
@require_GET
def hospital_page(request: HttpRequest, code: str) -> HttpResponse:
    hospital = _hospital(request, code)
    context = _context(request, hospital)
    query = request.GET.copy()
    query["month"] = f"{context['month']:%Y-%m}"
    context["query"] = query.urlencode()
    return render(request, "outcomes/hospital.html", context)


@requires(can_see_outcomes)
@require_GET
def hospital_csv(request: HttpRequest, code: str) -> HttpResponse:
    hospital = _hospital(request, code)
    form = MonthForm(request.GET or None)
    months = _months(hospital, form.chosen_month())

    def lines():
        for _key, title, section_rows in SECTIONS:
            for row in section_rows:
                yield [str(title), str(row.label), *["" if row.text(m) == _NOTHING else row.text(m) for m in months]]

    return csv_response(
        f"outcomes-{hospital.code}-{months[-1].month:%Y-%m}",
        [_("Section"), _("Figure"), *[f"{m.month:%Y-%m}" for m in months]],
        lines(),
    )


@requires(can_see_outcomes)
@require_GET
def hospital_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The printable monthly report, rendered synchronously: a few tables of figures from
    the roll-ups, about as fast as a page (no stored file, nothing of a child in it)."""
    hospital = _hospital(request, code)
    context = _context(request, hospital)
    context["language"] = get_language()
    pdf = render_pdf("pdf/outcomes_report.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="outcomes-{hospital.code}-{context["month"]:%Y-%m}.pdf"'
    return response
