"""The signed-in person is loaded on every request by a statement compiled once per process
(cloudpeds/accounts/backends.py): the same objects as the ORM's own query, and everything
that signs a person out still does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cloudpeds.accounts.backends import AuthenticationBackend, ModelBackend, load_user_with_places
from cloudpeds.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


def test_the_user_equals_the_orms_with_hospital_and_department_loaded(doctor):
    expected = User.objects.select_related("hospital", "department").get(pk=doctor.pk)

    with CaptureQueriesContext(connection) as captured:
        user = load_user_with_places(doctor.pk)
        hospital, department = user.hospital, user.department

    assert len(captured) == 1, captured.captured_queries
    assert _fields(user) == _fields(expected)
    assert _fields(hospital) == _fields(expected.hospital)
    assert _fields(department) == _fields(expected.department)
    assert user._state.adding is False and user._state.db == "default"
    # A normal model instance: it saves, and refreshes, like one the ORM made.
    user.title = "主治医师"
    user.save(update_fields=["title"])
    assert User.objects.get(pk=doctor.pk).title == "主治医师"


def test_a_person_with_no_hospital_nor_department(db):
    person = UserFactory(username="nowhere", hospital=None, department=None)

    with CaptureQueriesContext(connection) as captured:
        user = load_user_with_places(str(person.pk))  # the session keeps the id as text
        assert user.hospital is None and user.department is None

    assert len(captured) == 1
    assert user.pk == person.pk


def test_an_unknown_or_inactive_person_is_nobody(doctor):
    assert load_user_with_places(doctor.pk + 1000) is None

    doctor.is_active = False
    doctor.save(update_fields=["is_active"])

    assert ModelBackend().get_user(doctor.pk) is None


def _signed_in(user) -> Client:
    other = Client()
    other.force_login(user)
    assert other.get("/").status_code == 200
    return other


def test_a_password_change_signs_the_persons_other_sessions_out(client, doctor, password):
    other = _signed_in(doctor)
    client.force_login(doctor)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "Another-long-pass-7", "password2": "Another-long-pass-7"},
    )

    assert response.status_code == 302
    assert client.get("/").status_code == 200  # the session that changed it stays signed in
    response = other.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_deactivated_person_is_signed_out_on_the_next_request(doctor):
    other = _signed_in(doctor)

    User.objects.filter(pk=doctor.pk).update(is_active=False)

    response = other.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_changed_hospital_shows_on_the_next_request(doctor, baoshan):
    other = _signed_in(doctor)

    User.objects.filter(pk=doctor.pk).update(hospital=baoshan, department=None)

    assert baoshan.name_zh in other.get("/").content.decode()


def test_the_allauth_backend_loads_the_same_way(doctor):
    with CaptureQueriesContext(connection) as captured:
        user = AuthenticationBackend().get_user(doctor.pk)
        assert (user.hospital, user.department) == (doctor.hospital, doctor.department)

    assert len(captured) == 1
