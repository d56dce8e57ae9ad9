"""The admin shows clinical records read-only; only a superuser can change them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from cloudpeds.accounts.roles import Role

from ..conftest import enroll_totp
from .conftest import make_user


@pytest.fixture
def auditor(xinhua):
    """A staff member explicitly given the right to view patients in the admin."""
    user = make_user("auditor", xinhua, Role.GROUP_ADMIN, two_factor=True)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.user_permissions.add(Permission.objects.get(codename="view_patient"))
    return user


@pytest.fixture
def superuser(xinhua):
    user = make_user("root", xinhua)
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    enroll_totp(user)
    return user


def _change_url(patient) -> str:
    return f"/admin/patients/patient/{patient.pk}/change/"


def test_a_group_administrator_does_not_see_clinical_records(client, login_2fa, group_admin, patient) -> None:
    login_2fa(group_admin)

    assert client.get("/admin/patients/patient/").status_code == 403
    assert client.get(_change_url(patient)).status_code == 403


def test_view_permission_gives_a_read_only_page(client, auditor, patient) -> None:
    client.force_login(auditor)

    assert client.get("/admin/patients/patient/").status_code == 200
    page = client.get(_change_url(patient))
    assert page.status_code == 200
    assert 'name="name"' not in page.content.decode()  # no input fields
    response = client.post(_change_url(patient), {"name": "改名"})
    patient.refresh_from_db()
    assert response.status_code == 403
    assert patient.name == "王小明"
    assert client.get("/admin/patients/patient/add/").status_code == 403
    assert client.post(f"/admin/patients/patient/{patient.pk}/delete/", {"post": "yes"}).status_code == 403


def test_a_superuser_can_repair_a_record(client, superuser, patient) -> None:
    client.force_login(superuser)

    page = client.get(_change_url(patient))

    assert page.status_code == 200
    assert 'name="name"' in page.content.decode()
