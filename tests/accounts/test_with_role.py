from __future__ import annotations

import pytest

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_with_role_lists_active_holders_once():
    both = UserFactory(roles=[Role.GRASSROOTS_DOCTOR, Role.SPECIALIST])
    doctor = UserFactory(roles=[Role.GRASSROOTS_DOCTOR])
    UserFactory(roles=[Role.GRASSROOTS_DOCTOR], is_active=False)
    UserFactory(roles=[Role.TRAINING_MANAGER])

    people = list(User.objects.with_role(Role.GRASSROOTS_DOCTOR, Role.SPECIALIST).order_by("pk"))

    assert people == [both, doctor]
    assert list(User.objects.with_role(Role.SPECIALIST)) == [both]
    assert User.objects.with_role(Role.GROUP_ADMIN).count() == 0
