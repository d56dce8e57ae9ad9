"""/audit/users/<uuid>/: what this member of staff looked at."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.forms.forms import NON_FIELD_ERRORS
from django.utils import timezone

from cloudpeds.audit.models import AccessEvent
from tests.factories import AccessEventFactory, PatientFactory

from .conftest import shanghai

pytestmark = pytest.mark.django_db


def _url(user) -> str:
    return f"/audit/users/{user.public_id}/"


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_a_group_administrator_sees_what_a_user_looked_at(auditor_client, specialist, child, baoshan):
    other_child = PatientFactory(hospital=baoshan, name="赵小丽", record_number="BS-0009")
    AccessEventFactory(patient=child, user=specialist, ip_address="192.0.2.10", at=shanghai(2025, 3, 10, 9, 15))
    AccessEventFactory(
        patient=other_child, user=specialist, action="export", ip_address="192.0.2.20", at=shanghai(2025, 3, 11, 8, 0)
    )
    AccessEventFactory(patient=child, ip_address="192.0.2.99")  # someone else's read

    response = auditor_client.get(_url(specialist))

    assert response.status_code == 200
    body = response.content.decode()
    assert [event.ip_address for event in response.context["page_obj"]] == ["192.0.2.20", "192.0.2.10"]
    assert specialist.display_name in body and "spec" in body
    assert "王小明" in body and "YP-0001" in body and "Yangpu District Central Hospital" in body
    assert "赵小丽" in body and "BS-0009" in body and "Baoshan District Central Hospital" in body
    assert "Exported" in body
    assert "2025-03-11 08:00:00" in body
    assert "192.0.2.99" not in body
    assert f'href="/audit/patients/{child.public_id}/"' in body


def test_the_date_filter_covers_whole_days_in_shanghai(auditor_client, doctor, child):
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.1", at=shanghai(2025, 3, 9, 23, 59))
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.2", at=shanghai(2025, 3, 10, 0, 0))
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.3", at=shanghai(2025, 3, 10, 23, 59, 59))
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.4", at=shanghai(2025, 3, 11, 0, 0))

    response = auditor_client.get(_url(doctor), {"date_from": "2025-03-10", "date_to": "2025-03-10"})

    assert [e.ip_address for e in response.context["page_obj"]] == ["10.0.0.3", "10.0.0.2"]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_from": "2025-02-30"}, "date_from", "Enter a valid date."),
        (
            {"date_from": "2025-03-12", "date_to": "2025-03-10"},
            NON_FIELD_ERRORS,
            "The start date is after the end date.",
        ),
    ],
)
def test_bad_dates_are_explained_not_a_server_error(auditor_client, doctor, child, params, field, message):
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.1")

    page = auditor_client.get(_url(doctor), params)
    export = auditor_client.get(_url(doctor), {**params, "format": "csv"})

    assert page.status_code == 400
    assert page.context["form"].errors[field] == [message]
    assert message in page.content.decode()
    assert "10.0.0.1" not in page.content.decode()
    assert export.status_code == 400


def test_the_csv_export_streams_every_matching_event_with_a_bom(auditor_client, doctor, child):
    AccessEventFactory.create_batch(52, patient=child, user=doctor, at=shanghai(2025, 3, 10, 8, 0))
    AccessEventFactory(patient=child, user=doctor, ip_address="192.0.2.7", at=shanghai(2025, 3, 11, 7, 30))
    AccessEventFactory(patient=child, user=doctor, at=shanghai(2025, 3, 9, 23, 0))  # before the filter
    AccessEventFactory(patient=child, ip_address="192.0.2.99")  # another user's

    response = auditor_client.get(_url(doctor), {"date_from": "2025-03-10", "format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="access-audit-user-doc-{today}.csv"'
    rows = _csv_rows(response)
    assert rows[0][:4] == ["Time (Asia/Shanghai)", "Patient", "Medical record number", "Registering hospital"]
    assert len(rows) == 1 + 53
    assert rows[1] == [
        "2025-03-11 07:30:00",
        "王小明",
        "YP-0001",
        "Yangpu District Central Hospital",
        "Viewed",
        "Patient",
        str(child.public_id),
        "192.0.2.7",
        f"/patients/{child.public_id}/",
    ]
    assert AccessEvent.objects.count() == 55  # the export of audit data logs no access event


def test_events_are_paginated_fifty_to_a_page(auditor_client, doctor, child):
    AccessEventFactory.create_batch(51, patient=child, user=doctor)

    first = auditor_client.get(_url(doctor))
    second = auditor_client.get(_url(doctor), {"page": 2})

    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 1


def test_the_page_makes_the_same_number_of_queries_for_5_and_200_events(auditor_client, doctor, yangpu, count_queries):
    children = PatientFactory.create_batch(5, hospital=yangpu)
    for patient in children:
        AccessEventFactory(patient=patient, user=doctor)
    with_5 = count_queries(auditor_client, _url(doctor))

    more_children = [*children, *PatientFactory.create_batch(20, hospital=yangpu)]
    for i in range(195):
        AccessEventFactory(patient=more_children[i % len(more_children)], user=doctor)
    with_200 = count_queries(auditor_client, _url(doctor))

    assert AccessEvent.objects.by_user(doctor).count() == 200
    assert with_5 == with_200


def test_a_user_who_read_nothing_has_an_empty_page(auditor_client, outsider):
    response = auditor_client.get(_url(outsider))

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 0
    assert "This user read no patient data in this period." in response.content.decode()


def test_a_doctor_is_refused_even_for_their_own_trail(client, doctor, child):
    AccessEventFactory(patient=child, user=doctor, ip_address="10.0.0.1")
    client.force_login(doctor)

    response = client.get(_url(doctor))

    assert response.status_code == 403
    assert "10.0.0.1" not in response.content.decode()


def test_a_transfer_administrator_is_refused(login_2fa, transfer_admin, doctor):
    client = login_2fa(transfer_admin)

    assert client.get(_url(doctor)).status_code == 403
    assert client.get(_url(doctor), {"format": "csv"}).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, doctor):
    response = client.get(_url(doctor))

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={_url(doctor)}"


def test_post_is_not_allowed(auditor_client, doctor):
    response = auditor_client.post(_url(doctor))

    assert response.status_code == 405
    assert not AccessEvent.objects.exists()


def test_an_unknown_user_is_404(auditor_client):
    assert auditor_client.get(f"/audit/users/{uuid.uuid4()}/").status_code == 404
    assert auditor_client.get("/audit/users/12/").status_code == 404
