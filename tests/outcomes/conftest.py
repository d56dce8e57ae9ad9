"""People and a small known history for the outcomes tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cloudpeds.accounts.roles import Role
from consultations.models import Message
from tests.conftest import enroll_totp
from tests.factories import ConsultationFactory, PatientFactory, UserFactory


def at(day: int, hour: float = 0, month: int = 3) -> datetime:
    # 02:00 UTC is 10:00 in Shanghai: the same local day.
    return datetime(2025, month, day, 2, tzinfo=UTC) + timedelta(hours=hour)


@pytest.fixture
def yangpu_lead(yangpu):
    """Yangpu's leadership: its transfer administrator."""
    user = UserFactory(username="yp-admin", hospital=yangpu, roles=[Role.TRANSFER_ADMIN], preferred_language="en")
    enroll_totp(user)
    return user


@pytest.fixture
def consultations(doctor, specialist, baoshan):
    """Yangpu in March 2025: answered in 2, 9 (10 less 1 paused) and 6 hours, one waiting;
    in February: one answered in 50 hours. One information request. Baoshan: one case."""
    patient = PatientFactory(hospital=doctor.hospital, registered_by=doctor)
    common = {"patient": patient, "requested_by": doctor, "department": specialist.department}
    answered = {**common, "assigned_to": specialist}
    made = [
        ConsultationFactory(**answered, closed=True, submitted_at=at(10), answered_at=at(10, 2), closed_at=at(11)),
        ConsultationFactory(
            **answered,
            answered=True,
            recommendation="refer",
            submitted_at=at(10),
            answered_at=at(10, 10),
            paused_total=timedelta(hours=1),
        ),
        ConsultationFactory(**answered, answered=True, urgency="urgent", submitted_at=at(12), answered_at=at(12, 6)),
        ConsultationFactory(**common, submitted_at=at(13)),
        ConsultationFactory(**answered, answered=True, submitted_at=at(3, month=2), answered_at=at(5, month=2)),
    ]
    Message.objects.create(consultation=made[1], author=specialist, body="体重多少?", is_info_request=True)
    ConsultationFactory(patient=PatientFactory(hospital=baoshan), department=specialist.department, submitted_at=at(10))
    return made


@pytest.fixture
def group_admin(group_admin):
    """The group administrator reads the portal in English (the assertions read the msgids)."""
    group_admin.preferred_language = "en"
    group_admin.save(update_fields=["preferred_language"])
    return group_admin
