from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth import SESSION_KEY

from cloudpeds.accounts.roles import Role
from tests.conftest import TOTP_SECRET, enroll_totp, reauthenticate, totp_code
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unenrolled_admin(xinhua):
    return UserFactory(username="newadmin", hospital=xinhua, roles=[Role.TRANSFER_ADMIN])


@pytest.fixture
def unenrolled_director(xinhua):
    return UserFactory(username="newdirector", hospital=xinhua, is_staff=True, roles=[Role.GROUP_ADMIN])


@pytest.mark.parametrize("path", ["/", "/referrals/", "/handbook/", "/admin/"])
def test_transfer_admin_without_two_factor_is_sent_to_enrol(client, unenrolled_admin, path):
    client.force_login(unenrolled_admin)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


@pytest.mark.parametrize("path", ["/", "/admin/", "/admin/accounts/user/"])
def test_group_admin_without_two_factor_cannot_reach_the_admin_site(client, unenrolled_director, path):
    client.force_login(unenrolled_director)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_enrolment_page_itself_is_reachable_after_confirming_the_password(client, unenrolled_admin, login):
    login(unenrolled_admin)

    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")

    reauthenticate(client)
    response = client.get("/accounts/2fa/totp/activate/")
    assert response.status_code == 200


def test_enrolling_with_a_valid_code_opens_the_portal(client, unenrolled_admin, login):
    login(unenrolled_admin)
    reauthenticate(client)
    client.get("/accounts/2fa/totp/activate/")
    code = totp_code(client.session["mfa.totp.secret"])

    response = client.post("/accounts/2fa/totp/activate/", {"code": code})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=unenrolled_admin, type=Authenticator.Type.TOTP).exists()
    assert client.get("/").status_code == 200


def test_doctors_are_not_forced_to_enrol(client, doctor):
    client.force_login(doctor)

    assert client.get("/").status_code == 200


def test_enrolled_admin_must_give_the_code_after_the_password(client, transfer_admin, password):
    response = client.post("/accounts/login/", {"login": "tadmin", "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert SESSION_KEY not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": "000000" if totp_code() != "000000" else "111111"})
    assert SESSION_KEY not in client.session

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(TOTP_SECRET)})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(transfer_admin.pk)
    assert client.get("/").status_code == 200


def test_admin_site_login_goes_through_the_portal_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_enrolled_group_admin_reaches_the_admin_site(client, xinhua, login_2fa):
    director = UserFactory(username="dir2", hospital=xinhua, is_staff=True, roles=[Role.GROUP_ADMIN])
    enroll_totp(director)
    login_2fa(director)

    response = client.get("/admin/accounts/hospital/")

    assert response.status_code == 200


def test_recovery_codes_can_be_generated_by_an_enrolled_admin(client, transfer_admin, login_2fa):
    login_2fa(transfer_admin)
    reauthenticate(client)

    response = client.get("/accounts/2fa/recovery-codes/generate/")

    assert response.status_code == 200
