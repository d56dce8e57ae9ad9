"""The security log: each kind of event is written, append-only, read by the audit roles only."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.utils import ProgrammingError

from cloudpeds.accounts.roles import Role
from cloudpeds.audit.models import SecurityEvent
from tests.conftest import enroll_totp
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
Kind = SecurityEvent.Kind


@pytest.fixture
def auditor(xinhua):
    user = UserFactory(username="auditor", hospital=xinhua, roles=[Role.AUDIT_ADMIN])
    enroll_totp(user)
    return user


def _kinds() -> list[str]:
    return list(SecurityEvent.objects.order_by("pk").values_list("kind", flat=True))


def test_sign_in_and_failed_sign_in_are_logged(client, doctor):
    client.post("/accounts/login/", {"login": doctor.username, "password": "wrong-password"})
    client.post("/accounts/login/", {"login": doctor.username, "password": PASSWORD})

    events = list(SecurityEvent.objects.order_by("pk"))
    assert [event.kind for event in events] == [Kind.SIGN_IN_FAILED, Kind.SIGN_IN]
    assert events[0].username == doctor.username and events[0].ip_address == "127.0.0.1"
    assert events[1].user == doctor


def test_a_lock_out_is_logged(client, doctor, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login_failed": "2/15m/key"}
    for _ in range(3):
        client.post("/accounts/login/", {"login": doctor.username, "password": "wrong-password"})

    assert Kind.LOCKED_OUT in _kinds()


def test_role_changes_by_an_administrator_are_logged(client, group_admin, doctor, login_2fa):
    login_2fa(group_admin)
    from django.test import RequestFactory

    from cloudpeds.audit.models import log_account_change

    request = RequestFactory().post("/admin/accounts/user/")
    request.user = group_admin
    log_account_change(request, doctor, "role_granted", "specialist")

    event = SecurityEvent.objects.get(kind=Kind.ACCOUNT_CHANGED)
    assert (event.user, event.username, event.detail) == (group_admin, doctor.username, "role_granted specialist")


def test_admin_actions_and_exports_are_logged(client, auditor, login_2fa):
    login_2fa(auditor)
    response = client.get("/audit/security/?format=csv")
    b"".join(response.streaming_content)

    assert response.status_code == 200
    assert SecurityEvent.objects.filter(kind=Kind.EXPORT, user=auditor).exists()


def test_the_admin_site_writes_its_actions(client, group_admin, login_2fa, yangpu):
    login_2fa(group_admin)
    response = client.post(
        f"/admin/accounts/hospital/{yangpu.pk}/change/",
        {
            "code": yangpu.code,
            "name_zh": "杨浦区中心医院(新)",
            "name_en": yangpu.name_en,
            "district": yangpu.district,
            "level": yangpu.level,
            "departments-TOTAL_FORMS": "0",
            "departments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content[:1000]
    event = SecurityEvent.objects.get(kind=Kind.ADMIN_ACTION)
    assert event.user == group_admin and "accounts.hospital" in event.detail


def test_two_factor_changes_are_logged(client, doctor, login, django_capture_on_commit_callbacks):
    from tests.conftest import reauthenticate, totp_code

    login(doctor)
    reauthenticate(client)
    client.get("/accounts/2fa/totp/activate/")
    # allauth announces the new authenticator once the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(client.session["mfa.totp.secret"])})
    assert response.status_code == 302

    assert SecurityEvent.objects.filter(kind=Kind.TWO_FACTOR_ADDED, user=doctor).exists()


def test_the_log_is_append_only(doctor):
    event = SecurityEvent.objects.create(kind=Kind.SIGN_IN, user=doctor, username=doctor.username)
    with pytest.raises(ProgrammingError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).update(username="someone-else")
    with pytest.raises(ProgrammingError), transaction.atomic():
        SecurityEvent.objects.filter(pk=event.pk).delete()
    assert SecurityEvent.objects.get(pk=event.pk).username == doctor.username


def test_the_audit_administrator_searches_and_exports(client, auditor, doctor, login_2fa):
    SecurityEvent.objects.create(kind=Kind.SIGN_IN_FAILED, username=doctor.username)
    SecurityEvent.objects.create(kind=Kind.SIGN_IN_FAILED, username="someone")
    login_2fa(auditor)

    response = client.get("/audit/security/", {"kind": "sign_in_failed", "who": doctor.username})

    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == 1
    csv = b"".join(client.get("/audit/security/", {"format": "csv", "who": "someone"}).streaming_content)
    assert b"someone" in csv and doctor.username.encode() not in csv


@pytest.mark.parametrize("role", [Role.GROUP_ADMIN, Role.GRASSROOTS_DOCTOR])
def test_the_system_administrator_and_others_cannot_read_it(client, xinhua, role, login_2fa):
    user = UserFactory(hospital=xinhua, roles=[role], is_staff=role == Role.GROUP_ADMIN)
    enroll_totp(user)
    login_2fa(user)

    assert client.get("/audit/security/").status_code == 403
    assert client.get("/audit/security/?format=csv").status_code == 403


def test_the_security_administrator_reads_but_does_not_export(client, xinhua, login_2fa):
    user = UserFactory(hospital=xinhua, roles=[Role.SECURITY_ADMIN])
    enroll_totp(user)
    login_2fa(user)

    assert client.get("/audit/security/").status_code == 200
    assert client.get("/audit/security/?format=csv").status_code == 403


def test_wrong_method(client, auditor, login_2fa):
    login_2fa(auditor)
    assert client.post("/audit/security/").status_code == 405


def test_bad_dates_are_refused_on_the_form(client, auditor, login_2fa):
    login_2fa(auditor)
    response = client.get("/audit/security/", {"date_from": "2026-12-07", "date_to": "2026-12-01"})
    assert response.status_code == 400
    assert response.context["form"].errors
