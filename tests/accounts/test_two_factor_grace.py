"""Two-factor for everyone who sees patient data: doctors and specialists after a grace period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from tests.conftest import enroll_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rollout_long_ago(settings):
    settings.TWO_FACTOR_DOCTORS_FROM = date(2026, 1, 1)
    settings.TWO_FACTOR_GRACE_DAYS = 7


@pytest.mark.parametrize("role", [Role.GRASSROOTS_DOCTOR, Role.SPECIALIST])
def test_a_doctor_past_the_grace_period_is_sent_to_enrol(client, xinhua, role):
    user = UserFactory(hospital=xinhua, roles=[role], date_joined=timezone.now() - timedelta(days=8))
    client.force_login(user)

    response = client.get("/patients/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_within_the_grace_period_a_doctor_works_and_is_reminded_once(client, yangpu):
    user = UserFactory(hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], date_joined=timezone.now() - timedelta(days=6))
    client.force_login(user)

    elsewhere = client.get("/patients/")
    first = client.get("/")
    second = client.get("/")

    assert elsewhere.status_code == first.status_code == second.status_code == 200
    assert not list(elsewhere.context["messages"])  # the reminder waits for the home page
    reminders = [m for m in first.context["messages"] if "Two-factor" in str(m) or "双重" in str(m) or "两步" in str(m)]
    assert len(reminders) == 1
    assert not list(second.context["messages"])


def test_the_grace_period_counts_from_the_rollout_for_older_accounts(settings, xinhua):
    settings.TWO_FACTOR_DOCTORS_FROM = timezone.localdate()
    user = UserFactory(hospital=xinhua, roles=[Role.SPECIALIST], date_joined=timezone.now() - timedelta(days=400))

    assert not user.needs_two_factor()
    assert user.in_two_factor_grace()
    assert timezone.localdate(user.two_factor_grace_ends()) == timezone.localdate() + timedelta(days=7)


def test_an_enrolled_doctor_past_the_grace_period_works(client, yangpu):
    user = UserFactory(hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], date_joined=timezone.now() - timedelta(days=30))
    enroll_totp(user)
    client.force_login(user)

    assert client.get("/patients/").status_code == 200


def test_administrators_have_no_grace(xinhua):
    for role in (Role.TRANSFER_ADMIN, Role.GROUP_ADMIN, Role.AUDIT_ADMIN, Role.SECURITY_ADMIN):
        assert UserFactory(hospital=xinhua, roles=[role]).needs_two_factor()


def test_roles_without_patient_data_need_no_two_factor(xinhua):
    for role in (Role.TRAINING_MANAGER, Role.HANDBOOK_EDITOR):
        user = UserFactory(hospital=xinhua, roles=[role], date_joined=timezone.now() - timedelta(days=30))
        assert not user.needs_two_factor()
        assert not user.in_two_factor_grace()
