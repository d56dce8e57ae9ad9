"""The metrics page (consultations/metrics.py, views/metrics.py): exact figures on a small
known data set, filters, charts data, CSV, who may see it, and a constant query count."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from consultations import rollups
from consultations.forms.metrics import MetricsFilterForm
from consultations.metrics import MetricsFilter, compute, default_start
from consultations.models import ResponseTarget
from tests.factories import ConsultationFactory, DepartmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = reverse("consultations:metrics")
PERIOD = {"start": "2025-01-01", "end": "2025-03-31"}
Q1 = MetricsFilter(start=date(2025, 1, 1), end=date(2025, 3, 31))


def at(month: int, day: int, hour: int = 2) -> datetime:
    return datetime(2025, month, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def cases(doctor, outsider, specialist, xinhua):
    """Five answered respiratory cases with response times 1, 2, 3, 4 and 10 hours (the last
    one 12 hours after sending with 2 hours paused), one still waiting, one in cardiology,
    one draft, and one sent before the period.

    Targets: routine 48 h (default); urgent respiratory 3 h (configured), so the urgent
    4-hour answer is late and the urgent 3-hour one just in time.
    """
    ResponseTarget.objects.create(specialty="respiratory", urgency="urgent", hours=3)
    yangpu_child = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    baoshan_child = PatientFactory(hospital=outsider.hospital, registered_by=outsider)
    respiratory = specialist.department
    cardiology = DepartmentFactory(hospital=xinhua, specialty="cardiology", name_zh="心内科", name_en="Cardiology")

    def answered(child, sent, hours, *, urgency="routine", paused=0, recommendation="manage_locally", **more):
        return ConsultationFactory(
            patient=child,
            department=more.pop("department", respiratory),
            assigned_to=specialist,
            answered=True,
            urgency=urgency,
            submitted_at=sent,
            answered_at=sent + timedelta(hours=hours + paused),
            paused_total=timedelta(hours=paused),
            recommendation=recommendation,
            **more,
        )

    closed = {"status": "closed", "closed_at": at(3, 28)}
    made = [
        answered(yangpu_child, at(1, 10), 1, advice_adopted="fully", usefulness=5, referral_avoided=True, **closed),
        answered(yangpu_child, at(1, 20), 2, advice_adopted="partly", usefulness=4, referral_avoided=True, **closed),
        answered(yangpu_child, at(3, 5), 3, urgency="urgent", recommendation="refer"),
        answered(yangpu_child, at(3, 6), 4, urgency="urgent", recommendation="tests_then_reconsult"),
        answered(
            baoshan_child,
            at(3, 7),
            10,
            paused=2,
            advice_adopted="not",
            not_adopted_reason="家长拒绝",
            usefulness=3,
            referral_avoided=False,
            **closed,
        ),
        ConsultationFactory(patient=baoshan_child, department=respiratory, submitted_at=at(3, 20)),
        ConsultationFactory(patient=yangpu_child, department=cardiology, submitted_at=at(2, 2)),
        ConsultationFactory(patient=yangpu_child, department=respiratory, status="draft", submitted_at=None),
        answered(yangpu_child, datetime(2024, 12, 31, 15, 59, tzinfo=UTC), 1),  # 23:59 on 31 Dec in Shanghai
    ]
    # The figures are read from the daily roll-ups, as the periodic task leaves them.
    roll_up()
    return made


def roll_up() -> None:
    rollups.rebuild(date(2024, 12, 1), date(2025, 3, 31))


def test_the_figures_of_a_known_data_set(cases, group_admin):
    figures = compute(group_admin, Q1).overall

    assert figures.total == 7  # the 5 answered, the waiting one, the cardiology one
    assert figures.answered == 5
    assert figures.median_hours == pytest.approx(3.0)
    # percentile_cont: position 0.9 * (5 - 1) = 3.6, between 4 h and 10 h: 4 + 0.6 * 6
    assert figures.p90_hours == pytest.approx(7.6)
    assert figures.within_target == pytest.approx(4 / 5)
    assert figures.managed_locally == pytest.approx(3 / 5)
    assert figures.closed == 3
    assert figures.usefulness_mean == pytest.approx(4.0)
    assert (figures.adopted_fully, figures.adopted_partly, figures.adopted_not) == pytest.approx((1 / 3, 1 / 3, 1 / 3))
    assert figures.referral_avoided == pytest.approx(2 / 3)


def test_the_figures_by_month_hospital_and_specialty(cases, group_admin):
    metrics = compute(group_admin, Q1)

    assert [(g.label, g.figures.total) for g in metrics.by_month] == [("2025-01", 2), ("2025-02", 1), ("2025-03", 4)]
    assert metrics.by_month[0].figures.median_hours == pytest.approx(1.5)
    assert metrics.by_month[1].figures.answered == 0
    assert metrics.by_month[1].figures.median_hours is None
    hospitals = {g.key: g.figures for g in metrics.by_hospital}
    assert (hospitals["yangpu"].total, hospitals["baoshan"].total) == (5, 2)
    assert hospitals["baoshan"].median_hours == pytest.approx(10.0)
    assert hospitals["yangpu"].within_target == pytest.approx(3 / 4)
    specialties = {g.key: g.figures for g in metrics.by_specialty}
    assert (specialties["respiratory"].total, specialties["cardiology"].total) == (6, 1)
    assert specialties["cardiology"].within_target is None  # nothing answered: no share


def test_the_empty_selection_has_no_figures(group_admin):
    figures = compute(group_admin, Q1).overall

    assert (figures.total, figures.answered, figures.median_hours, figures.within_target) == (0, 0, None, None)


def test_filters_by_hospital_and_specialty(cases, group_admin, outsider, xinhua):
    baoshan = compute(group_admin, MetricsFilter(start=Q1.start, end=Q1.end, hospital=outsider.hospital)).overall
    cardiology = compute(group_admin, MetricsFilter(start=Q1.start, end=Q1.end, specialty="cardiology")).overall
    january = compute(group_admin, MetricsFilter(start=date(2025, 1, 1), end=date(2025, 1, 31))).overall
    december = compute(group_admin, MetricsFilter(start=date(2024, 12, 31), end=date(2024, 12, 31))).overall

    assert (baoshan.total, baoshan.answered, baoshan.median_hours) == (2, 1, pytest.approx(10.0))
    assert cardiology.total == 1
    assert (january.total, january.median_hours) == (2, pytest.approx(1.5))
    assert december.total == 1  # a Shanghai day, not a UTC day


def test_a_specialist_sees_the_figures_of_their_department(cases, specialist):
    figures = compute(specialist, Q1).overall

    assert figures.total == 6  # not the cardiology case
    assert figures.answered == 5


def test_the_figures_take_five_queries_whatever_the_rows(cases, group_admin, doctor, specialist):
    compute(group_admin, Q1)  # the user's roles are read once, then cached on the user
    with CaptureQueriesContext(connection) as few:
        compute(group_admin, Q1)
    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    for day in range(1, 21):
        ConsultationFactory(
            patient=child,
            department=specialist.department,
            assigned_to=specialist,
            answered=True,
            submitted_at=at(2, day),
            answered_at=at(2, day) + timedelta(hours=day),
        )
    roll_up()
    with CaptureQueriesContext(connection) as many:
        metrics = compute(group_admin, Q1)

    assert metrics.overall.total == 27
    # The roll-ups' counts, their response times, the hospitals' names (issue 17: the
    # consultations themselves are not read for days before today).
    assert len(few) == len(many) == 3


def test_todays_cases_count_before_the_roll_up_has_them(cases, specialist, doctor, group_admin):
    today = timezone.localdate()
    period = MetricsFilter(start=today.replace(day=1), end=today)
    before = compute(specialist, period).overall
    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    sent = timezone.now() - timedelta(minutes=30)
    ConsultationFactory(
        patient=child,
        department=specialist.department,
        assigned_to=specialist,
        answered=True,
        submitted_at=sent,
        answered_at=sent + timedelta(minutes=20),
    )

    with CaptureQueriesContext(connection) as queries:
        after = compute(specialist, period).overall

    assert (after.total, after.answered) == (before.total + 1, before.answered + 1)
    assert after.median_hours == pytest.approx(20 / 60)
    # Today's partial day is computed live (the roll-up's query, the targets, the departments).
    assert len(queries) == 6
    assert compute(doctor, period).overall.total == before.total + 1


def test_the_default_period_is_the_last_twelve_months():
    assert default_start(date(2025, 3, 15)) == date(2024, 4, 1)
    assert default_start(date(2025, 12, 31)) == date(2025, 1, 1)
    form = MetricsFilterForm({})
    assert form.filters(today=date(2025, 3, 15)) == MetricsFilter(start=date(2024, 4, 1), end=date(2025, 3, 15))
    assert len(form.filters(today=date(2025, 3, 15)).months()) == 12


def test_a_start_after_the_end_is_an_error_and_falls_back_to_the_default():
    form = MetricsFilterForm({"start": "2025-03-01", "end": "2025-01-01"})

    assert not form.is_valid()
    assert form.filters(today=date(2025, 3, 15)).start == date(2024, 4, 1)


# --- The page ------------------------------------------------------------------------------------


def test_a_specialist_sees_the_page_with_charts_and_tables(client, cases, specialist):
    client.force_login(specialist)

    response = client.get(URL, PERIOD)

    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="metrics-data" type="application/json"' in content
    chart = json.loads(content.split('id="metrics-data" type="application/json">')[1].split("</script>")[0])
    assert chart["months"] == {"labels": ["2025-01", "2025-02", "2025-03"], "values": [2, 0, 4]}
    assert chart["hospitals"]["values"] == [4, 2]
    assert "vendor/chartjs/chart.umd.min.js" in content
    assert "js/consultations_metrics.js" in content
    summary = dict(response.context["summary"])
    assert summary["Median response time (hours)"] == "3.0"
    assert summary["90th percentile response time (hours)"] == "7.6"
    assert summary["Answered within target"] == "80.0%"
    assert summary["Managed locally"] == "60.0%"
    assert summary["Mean usefulness (1-5)"] == "4.00"
    assert summary["Referral avoided"] == "66.7%"
    assert 'data-testid="table-hospitals"' in content
    assert "Yangpu District Central Hospital" in content


def test_the_page_has_no_inline_script_or_style(client, cases, specialist):
    client.force_login(specialist)

    content = client.get(URL, PERIOD).content.decode()

    assert "style=" not in content
    assert "<script>" not in content
    assert content.count("<script") == content.count("<script src=") + 1  # + the json_script data


def test_a_group_administrator_signs_in_with_two_factor_and_sees_everything(client, cases, group_admin, login_2fa):
    login_2fa(group_admin)

    response = client.get(URL, PERIOD)

    assert response.status_code == 200
    assert dict(response.context["summary"])["Consultations"] == "7"


def test_the_filters_apply_on_the_page(client, cases, group_admin, login_2fa, outsider):
    login_2fa(group_admin)

    response = client.get(URL, {**PERIOD, "hospital": outsider.hospital.pk, "specialty": "respiratory"})

    assert dict(response.context["summary"])["Consultations"] == "2"


def test_the_csv_has_a_byte_order_mark_and_every_table(client, cases, specialist):
    client.force_login(specialist)

    response = client.get(URL, {**PERIOD, "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="consultation-metrics-20250101-20250331.csv"'
    body = response.getvalue()
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Group", "Name", "Consultations", "Answered"]
    assert rows[1][:6] == ["All", "2025-01-01 ~ 2025-03-31", "6", "5", "3.0", "7.6"]
    assert rows[3][:6] == ["Month", "2025-02", "0", "0", "", ""]
    assert [row[1] for row in rows if row[0] == "Hospital"] == [
        "Yangpu District Central Hospital",
        "Baoshan District Central Hospital",
    ]


def test_the_csv_speaks_chinese_to_a_chinese_user(client, cases, specialist):
    specialist.preferred_language = User.Language.CHINESE
    specialist.save(update_fields=["preferred_language"])
    client.force_login(specialist)

    response = client.get(URL, {**PERIOD, "format": "csv"})

    text = response.getvalue().decode("utf-8-sig")
    assert "杨浦区中心医院" in text


def test_a_formula_in_a_hospital_name_is_defused_in_the_csv(client, cases, specialist, yangpu):
    yangpu.name_en = "=HYPERLINK(1)"
    yangpu.save()
    client.force_login(specialist)

    text = client.get(URL, {**PERIOD, "format": "csv"}).getvalue().decode("utf-8-sig")

    assert "'=HYPERLINK(1)" in text


@pytest.mark.parametrize("role", [Role.GRASSROOTS_DOCTOR, Role.TRAINING_MANAGER, Role.HANDBOOK_EDITOR])
def test_other_roles_get_403(client, xinhua, role):
    client.force_login(UserFactory(username=f"u-{role}", hospital=xinhua, roles=[role]))

    assert client.get(URL).status_code == 403
    assert client.get(URL, {"format": "csv"}).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_page_is_get_only(client, specialist):
    client.force_login(specialist)

    assert client.post(URL).status_code == 405


def test_the_page_takes_the_same_number_of_queries_for_more_consultations(client, cases, specialist, doctor):
    client.force_login(specialist)
    client.get(URL, PERIOD)
    # Both measured pages compute their figures (a rebuild draws a new roll-up generation,
    # so the figures block cached by the first request is not used): compare like with like.
    roll_up()
    with CaptureQueriesContext(connection) as few:
        client.get(URL, PERIOD)
    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    for day in range(1, 11):
        ConsultationFactory(patient=child, department=specialist.department, submitted_at=at(2, day))
    roll_up()
    with CaptureQueriesContext(connection) as many:
        response = client.get(URL, PERIOD)

    assert dict(response.context["summary"])["Consultations"] == "16"
    assert len(many) == len(few)
