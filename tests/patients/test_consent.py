from __future__ import annotations

import pytest
from django.utils import timezone

from cloudpeds.patients.models import CareTeamGrant, Consent, ConsentRequired

from ..factories import PatientFactory


@pytest.fixture
def unconsented(doctor, yangpu):
    return PatientFactory(hospital=yangpu, registered_by=doctor, name="赵一一", consent=False)


def _record(patient) -> str:
    return f"/patients/{patient.public_id}/consent/"


def _withdraw(patient) -> str:
    return f"/patients/{patient.public_id}/consent/withdraw/"


CONSENT = {"scope": "group_sharing", "given_by": "李红", "relation": "mother"}


# --- The rule: no sharing without consent -------------------------------------------------


def test_a_record_without_consent_cannot_be_shared(unconsented, specialist, xinhua) -> None:
    with pytest.raises(ConsentRequired):
        unconsented.grant(user=specialist, reason="consultation")
    with pytest.raises(ConsentRequired):
        unconsented.grant(hospital=xinhua, reason="transfer")
    assert not CareTeamGrant.objects.exists()


def test_after_recording_consent_it_can(doctor_client, unconsented, specialist) -> None:
    doctor_client.post(_record(unconsented), CONSENT)

    grant = unconsented.grant(user=specialist, reason="consultation")

    assert grant.pk is not None


# --- Recording -----------------------------------------------------------------------------


def test_recording_consent(doctor_client, doctor, unconsented) -> None:
    before = timezone.now()

    response = doctor_client.post(_record(unconsented), CONSENT)

    assert response.status_code == 302
    assert response["Location"] == f"/patients/{unconsented.public_id}/#consent"
    consent = Consent.objects.get(patient=unconsented)
    assert (consent.given_by, consent.relation, consent.scope) == ("李红", "mother", Consent.Scope.GROUP_SHARING)
    assert consent.recorded_by == doctor
    assert consent.recorded_at >= before
    assert consent.withdrawn_at is None
    assert unconsented.has_sharing_consent()


def test_the_page_then_shows_who_gave_it(doctor_client, unconsented) -> None:
    response = doctor_client.post(_record(unconsented), CONSENT, follow=True)

    content = response.content.decode()
    assert "The guardian&#x27;s consent to share the record is recorded." in content
    assert "李红 (Mother)" in content


def test_the_guardians_name_is_required(doctor_client, unconsented) -> None:
    response = doctor_client.post(_record(unconsented), {**CONSENT, "given_by": "  "})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Consent.objects.filter(patient=unconsented).exists()


def test_a_second_active_consent_is_not_recorded(doctor_client, patient) -> None:
    response = doctor_client.post(_record(patient), CONSENT, follow=True)

    assert "Consent to share this record is already recorded." in response.content.decode()
    assert patient.consents.count() == 1


# --- Withdrawing ---------------------------------------------------------------------------


def test_withdrawing_consent(doctor_client, doctor, patient, specialist) -> None:
    response = doctor_client.post(_withdraw(patient))

    assert response.status_code == 302
    consent = patient.consents.get()
    assert consent.withdrawn_at is not None
    assert consent.withdrawn_by == doctor
    assert not patient.has_sharing_consent()
    with pytest.raises(ConsentRequired):
        patient.grant(user=specialist, reason="consultation")


def test_withdrawing_ends_live_shares(client, doctor_client, doctor, patient, specialist, baoshan) -> None:
    by_user = patient.grant(user=specialist, reason="consultation")
    by_hospital = patient.grant(hospital=baoshan, reason="transfer")

    response = doctor_client.post(_withdraw(patient), follow=True)

    assert "2 existing shares have ended." in response.content.decode()
    for grant in (by_user, by_hospital):
        grant.refresh_from_db()
        assert grant.revoked_at is not None
        assert grant.revoked_by == doctor
    client.force_login(specialist)
    assert client.get(f"/patients/{patient.public_id}/").status_code == 404


def test_withdrawal_is_in_the_timeline(doctor_client, patient) -> None:
    doctor_client.post(_withdraw(patient))

    content = doctor_client.get(f"/patients/{patient.public_id}/").content.decode()

    assert "consent to share the record withdrawn" in content
    assert "No consent recorded" in content


def test_consent_can_be_recorded_again_after_withdrawal(doctor_client, patient) -> None:
    doctor_client.post(_withdraw(patient))
    doctor_client.post(_record(patient), {**CONSENT, "given_by": "王强", "relation": "father"})

    assert patient.consents.count() == 2
    assert patient.consents.active().get().given_by == "王强"


def test_withdrawing_without_consent_says_so(doctor_client, unconsented) -> None:
    response = doctor_client.post(_withdraw(unconsented), follow=True)

    assert "There is no active consent to withdraw." in response.content.decode()


# --- Who may -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [_record, _withdraw])
def test_another_hospital_gets_404(client, outsider, patient, url) -> None:
    client.force_login(outsider)

    assert client.post(url(patient), CONSENT).status_code == 404
    assert patient.consents.active().count() == 1


def test_a_grant_viewer_cannot_withdraw(client, specialist, patient) -> None:
    patient.grant(user=specialist, reason="consultation")
    client.force_login(specialist)

    assert client.post(_withdraw(patient)).status_code == 403
    assert patient.has_sharing_consent()


def test_a_transfer_administrator_cannot_record(client, login_2fa, yangpu_transfer_admin, unconsented) -> None:
    login_2fa(yangpu_transfer_admin)

    assert client.post(_record(unconsented), CONSENT).status_code == 403
    assert not unconsented.has_sharing_consent()


@pytest.mark.parametrize("url", [_record, _withdraw])
def test_wrong_method(doctor_client, patient, url) -> None:
    assert doctor_client.get(url(patient)).status_code == 405
    assert patient.has_sharing_consent()
