"""Fixtures for the patient pages.

The people from tests/conftest.py, switched to English: the portal renders in each user's
saved language, and these tests assert on the English msgids, which must keep passing once
the Chinese catalogue exists.
"""

from __future__ import annotations

from datetime import date

import pytest

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.national_id import check_character

from ..conftest import enroll_totp
from ..factories import PatientFactory, UserFactory


def english(user):
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    return user


def make_user(username: str, hospital, *roles: str, two_factor: bool = False):
    user = UserFactory(username=username, hospital=hospital, roles=list(roles), preferred_language="en")
    if two_factor:
        enroll_totp(user)
    return user


def valid_national_id(born: date, serial: str = "123", region: str = "310110") -> str:
    first17 = f"{region}{born:%Y%m%d}{serial}"
    return first17 + check_character(first17)


@pytest.fixture
def doctor(doctor):
    return english(doctor)


@pytest.fixture
def outsider(outsider):
    return english(outsider)


@pytest.fixture
def specialist(specialist):
    return english(specialist)


@pytest.fixture
def transfer_admin(transfer_admin):
    return english(transfer_admin)


@pytest.fixture
def group_admin(group_admin):
    return english(group_admin)


@pytest.fixture
def colleague(yangpu):
    """A second grassroots doctor at Yangpu."""
    return make_user("colleague", yangpu, Role.GRASSROOTS_DOCTOR)


@pytest.fixture
def yangpu_transfer_admin(yangpu):
    return make_user("tadmin.yangpu", yangpu, Role.TRANSFER_ADMIN, two_factor=True)


@pytest.fixture
def patient(doctor, yangpu):
    """王小明, a Yangpu child with one guardian and sharing consent."""
    return PatientFactory(
        hospital=yangpu,
        registered_by=doctor,
        name="王小明",
        record_number="YP0001",
        date_of_birth=date(2020, 3, 15),
        sex="male",
        national_id=valid_national_id(date(2020, 3, 15)),
    )


@pytest.fixture
def doctor_client(client, doctor):
    client.force_login(doctor)
    return client
