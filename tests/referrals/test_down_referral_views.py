"""The down-referral: referrals:new_down_referral, :acknowledge, :record_follow_up."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Diagnosis, Referral, Status

pytestmark = pytest.mark.django_db


def _data(yangpu, department, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "receiving_hospital": yangpu.pk,
        "receiving_department": department.pk,
        "diagnosis": Diagnosis.objects.get(code="J18.9").pk,
        "discharge_summary": "肺炎治愈出院",
        "medicines": "无",
        "follow_up-TOTAL_FORMS": "3",
        "follow_up-INITIAL_FORMS": "0",
        "follow_up-MIN_NUM_FORMS": "0",
        "follow_up-MAX_NUM_FORMS": "12",
        "follow_up-0-description": "门诊复查",
        "follow_up-0-due_on": (today + timedelta(days=7)).isoformat(),
        "follow_up-1-description": "复查血常规",
        "follow_up-1-due_on": (today + timedelta(days=30)).isoformat(),
        "follow_up-2-description": "",
        "follow_up-2-due_on": "",
    }
    data.update(overrides)
    return data


def _url(referral) -> str:
    return reverse("referrals:new_down_referral", args=[referral.public_id])


def test_form_is_prefilled_with_the_sending_hospital(client, specialist, arrived, yangpu):
    client.force_login(specialist)
    response = client.get(_url(arrived))
    assert response.status_code == 200
    assert response.context["form"].initial["receiving_hospital"] == yangpu.pk
    assert len(response.context["formset"].initial) == 2


def test_posting_discharges_and_creates_the_down_referral(client, specialist, arrived, yangpu, doctor):
    client.force_login(specialist)
    response = client.post(_url(arrived), _data(yangpu, doctor.department))
    down = Referral.objects.get(up_referral=arrived)
    assert response.status_code == 302
    assert response.url == down.get_absolute_url()
    assert down.status == Status.SENT
    assert list(down.follow_ups.values_list("description", flat=True)) == ["门诊复查", "复查血常规"]
    arrived.refresh_from_db()
    assert arrived.status == Status.DISCHARGED


def test_a_past_follow_up_date_shows_the_form(client, specialist, arrived, yangpu, doctor):
    client.force_login(specialist)
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client.post(_url(arrived), _data(yangpu, doctor.department, **{"follow_up-0-due_on": yesterday}))
    assert response.status_code == 200
    assert not Referral.objects.filter(up_referral=arrived).exists()


def test_permissions(client, doctor, transfer_admin, outsider, arrived, yangpu):
    client.force_login(doctor)
    assert client.get(_url(arrived)).status_code == 403
    client.force_login(transfer_admin)
    assert client.post(_url(arrived), _data(yangpu, doctor.department)).status_code == 403
    client.force_login(outsider)
    assert client.get(_url(arrived)).status_code == 404
    assert not Referral.objects.filter(up_referral=arrived).exists()


def test_wrong_method(client, specialist, arrived):
    client.force_login(specialist)
    assert client.delete(_url(arrived)).status_code == 405


def test_acknowledge(client, doctor, down_referral):
    client.force_login(doctor)
    response = client.post(reverse("referrals:acknowledge", args=[down_referral.public_id]))
    assert response.status_code == 302
    down_referral.refresh_from_db()
    assert (down_referral.status, down_referral.acknowledged_by) == (Status.ACKNOWLEDGED, doctor)


def test_acknowledge_permissions(client, specialist, outsider, doctor, down_referral):
    url = reverse("referrals:acknowledge", args=[down_referral.public_id])
    client.force_login(specialist)
    assert client.post(url).status_code == 403
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(doctor)
    assert client.get(url).status_code == 405


def test_record_follow_up(client, doctor, down_referral):
    down_referral.acknowledge(doctor)
    item = down_referral.follow_ups.first()
    client.force_login(doctor)
    prefix = str(item.public_id)
    response = client.post(
        reverse("referrals:record_follow_up", args=[item.public_id]),
        {f"{prefix}-outcome": "done", f"{prefix}-note": "恢复良好"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.state, item.note, item.recorded_by) == ("done", "恢复良好", doctor)


def test_record_follow_up_permissions(client, doctor, specialist, outsider, down_referral):
    down_referral.acknowledge(doctor)
    item = down_referral.follow_ups.first()
    url = reverse("referrals:record_follow_up", args=[item.public_id])
    data = {f"{item.public_id}-outcome": "done"}
    client.force_login(specialist)
    assert client.post(url, data).status_code == 403
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(doctor)
    assert client.get(url).status_code == 405
    item.refresh_from_db()
    assert item.state == "pending"
