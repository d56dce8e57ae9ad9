"""The administrators' views: referrals:queue, :approve, :reject, :request_info, :redirect, :capacity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import BedReservation, BedState, Status

from .conftest import in_english

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def _window() -> dict:
    now = timezone.localtime()
    return {"window_start": now.strftime(LOCAL), "window_end": (now + timedelta(hours=4)).strftime(LOCAL)}


def _post(client, name: str, referral, data=None):
    return client.post(reverse(f"referrals:{name}", args=[referral.public_id]), data or {})


# --- queue ---------------------------------------------------------------------------------------


def test_queue_lists_emergencies_first_then_oldest(client, transfer_admin, doctor, respiratory):
    from tests.factories import PatientFactory

    from .conftest import make_request

    routine = make_request(
        doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory, urgency="routine"
    )
    emergency = make_request(
        doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory, urgency="emergency"
    )
    urgent = make_request(
        doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory, urgency="urgent"
    )
    client.force_login(transfer_admin)
    response = client.get(reverse("referrals:queue"))
    assert response.status_code == 200
    assert list(response.context["incoming"].object_list) == [emergency, urgent, routine]


def test_queue_htmx_refresh_returns_the_lists(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    response = client.get(reverse("referrals:queue"), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert 'id="queue-lists"' in response.content.decode()
    assert "<html" not in response.content.decode()


def test_queue_shows_only_the_admins_hospital(client, yangpu_admin, referral):
    client.force_login(yangpu_admin)
    response = client.get(reverse("referrals:queue"))
    assert list(response.context["incoming"].object_list) == []


def test_queue_refused_to_doctors_and_post(client, doctor, transfer_admin):
    client.force_login(doctor)
    assert client.get(reverse("referrals:queue")).status_code == 403
    client.force_login(transfer_admin)
    assert client.post(reverse("referrals:queue")).status_code == 405


# --- approve -------------------------------------------------------------------------------------


def test_approve(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    response = _post(client, "approve", referral, {**_window(), "note": "急诊入院"})
    assert response.status_code == 302
    assert response.url == reverse("referrals:queue")
    referral.refresh_from_db()
    assert referral.status == Status.APPROVED
    assert BedReservation.objects.active().filter(referral=referral).count() == 1


def test_approve_with_a_bad_window_shows_the_form(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    now = timezone.localtime()
    response = _post(
        client, "approve", referral, {"window_start": now.strftime(LOCAL), "window_end": now.strftime(LOCAL)}
    )
    assert response.status_code == 200
    assert "window_end" in response.context["approve_form"].errors
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_approve_with_no_free_bed_is_refused_clearly(client, transfer_admin, referral, respiratory):
    BedState(department=respiratory).set_occupied(transfer_admin, respiratory.bed_count)
    client.force_login(in_english(transfer_admin))
    response = _post(client, "approve", referral, _window())
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("No free bed" in message for message in messages)
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_approve_permissions(client, doctor, specialist, baoshan_admin, referral):
    client.force_login(doctor)
    assert _post(client, "approve", referral, _window()).status_code == 403
    client.force_login(specialist)
    assert _post(client, "approve", referral, _window()).status_code == 403
    client.force_login(baoshan_admin)
    assert _post(client, "approve", referral, _window()).status_code == 404
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_approve_after_a_colleague_decided_explains(client, transfer_admin, approved):
    client.force_login(transfer_admin)
    response = _post(client, "approve", approved, _window())
    assert response.status_code == 302
    assert response.url == approved.get_absolute_url()
    assert BedReservation.objects.count() == 1


def test_approve_wrong_method(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    assert client.get(reverse("referrals:approve", args=[referral.public_id])).status_code == 405


# --- reject, ask for information, redirect -----------------------------------------------------------


def test_reject(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    response = _post(client, "reject", referral, {"reason": "outside_service", "comment": "非本科范围"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.reject_reason) == (Status.REJECTED, "outside_service")


def test_reject_other_without_comment_shows_the_form(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    response = _post(client, "reject", referral, {"reason": "other"})
    assert response.status_code == 200
    assert "comment" in response.context["reject_form"].errors


def test_reject_permissions(client, doctor, outsider, referral):
    client.force_login(doctor)
    assert _post(client, "reject", referral, {"reason": "duplicate"}).status_code == 403
    client.force_login(outsider)
    assert _post(client, "reject", referral, {"reason": "duplicate"}).status_code == 404
    assert client.get(reverse("referrals:reject", args=[referral.public_id])).status_code == 405


def test_request_info(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    response = _post(client, "request_info", referral, {"question": "血气分析结果？"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.info_question) == (Status.INFO_REQUESTED, "血气分析结果？")


def test_request_info_permissions(client, doctor, outsider, referral):
    client.force_login(doctor)
    assert _post(client, "request_info", referral, {"question": "?"}).status_code == 403
    client.force_login(outsider)
    assert _post(client, "request_info", referral, {"question": "?"}).status_code == 404


def test_redirect(client, transfer_admin, referral, picu):
    client.force_login(transfer_admin)
    response = _post(client, "redirect", referral, {"department": picu.pk, "note": "需监护"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.receiving_department == picu


def test_redirect_to_an_unknown_department_shows_the_form(client, transfer_admin, referral, respiratory):
    client.force_login(transfer_admin)
    response = _post(client, "redirect", referral, {"department": respiratory.pk})
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.receiving_department == respiratory


def test_redirect_permissions(client, doctor, baoshan_admin, referral, picu):
    client.force_login(doctor)
    assert _post(client, "redirect", referral, {"department": picu.pk}).status_code == 403
    client.force_login(baoshan_admin)
    assert _post(client, "redirect", referral, {"department": picu.pk}).status_code == 404


# --- beds ------------------------------------------------------------------------------------------


def test_capacity_page_shows_free_beds(client, transfer_admin, approved, respiratory):
    client.force_login(transfer_admin)
    response = client.get(reverse("referrals:capacity"))
    assert response.status_code == 200
    row = next(d for d in response.context["departments"] if d.pk == respiratory.pk)
    assert (row.bed_count, row.occupied, row.reserved, row.free) == (10, 0, 1, 9)


def test_capacity_census_update(client, transfer_admin, respiratory):
    client.force_login(in_english(transfer_admin))
    response = client.post(reverse("referrals:capacity"), {"department": respiratory.pk, "occupied": 7})
    assert response.status_code == 302
    assert BedState.objects.get(department=respiratory).occupied == 7
    response = client.post(
        reverse("referrals:capacity"), {"department": respiratory.pk, "occupied": 99}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "between 0 and 10" in response.content.decode()
    assert BedState.objects.get(department=respiratory).occupied == 7


def test_capacity_of_another_hospitals_department_is_a_404(client, yangpu_admin, respiratory):
    client.force_login(yangpu_admin)
    response = client.post(reverse("referrals:capacity"), {"department": respiratory.pk, "occupied": 1})
    assert response.status_code == 404
    assert not BedState.objects.filter(department=respiratory).exists()


def test_capacity_refused_to_doctors_and_wrong_method(client, doctor, transfer_admin):
    client.force_login(doctor)
    assert client.get(reverse("referrals:capacity")).status_code == 403
    client.force_login(transfer_admin)
    assert client.put(reverse("referrals:capacity")).status_code == 405
