"""/audit/patients/<uuid>/: who looked at this child's record."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.forms.forms import NON_FIELD_ERRORS
from django.utils import timezone

from cloudpeds.audit.models import AccessEvent
from tests.factories import AccessEventFactory, UserFactory

from .conftest import shanghai

pytestmark = pytest.mark.django_db


def _url(patient) -> str:
    return f"/audit/patients/{patient.public_id}/"


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_group_administrator_sees_who_looked_at_the_record(auditor_client, child, doctor, specialist):
    AccessEventFactory(patient=child, user=doctor, ip_address="192.0.2.10", at=shanghai(2025, 3, 10, 9, 15))
    AccessEventFactory(
        patient=child, user=specialist, action="download", ip_address="192.0.2.20", at=shanghai(2025, 3, 11, 14, 0)
    )
    AccessEventFactory(ip_address="192.0.2.99")  # another child's record

    response = auditor_client.get(_url(child))

    assert response.status_code == 200
    body = response.content.decode()
    assert list(response.context["page_obj"]) == list(AccessEvent.objects.for_patient(child))
    assert [event.ip_address for event in response.context["page_obj"]] == ["192.0.2.20", "192.0.2.10"]
    assert "王小明" in body and "YP-0001" in body
    assert doctor.display_name in body and "Yangpu District Central Hospital" in body
    assert specialist.display_name in body and "Xinhua Hospital" in body
    assert "Downloaded" in body and "Viewed" in body
    assert "2025-03-11 14:00:00" in body  # shown in Shanghai time
    assert "192.0.2.99" not in body
    assert f'href="/audit/users/{doctor.public_id}/"' in body


def test_looking_at_the_audit_is_not_itself_an_access_event(auditor_client, child):
    AccessEventFactory(patient=child)

    auditor_client.get(_url(child))
    auditor_client.get(_url(child), {"format": "csv"})

    assert AccessEvent.objects.count() == 1


def test_the_date_filter_covers_whole_days_in_shanghai(auditor_client, child, doctor):
    # Each event's address says where it falls; UTC dates differ from Shanghai dates for all of them.
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.1", at=shanghai(2025, 3, 9, 23, 59))
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.2", at=shanghai(2025, 3, 10, 0, 30))
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.3", at=shanghai(2025, 3, 11, 23, 30))
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.4", at=shanghai(2025, 3, 12, 0, 10))

    both = auditor_client.get(_url(child), {"date_from": "2025-03-10", "date_to": "2025-03-11"})
    only_from = auditor_client.get(_url(child), {"date_from": "2025-03-12"})
    only_to = auditor_client.get(_url(child), {"date_to": "2025-03-09"})

    assert [e.ip_address for e in both.context["page_obj"]] == ["10.0.0.3", "10.0.0.2"]
    assert [e.ip_address for e in only_from.context["page_obj"]] == ["10.0.0.4"]
    assert [e.ip_address for e in only_to.context["page_obj"]] == ["10.0.0.1"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2025-13-45"}, "date_from", "Enter a valid date."),
        ({"date_to": "yesterday"}, "date_to", "Enter a valid date."),
        ({"date_from": "0001-01-01"}, "date_from", "Enter a date on or after 2000-01-01."),
        ({"date_to": "9999-12-31"}, None, None),  # far future is fine (no overflow)
        (
            {"date_from": "2025-03-12", "date_to": "2025-03-10"},
            NON_FIELD_ERRORS,
            "The start date is after the end date.",
        ),
    ],
)
def test_bad_dates_are_explained_not_a_server_error(auditor_client, child, params, field, message):
    AccessEventFactory(patient=child, ip_address="10.0.0.1")

    page = auditor_client.get(_url(child), params)
    export = auditor_client.get(_url(child), {**params, "format": "csv"})

    if message is None:
        assert page.status_code == 200
        assert export.status_code == 200
        return
    assert page.status_code == 400
    assert page.context["form"].errors[field] == [message]
    assert message in page.content.decode()
    assert "10.0.0.1" not in page.content.decode()
    assert export.status_code == 400  # no export of a filter the auditor did not mean
    assert export["Content-Type"].startswith("text/html")


def test_the_csv_export_streams_every_matching_event_with_a_bom(auditor_client, child, doctor):
    doctor.last_name, doctor.first_name = "张", "伟"
    doctor.save()
    AccessEventFactory.create_batch(54, patient=child, user=doctor, at=shanghai(2025, 3, 10, 8, 0))
    AccessEventFactory(
        patient=child, user=doctor, action="print", ip_address="192.0.2.7", at=shanghai(2025, 3, 10, 23, 45, 5)
    )
    AccessEventFactory(patient=child, user=doctor, at=shanghai(2025, 3, 11, 0, 5))  # outside the filter

    response = auditor_client.get(_url(child), {"date_from": "2025-03-10", "date_to": "2025-03-10", "format": "csv"})

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="access-audit-patient-YP-0001-{today}.csv"'
    rows = _csv_rows(response)
    assert rows[0][:4] == ["Time (Asia/Shanghai)", "User", "Username", "User's hospital"]
    assert len(rows) == 1 + 55  # all of them, not one page of 50
    assert rows[1] == [
        "2025-03-10 23:45:05",
        "张伟",
        "doc",
        "Yangpu District Central Hospital",
        "Printed",
        "Patient",
        str(child.public_id),
        "192.0.2.7",
        f"/patients/{child.public_id}/",
    ]


def test_the_csv_export_follows_the_reader_s_language(auditor, auditor_client, child, doctor):
    auditor.preferred_language = "zh-hans"
    auditor.save()
    AccessEventFactory(patient=child, user=doctor)

    rows = _csv_rows(auditor_client.get(_url(child), {"format": "csv"}))

    assert rows[1][3] == "杨浦区中心医院"


def test_the_csv_export_neutralises_spreadsheet_formulas(auditor_client, child, yangpu):
    prankster = UserFactory(username="prank", hospital=yangpu, last_name="=HYPERLINK(", first_name='"x")')
    AccessEventFactory(patient=child, user=prankster)

    rows = _csv_rows(auditor_client.get(_url(child), {"format": "csv"}))

    assert rows[1][1] == '\'=HYPERLINK("x")'


def test_events_are_paginated_fifty_to_a_page_keeping_the_filter(auditor_client, child, doctor):
    AccessEventFactory.create_batch(60, patient=child, user=doctor, at=shanghai(2025, 3, 10, 8, 0))

    first = auditor_client.get(_url(child), {"date_from": "2025-03-10"})
    second = auditor_client.get(_url(child), {"date_from": "2025-03-10", "page": 2})
    beyond = auditor_client.get(_url(child), {"page": "999"})

    assert len(first.context["page_obj"]) == 50
    assert "?date_from=2025-03-10&amp;page=2" in first.content.decode()
    assert "60 access events" in first.content.decode()
    assert len(second.context["page_obj"]) == 10
    assert beyond.status_code == 200
    assert beyond.context["page_obj"].number == 2


def test_the_page_makes_the_same_number_of_queries_for_5_and_200_events(auditor_client, child, count_queries, yangpu):
    users = UserFactory.create_batch(5, hospital=yangpu)
    for user in users:
        AccessEventFactory(patient=child, user=user)
    with_5 = count_queries(auditor_client, _url(child))

    for i in range(195):
        AccessEventFactory(patient=child, user=users[i % 5] if i % 2 else UserFactory(hospital=yangpu))
    with_200 = count_queries(auditor_client, _url(child))

    assert AccessEvent.objects.for_patient(child).count() == 200
    assert with_5 == with_200


def test_a_doctor_is_refused(client, doctor, child):
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.1")
    client.force_login(doctor)

    response = client.get(_url(child))

    assert response.status_code == 403
    assert "10.0.0.1" not in response.content.decode()


def test_a_transfer_administrator_is_refused(login_2fa, transfer_admin, child):
    client = login_2fa(transfer_admin)

    assert client.get(_url(child)).status_code == 403
    assert client.get(_url(child), {"format": "csv"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, child):
    response = client.get(_url(child))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_url(child)}"


def test_post_is_not_allowed(auditor_client, child):
    response = auditor_client.post(_url(child), {"date_from": "2025-03-10"})

    assert response.status_code == 405
    assert not AccessEvent.objects.exists()


def test_an_unknown_patient_is_404(auditor_client):
    assert auditor_client.get(f"/audit/patients/{uuid.uuid4()}/").status_code == 404
    assert auditor_client.get("/audit/patients/not-a-uuid/").status_code == 404
