from __future__ import annotations

import pytest

from cloudpeds.accounts.roles import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Each role lands on its own home page, whose cards point at that role's work.
ROLE_HOMES = [
    (Role.GRASSROOTS_DOCTOR, "home/grassroots_doctor.html", "/consultations/"),
    (Role.SPECIALIST, "home/specialist.html", "/consultations/"),
    (Role.TRANSFER_ADMIN, "home/transfer_admin.html", "/referrals/"),
    (Role.TRAINING_MANAGER, "home/training_manager.html", "/training/"),
    (Role.HANDBOOK_EDITOR, "home/handbook_editor.html", "/handbook/"),
    (Role.GROUP_ADMIN, "home/group_admin.html", "/admin/"),
]


@pytest.mark.parametrize(("role", "template", "link"), ROLE_HOMES)
def test_each_role_lands_on_its_own_home_page(client, yangpu, role, template, link):
    from tests.conftest import enroll_totp

    user = UserFactory(hospital=yangpu, roles=[role], is_staff=role == Role.GROUP_ADMIN)
    if user.needs_two_factor():
        enroll_totp(user)
    client.force_login(user)

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert template in [t.name for t in response.templates]
    body = response.content.decode()
    assert f'href="{link}"' in body
    assert str(role.label) in body


def test_the_navigation_shows_each_role_only_its_sections(client, yangpu):
    trainer = UserFactory(hospital=yangpu, roles=[Role.TRAINING_MANAGER])
    client.force_login(trainer)

    body = client.get("/").content.decode()

    assert 'href="/training/"' in body
    assert 'href="/consultations/"' not in body
    assert 'href="/admin/"' not in body


def test_a_user_without_a_role_is_told_so(client, yangpu):
    client.force_login(UserFactory(hospital=yangpu))

    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")

    assert "home/no_role.html" in [t.name for t in response.templates]


@pytest.mark.parametrize("path", ["/consultations/", "/referrals/", "/training/", "/handbook/"])
def test_feature_sections_are_mounted(client, doctor, path):
    client.force_login(doctor)

    assert client.get(path).status_code == 200
