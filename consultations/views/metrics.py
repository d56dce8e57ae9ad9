"""The consultation metrics page, for specialists and group administrators (others: 403).

Charts (Chart.js, drawn by static/js/consultations_metrics.js from a json_script block) and
tables of the same figures; `?format=csv` downloads them. The figures are sums of the daily
roll-up rows the user may count (consultations/metrics.py).

The rendered figures block (metrics.html's `{% cache %}`) is kept for FIGURES_CACHE_SECONDS per
scope (whose consultations the user counts: metrics.scope_key), filters, language and
roll-up generation (`cloudpeds.core.rollups.generation`, drawn anew by every rebuild of a
roll-up, as the outcomes page does). The figures in the context are lazy: when the block is
in the cache, nothing computes or fetches them. Today's live cases show within
FIGURES_CACHE_SECONDS, or at once when the periodic rebuild draws a new generation.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cloudpeds.accounts.access import requires
from cloudpeds.core.exports import csv_response
from cloudpeds.core.rollups import FIGURES_CACHE_SECONDS, LazyChart, without_jit
from cloudpeds.core.rollups import generation as rollup_generation

from ..forms.metrics import MetricsFilterForm
from ..metrics import Figures, Group, Metrics, MetricsFilter, chart_data, compute, scope_key
from ..models import can_see_metrics

_NOTHING = "—"


def _number(value: float | None, places: int = 1) -> str:
    return _NOTHING if value is None else number_format(round(value, places), places)


def _percent(value: float | None) -> str:
    return _NOTHING if value is None else f"{number_format(round(value * 100, 1), 1)}%"


# The columns of the tables and of the CSV file: (heading, figure as text).
COLUMNS: list[tuple[object, Callable[[Figures], str]]] = [
    (gettext_lazy("Consultations"), lambda f: str(f.total)),
    (gettext_lazy("Answered"), lambda f: str(f.answered)),
    (gettext_lazy("Median response time (hours)"), lambda f: _number(f.median_hours)),
    (gettext_lazy("90th percentile response time (hours)"), lambda f: _number(f.p90_hours)),
    (gettext_lazy("Answered within target"), lambda f: _percent(f.within_target)),
    (gettext_lazy("Managed locally"), lambda f: _percent(f.managed_locally)),
    (gettext_lazy("Closed"), lambda f: str(f.closed)),
    (gettext_lazy("Mean usefulness (1-5)"), lambda f: _number(f.usefulness_mean, 2)),
    (gettext_lazy("Advice adopted fully"), lambda f: _percent(f.adopted_fully)),
    (gettext_lazy("Advice adopted in part"), lambda f: _percent(f.adopted_partly)),
    (gettext_lazy("Advice not adopted"), lambda f: _percent(f.adopted_not)),
    (gettext_lazy("Referral avoided"), lambda f: _percent(f.referral_avoided)),
]


def _headings() -> list[str]:
    return [str(heading) for heading, _cell in COLUMNS]


def _cells(figures: Figures) -> list[str]:
    return [cell(figures) for _heading, cell in COLUMNS]


def _rows(groups: list[Group]) -> list[tuple[str, list[str]]]:
    return [(group.label, _cells(group.figures)) for group in groups]


def _filter_key(metrics_filter: MetricsFilter) -> str:
    hospital = metrics_filter.hospital.pk if metrics_filter.hospital is not None else ""
    return f"{metrics_filter.start:%Y%m%d}-{metrics_filter.end:%Y%m%d}-{hospital}-{metrics_filter.specialty}"


@requires(can_see_metrics)
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = MetricsFilterForm(request.GET or None)
    metrics_filter = form.filters()
    if request.GET.get("format") == "csv":
        return _csv_response(without_jit(compute)(user, metrics_filter))
    figures = SimpleLazyObject(lambda: without_jit(compute)(user, metrics_filter))
    csv_query = request.GET.copy()
    csv_query["format"] = "csv"
    context = {
        "form": form,
        "period": metrics_filter,
        "cache_seconds": FIGURES_CACHE_SECONDS,
        "cache_scope": scope_key(user),
        "cache_filter": _filter_key(metrics_filter),
        "generation": rollup_generation(),
        "headings": _headings(),
        "summary": SimpleLazyObject(lambda: list(zip(_headings(), _cells(figures.overall), strict=True))),
        "tables": SimpleLazyObject(
            lambda: [
                ("months", _("By month"), _("Month"), _rows(figures.by_month)),
                ("hospitals", _("By requesting hospital"), _("Hospital"), _rows(figures.by_hospital)),
                ("specialties", _("By specialty"), _("Specialty"), _rows(figures.by_specialty)),
            ]
        ),
        "chart": LazyChart(lambda: chart_data(figures)),
        "csv_query": csv_query.urlencode(),
    }
    return render(request, "consultations/metrics.html", context)


def _csv_response(figures: Metrics) -> HttpResponse:
    period = f"{figures.filter.start:%Y%m%d}-{figures.filter.end:%Y%m%d}"

    def row(group: str, name: str, cells: list[str]) -> list[str]:
        return [group, name, *["" if cell == _NOTHING else cell for cell in cells]]

    def rows():
        yield row(_("All"), f"{figures.filter.start:%Y-%m-%d} ~ {figures.filter.end:%Y-%m-%d}", _cells(figures.overall))
        for group_name, groups in (
            (_("Month"), figures.by_month),
            (_("Hospital"), figures.by_hospital),
            (_("Specialty"), figures.by_specialty),
        ):
            for label, cells in _rows(groups):
                yield row(group_name, label, cells)

    return csv_response(f"consultation-metrics-{period}", [_("Group"), _("Name"), *_headings()], rows())
