"""Who may see and change a child's record: the registering hospital, plus live care-team
grants; other hospitals get 404 on every URL, other roles 403."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.audit.models import AccessEvent
from cloudpeds.patients.models import CareTeamGrant, Consent, GrowthMeasurement, Patient

from .conftest import make_user


def _urls(patient) -> dict[str, tuple[str, str]]:
    base = f"/patients/{patient.public_id}"
    return {
        "detail": ("get", f"{base}/"),
        "edit": ("get", f"{base}/edit/"),
        "edit-post": ("post", f"{base}/edit/"),
        "measurement": ("post", f"{base}/measurements/"),
        "consent": ("post", f"{base}/consent/"),
        "withdraw": ("post", f"{base}/consent/withdraw/"),
    }


MEASUREMENT = {"measured_on": "2024-01-10", "weight_kg": "15.2"}


def _request(client, method: str, url: str):
    data = MEASUREMENT if url.endswith("measurements/") else {"given_by": "王芳", "relation": "mother"}
    return client.get(url) if method == "get" else client.post(url, data)


def _snapshot(patient) -> tuple:
    patient.refresh_from_db()
    return (
        patient.name,
        patient.updated_at,
        GrowthMeasurement.objects.count(),
        Consent.objects.count(),
        Consent.objects.filter(withdrawn_at__isnull=False).count(),
    )


@pytest.mark.parametrize("page", ["detail", "edit", "edit-post", "measurement", "consent", "withdraw"])
def test_another_hospitals_doctor_gets_404_and_changes_nothing(client, patient, outsider, page) -> None:
    client.force_login(outsider)
    before = _snapshot(patient)
    method, url = _urls(patient)[page]

    response = _request(client, method, url)

    assert response.status_code == 404
    assert _snapshot(patient) == before
    assert not AccessEvent.objects.exists()


def test_another_hospitals_list_does_not_show_the_child(client, patient, outsider) -> None:
    client.force_login(outsider)

    response = client.get("/patients/", {"q": "王小明"})

    assert response.status_code == 200
    assert f"/patients/{patient.public_id}/" not in response.content.decode()
    assert list(response.context["page"].object_list) == []


def test_an_unknown_record_is_404(doctor_client) -> None:
    assert doctor_client.get("/patients/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, patient) -> None:
    response = client.get(f"/patients/{patient.public_id}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_grant_opens_the_record(client, patient, outsider) -> None:
    patient.grant(user=outsider, reason="referral")
    client.force_login(outsider)

    assert client.get(f"/patients/{patient.public_id}/").status_code == 200
    listing = client.get("/patients/").content.decode()
    assert f"/patients/{patient.public_id}/" in listing
    assert "Shared with you" in listing


def test_a_hospital_grant_opens_the_record_to_everyone_there(client, patient, outsider, baoshan) -> None:
    patient.grant(hospital=baoshan, reason="transfer to Baoshan")
    client.force_login(outsider)

    assert client.get(f"/patients/{patient.public_id}/").status_code == 200


def test_a_grant_to_a_colleague_does_not_open_it_to_me(client, patient, outsider, baoshan) -> None:
    other = make_user("other.baoshan", baoshan, Role.GRASSROOTS_DOCTOR)
    patient.grant(user=other, reason="consultation")
    client.force_login(outsider)

    assert client.get(f"/patients/{patient.public_id}/").status_code == 404


def test_an_expired_grant_no_longer_works(client, patient, outsider) -> None:
    patient.grant(user=outsider, reason="consultation", until=timezone.now() - timedelta(minutes=1))
    client.force_login(outsider)

    assert client.get(f"/patients/{patient.public_id}/").status_code == 404
    assert f"/patients/{patient.public_id}/" not in client.get("/patients/").content.decode()


def test_a_grant_until_later_works_until_then(client, patient, outsider) -> None:
    patient.grant(user=outsider, reason="consultation", until=timezone.now() + timedelta(days=1))
    client.force_login(outsider)

    assert client.get(f"/patients/{patient.public_id}/").status_code == 200


def test_a_revoked_grant_no_longer_works(client, patient, outsider) -> None:
    grant = patient.grant(user=outsider, reason="consultation")
    CareTeamGrant.objects.filter(pk=grant.pk).update(revoked_at=timezone.now())
    client.force_login(outsider)

    assert client.get(f"/patients/{patient.public_id}/").status_code == 404


@pytest.mark.parametrize("page", ["edit", "edit-post", "measurement", "consent", "withdraw"])
def test_a_specialist_with_a_grant_reads_but_cannot_change(client, patient, specialist, page) -> None:
    patient.grant(user=specialist, reason="consultation")
    client.force_login(specialist)
    before = _snapshot(patient)
    method, url = _urls(patient)[page]

    response = _request(client, method, url)

    assert response.status_code == 403
    assert _snapshot(patient) == before


def test_a_specialist_with_a_grant_sees_no_edit_controls(client, patient, specialist) -> None:
    patient.grant(user=specialist, reason="consultation")
    client.force_login(specialist)

    content = client.get(f"/patients/{patient.public_id}/").content.decode()

    assert "王小明" in content
    assert f"/patients/{patient.public_id}/edit/" not in content
    assert "Add a measurement" not in content
    assert "Withdraw consent" not in content


def test_a_transfer_administrator_views_the_hospitals_patients_but_cannot_change_them(
    client, login_2fa, yangpu_transfer_admin, patient
) -> None:
    login_2fa(yangpu_transfer_admin)

    assert client.get("/patients/").status_code == 200
    assert f"/patients/{patient.public_id}/" in client.get("/patients/").content.decode()
    assert client.get(f"/patients/{patient.public_id}/").status_code == 200
    assert client.get(f"/patients/{patient.public_id}/edit/").status_code == 403
    assert client.get("/patients/new/").status_code == 403
    assert client.post(f"/patients/{patient.public_id}/measurements/", MEASUREMENT).status_code == 403
    assert not GrowthMeasurement.objects.exists()


def test_a_transfer_administrator_of_another_hospital_gets_404(client, login_2fa, transfer_admin, patient) -> None:
    login_2fa(transfer_admin)  # Xinhua

    assert client.get(f"/patients/{patient.public_id}/").status_code == 404


@pytest.mark.parametrize("role", [Role.TRAINING_MANAGER, Role.HANDBOOK_EDITOR])
def test_roles_without_clinical_work_get_403_even_at_the_same_hospital(client, patient, yangpu, role) -> None:
    user = make_user("nonclinical", yangpu, role)
    client.force_login(user)

    for method, url in [("get", "/patients/"), ("get", "/patients/new/"), *_urls(patient).values()]:
        assert _request(client, method, url).status_code == 403, url
    assert not AccessEvent.objects.exists()


def test_a_group_administrator_gets_403(client, login_2fa, group_admin, patient) -> None:
    login_2fa(group_admin)

    assert client.get("/patients/").status_code == 403
    assert client.get(f"/patients/{patient.public_id}/").status_code == 403


def test_a_user_without_a_hospital_sees_nothing(patient) -> None:
    user = make_user("nohospital", None, Role.GRASSROOTS_DOCTOR)

    assert not Patient.objects.visible_to(user).exists()


def test_visible_to_combines_own_hospital_and_grants(patient, outsider, doctor, baoshan, yangpu) -> None:
    from ..factories import PatientFactory

    own_baoshan = PatientFactory(hospital=baoshan)
    other_yangpu = PatientFactory(hospital=yangpu)
    patient.grant(user=outsider, reason="consultation")

    assert set(Patient.objects.visible_to(outsider)) == {own_baoshan, patient}
    assert set(Patient.objects.visible_to(doctor)) == {patient, other_yangpu}
