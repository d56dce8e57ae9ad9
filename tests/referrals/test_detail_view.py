"""referrals:detail — the referral page, for each side."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cloudpeds.audit.models import AccessEvent

pytestmark = pytest.mark.django_db


def _url(referral) -> str:
    return reverse("referrals:detail", args=[referral.public_id])


def test_the_sending_doctor_sees_the_request_and_can_cancel(client, doctor, referral):
    client.force_login(doctor)
    response = client.get(_url(referral))
    body = response.content.decode()
    assert response.status_code == 200
    assert referral.patient.name in body and "J18.9" in body and "青霉素过敏" in body
    assert response.context["cancel_form"] is not None
    assert response.context["approve_form"] is None
    event = AccessEvent.objects.get(user=doctor)
    assert (event.patient, event.object_type) == (referral.patient, "referrals.referral")


def test_the_receiving_admin_sees_the_decision_forms(client, transfer_admin, referral):
    client.force_login(transfer_admin)
    response = client.get(_url(referral))
    assert response.status_code == 200
    assert 'data-testid="decide"' in response.content.decode()
    assert response.context["cancel_form"] is None


def test_the_receiving_department_doctor_sees_it(client, specialist, referral):
    client.force_login(specialist)
    response = client.get(_url(referral))
    assert response.status_code == 200
    assert response.context["approve_form"] is None


def test_another_hospital_gets_404(client, outsider, baoshan_admin, referral):
    for person in (outsider, baoshan_admin):
        client.force_login(person)
        assert client.get(_url(referral)).status_code == 404


def test_no_clinical_role_gets_403(client, xinhua_outsider_role, referral):
    client.force_login(xinhua_outsider_role)
    assert client.get(_url(referral)).status_code == 403


def test_wrong_method(client, doctor, referral):
    client.force_login(doctor)
    assert client.post(_url(referral)).status_code == 405


def test_withdrawn_consent_ends_the_receiving_sides_view(client, doctor, transfer_admin, referral):
    referral.patient.withdraw_consent(withdrawn_by=doctor)
    client.force_login(transfer_admin)
    assert client.get(_url(referral)).status_code == 404
    client.force_login(doctor)
    assert client.get(_url(referral)).status_code == 200


def test_the_down_referral_page_shows_the_plan(client, doctor, down_referral):
    client.force_login(doctor)
    response = client.get(_url(down_referral))
    body = response.content.decode()
    assert "门诊复查" in body and "肺炎好转出院" in body
    assert response.context["can_acknowledge"] is True


def test_the_decision_is_one_tap_from_the_top_for_the_receiving_admin(client, transfer_admin, doctor, referral):
    client.force_login(transfer_admin)
    body = client.get(_url(referral)).content.decode()
    bar = body.index('data-testid="jump-to-action"')
    assert bar < body.index('id="request-heading"')  # above the record
    assert 'href="#decide-heading"' in body[bar : bar + 400]

    client.force_login(doctor)
    assert 'data-testid="jump-to-action"' not in client.get(_url(referral)).content.decode()


def test_the_referral_comes_with_the_rows_its_page_shows(rf, transfer_admin, approved, django_assert_num_queries):
    """visible_referral loads the hospitals, departments and people apart from the referral
    (a fifteen-table join was slow to plan): reading them afterwards costs no query."""
    from referrals.views.common import visible_referral

    request = rf.get(_url(approved))
    request.user = transfer_admin
    referral = visible_referral(request, approved.public_id)
    with django_assert_num_queries(0):
        shown = (
            referral.patient.hospital.name,
            referral.sending_hospital.name,
            referral.receiving_hospital.name,
            referral.receiving_department.name,
            referral.requested_by.display_name,
            referral.decided_by.display_name,
            referral.diagnosis.code,
            referral.arrival_confirmed_by,
            referral.up_referral,
        )
    assert shown == (
        approved.patient.hospital.name,
        approved.sending_hospital.name,
        approved.receiving_hospital.name,
        approved.receiving_department.name,
        approved.requested_by.display_name,
        transfer_admin.display_name,
        approved.diagnosis.code,
        None,
        None,
    )


def test_the_status_badge_shows_the_status(client, transfer_admin, approved):
    client.force_login(transfer_admin)
    body = client.get(_url(approved)).content.decode()
    assert 'class="badge text-bg-success" data-testid="status"><i class="bi bi-calendar-check"' in body
