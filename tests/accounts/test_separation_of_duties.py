"""等保 三级: nobody both grants rights (system administrator) and reviews their traces (audit)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from cloudpeds.accounts.roles import Role, conflicting_duties
from tests.conftest import enroll_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_three_duties_exclude_each_other():
    assert conflicting_duties([Role.GROUP_ADMIN, Role.AUDIT_ADMIN])
    assert conflicting_duties([Role.SECURITY_ADMIN, Role.AUDIT_ADMIN])
    assert conflicting_duties([Role.AUDIT_ADMIN], is_superuser=True)
    assert not conflicting_duties([Role.AUDIT_ADMIN, Role.TRAINING_MANAGER])
    assert not conflicting_duties([Role.GROUP_ADMIN], is_superuser=True)


def test_set_roles_refuses_two_duties(xinhua):
    user = UserFactory(hospital=xinhua, roles=[Role.GROUP_ADMIN])
    with pytest.raises(ValueError):
        user.set_roles(Role.GROUP_ADMIN, Role.AUDIT_ADMIN)
    assert set(user.groups.values_list("name", flat=True)) == {Role.GROUP_ADMIN}


def test_a_superuser_cannot_make_an_audit_administrator_a_superuser(client, xinhua, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-Root-12345")
    enroll_totp(root)
    auditor = UserFactory(username="auditor", hospital=xinhua, roles=[Role.AUDIT_ADMIN])
    client.force_login(root)
    audit_group = Group.objects.get(name=Role.AUDIT_ADMIN)
    admin_group = Group.objects.get(name=Role.GROUP_ADMIN)

    response = client.post(
        f"/admin/accounts/user/{auditor.pk}/change/",
        {
            "username": auditor.username,
            "is_active": "on",
            "is_superuser": "on",
            "groups": [audit_group.pk, admin_group.pk],
            "preferred_language": "zh-hans",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.has_error("__all__", "separated_duties")
    auditor.refresh_from_db()
    assert not auditor.is_superuser
    assert set(auditor.groups.values_list("name", flat=True)) == {Role.AUDIT_ADMIN}
