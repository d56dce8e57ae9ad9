"""The administrator's queue and the lists keep their query count as referrals grow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cloudpeds.patients.models import CareTeamGrant, Consent, Patient
from referrals.models import Diagnosis, Referral, Status

pytestmark = pytest.mark.django_db

URGENCIES = ["emergency", "urgent", "routine"]


def _bulk_requests(count: int, doctor, department, offset: int = 0) -> None:
    now = timezone.now()
    patients = Patient.objects.bulk_create(
        [
            Patient(
                hospital=doctor.hospital,
                record_number=f"Q{offset + index:07d}",
                name=f"孩子{offset + index}",
                sex="male",
                date_of_birth=now.date() - timedelta(days=400 + index),
                registered_by=doctor,
            )
            for index in range(count)
        ]
    )
    Consent.objects.bulk_create(
        [Consent(patient=patient, given_by="母亲", relation="mother", recorded_by=doctor) for patient in patients]
    )
    CareTeamGrant.objects.bulk_create(
        [CareTeamGrant(patient=patient, hospital=department.hospital, reason="transfer") for patient in patients]
    )
    diagnosis = Diagnosis.objects.first()
    Referral.objects.bulk_create(
        [
            Referral(
                patient=patient,
                direction="up",
                status=Status.REQUESTED,
                sending_hospital=doctor.hospital,
                sending_department=doctor.department,
                requested_by=doctor,
                receiving_hospital=department.hospital,
                receiving_department=department,
                urgency=URGENCIES[index % 3],
                reason="needs_specialist",
                diagnosis=diagnosis,
                submitted_at=now - timedelta(minutes=index),
                created_at=now - timedelta(minutes=index),
            )
            for index, patient in enumerate(patients)
        ]
    )


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("transfer_admin", reverse("referrals:queue")),
        ("doctor", reverse("referrals:list")),
        ("transfer_admin", reverse("referrals:list") + "?box=received"),
        ("transfer_admin", reverse("referrals:capacity")),
    ],
)
def test_query_count_is_the_same_at_10_and_1000_referrals(
    request, client, doctor, respiratory, transfer_admin, user, url
):
    client.force_login(request.getfixturevalue(user))
    _bulk_requests(10, doctor, respiratory)
    client.get(url)  # warm caches (content types, sessions)
    small = _queries(client, url)
    _bulk_requests(990, doctor, respiratory, offset=10)
    large = _queries(client, url)
    assert small == large, (small, large)


def test_the_queue_shows_a_page_of_20(client, doctor, respiratory, transfer_admin):
    _bulk_requests(60, doctor, respiratory)
    client.force_login(transfer_admin)
    response = client.get(reverse("referrals:queue"))
    page = response.context["incoming"]
    assert page.paginator.count == 60 and len(page.object_list) == 20
    urgencies = [referral.urgency for referral in page.object_list]
    assert urgencies == ["emergency"] * 20
    emergencies = [referral.submitted_at for referral in page.object_list]
    assert emergencies == sorted(emergencies)  # oldest request first
    second = client.get(reverse("referrals:queue"), {"page": 2}).context["incoming"]
    assert [referral.urgency for referral in second.object_list] == ["urgent"] * 20


def test_the_arriving_list_shows_a_page_of_10(client, doctor, respiratory, transfer_admin):
    _bulk_requests(12, doctor, respiratory)
    Referral.objects.update(status=Status.APPROVED, decided_at=timezone.now())
    client.force_login(transfer_admin)
    first = client.get(reverse("referrals:queue")).context["arriving"]
    second = client.get(reverse("referrals:queue"), {"arriving": 2}).context["arriving"]
    assert first.paginator.count == 12
    assert (len(first.object_list), len(second.object_list)) == (10, 2)
    assert not {r.pk for r in first.object_list} & {r.pk for r in second.object_list}
