"""People and cases shared by the consultations tests.

The people see the pages in English (the assertions read the msgids); what a test module
needs beyond these (a named child, a case in a given state) it defines itself.
"""

from __future__ import annotations

import pytest

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from consultations.models import Consultation, Status
from tests.factories import ConsultationFactory, DepartmentFactory, PatientFactory, UserFactory


def english(user: User) -> User:
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    return user


@pytest.fixture
def doctor(doctor: User) -> User:
    return english(doctor)


@pytest.fixture
def specialist(specialist: User) -> User:
    return english(specialist)


@pytest.fixture
def outsider(outsider: User) -> User:
    return english(outsider)


@pytest.fixture
def group_admin(group_admin: User) -> User:
    return english(group_admin)


@pytest.fixture
def colleague(specialist: User) -> User:
    """A second specialist of the same department."""
    return UserFactory(
        username="spec2",
        hospital=specialist.hospital,
        department=specialist.department,
        roles=[Role.SPECIALIST],
        preferred_language="en",
    )


@pytest.fixture
def neurology(xinhua):
    return DepartmentFactory(hospital=xinhua, specialty="neurology", name_zh="小儿神经科", name_en="Neurology")


@pytest.fixture
def patient(doctor: User):
    """A child of the doctor's hospital, with the guardian's consent to share the record."""
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor)


@pytest.fixture
def draft(patient, specialist: User) -> Consultation:
    return ConsultationFactory(
        patient=patient, department=specialist.department, status=Status.DRAFT, submitted_at=None
    )


@pytest.fixture
def waiting(patient, specialist: User) -> Consultation:
    """A case in the respiratory queue, no specialist has taken it yet."""
    return ConsultationFactory(patient=patient, department=specialist.department)


@pytest.fixture
def claimed(waiting: Consultation, specialist: User) -> Consultation:
    waiting.claim(specialist)
    return waiting
