"""Response targets are set by group administrators in the admin."""

from __future__ import annotations

import pytest

from cloudpeds.accounts.roles import Role
from consultations.models import ResponseTarget
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/admin/consultations/responsetarget/"


def test_a_group_administrator_sets_a_target(client, group_admin) -> None:
    client.force_login(group_admin)

    listing = client.get(URL)
    response = client.post(f"{URL}add/", {"specialty": "neurology", "urgency": "urgent", "hours": "6"})

    assert listing.status_code == 200
    assert response.status_code == 302
    assert ResponseTarget.hours_for("neurology", "urgent") == 6


def test_a_target_of_zero_hours_is_refused(client, group_admin) -> None:
    client.force_login(group_admin)

    response = client.post(f"{URL}add/", {"specialty": "neurology", "urgency": "urgent", "hours": "0"})

    assert response.status_code == 200
    assert not ResponseTarget.objects.exists()
    assert ResponseTarget.hours_for("neurology", "urgent") == 4


def test_other_staff_cannot_change_targets(client, xinhua) -> None:
    staff = UserFactory(hospital=xinhua, is_staff=True, roles=[Role.SPECIALIST])
    client.force_login(staff)

    assert client.get(URL).status_code == 403
    assert client.post(f"{URL}add/", {"specialty": "neurology", "urgency": "urgent", "hours": "6"}).status_code == 403
    assert not ResponseTarget.objects.exists()
