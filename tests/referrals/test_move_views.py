"""Moving and arriving: referrals:provide_info, :mark_departed, :confirm_arrival, :cancel, :discharge."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import BedState, Status

pytestmark = pytest.mark.django_db


def _post(client, name: str, referral, data=None):
    return client.post(reverse(f"referrals:{name}", args=[referral.public_id]), data or {})


def test_provide_info(client, doctor, transfer_admin, referral):
    referral.request_info(transfer_admin, "体重？")
    client.force_login(doctor)
    response = _post(client, "provide_info", referral, {"answer": "12.5 kg"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED
    assert referral.events.last().note == "12.5 kg"


def test_provide_info_empty_shows_the_form(client, doctor, transfer_admin, referral):
    referral.request_info(transfer_admin, "体重？")
    client.force_login(doctor)
    response = _post(client, "provide_info", referral, {"answer": ""})
    assert response.status_code == 200
    assert "answer" in response.context["provide_info_form"].errors


def test_provide_info_permissions(client, transfer_admin, outsider, referral):
    referral.request_info(transfer_admin, "?")
    client.force_login(transfer_admin)
    assert _post(client, "provide_info", referral, {"answer": "x"}).status_code == 403
    client.force_login(outsider)
    assert _post(client, "provide_info", referral, {"answer": "x"}).status_code == 404
    assert client.get(reverse("referrals:provide_info", args=[referral.public_id])).status_code == 405


def test_mark_departed(client, doctor, approved):
    client.force_login(doctor)
    response = _post(client, "mark_departed", approved)
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == Status.DEPARTED


def test_mark_departed_permissions(client, transfer_admin, outsider, approved, referral):
    client.force_login(transfer_admin)
    assert _post(client, "mark_departed", approved).status_code == 403
    client.force_login(outsider)
    assert _post(client, "mark_departed", approved).status_code == 404
    approved.refresh_from_db()
    assert approved.status == Status.APPROVED


def test_mark_departed_twice_explains(client, doctor, departed):
    client.force_login(doctor)
    response = _post(client, "mark_departed", departed)
    assert response.status_code == 302 and response.url == departed.get_absolute_url()


def test_mark_departed_wrong_method(client, doctor, approved):
    client.force_login(doctor)
    assert client.get(reverse("referrals:mark_departed", args=[approved.public_id])).status_code == 405


def test_confirm_arrival(client, specialist, departed, respiratory):
    client.force_login(specialist)
    response = _post(client, "confirm_arrival", departed)
    assert response.status_code == 302
    departed.refresh_from_db()
    assert departed.status == Status.ARRIVED
    assert BedState.objects.get(department=respiratory).occupied == 1


def test_confirm_arrival_permissions(client, doctor, baoshan_admin, departed):
    client.force_login(doctor)
    assert _post(client, "confirm_arrival", departed).status_code == 403
    client.force_login(baoshan_admin)
    assert _post(client, "confirm_arrival", departed).status_code == 404
    assert client.get(reverse("referrals:confirm_arrival", args=[departed.public_id])).status_code == 405
    departed.refresh_from_db()
    assert departed.status == Status.DEPARTED


def test_cancel_by_either_side(client, doctor, transfer_admin, approved):
    client.force_login(transfer_admin)
    response = _post(client, "cancel", approved, {"reason": "救护车故障"})
    assert response.status_code == 302
    approved.refresh_from_db()
    assert (approved.status, approved.cancel_reason) == (Status.CANCELLED, "救护车故障")


def test_cancel_needs_a_reason(client, doctor, referral):
    client.force_login(doctor)
    response = _post(client, "cancel", referral, {"reason": ""})
    assert response.status_code == 200
    assert "reason" in response.context["cancel_form"].errors
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_cancel_permissions(client, outsider, xinhua_outsider_role, referral, arrived, doctor):
    client.force_login(outsider)
    assert _post(client, "cancel", referral, {"reason": "x"}).status_code == 404
    client.force_login(xinhua_outsider_role)
    assert _post(client, "cancel", referral, {"reason": "x"}).status_code == 403
    client.force_login(doctor)
    response = _post(client, "cancel", arrived, {"reason": "too late"})
    assert response.status_code == 302
    arrived.refresh_from_db()
    assert arrived.status == Status.ARRIVED


def test_discharge(client, specialist, arrived, respiratory):
    client.force_login(specialist)
    response = _post(client, "discharge", arrived)
    assert response.status_code == 302
    arrived.refresh_from_db()
    assert arrived.status == Status.DISCHARGED
    assert BedState.objects.get(department=respiratory).occupied == 0


def test_discharge_permissions(client, doctor, outsider, arrived):
    client.force_login(doctor)
    assert _post(client, "discharge", arrived).status_code == 403
    client.force_login(outsider)
    assert _post(client, "discharge", arrived).status_code == 404
    assert client.get(reverse("referrals:discharge", args=[arrived.public_id])).status_code == 405
