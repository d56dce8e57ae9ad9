"""Fixtures of the referral tests: Yangpu refers up to Xinhua's respiratory department.

People: `doctor` (Yangpu grassroots doctor, from tests/conftest.py), `specialist` (Xinhua
respiratory), `transfer_admin` (Xinhua, TOTP enrolled), `yangpu_admin`, and from another
district hospital `outsider` (Baoshan doctor) and `baoshan_admin`.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.utils import timezone

from cloudpeds.accounts.models import Department, User
from cloudpeds.accounts.roles import Role
from referrals.demo import load_icd10_subset
from referrals.models import Diagnosis, Referral, Transport, Urgency
from tests.conftest import enroll_totp
from tests.factories import DepartmentFactory, PatientFactory, UserFactory


@pytest.fixture(autouse=True)
def icd10(db) -> None:
    """The ICD-10 subset comes from a data migration; a transactional test (browser tests,
    the concurrency test) empties every table when it ends, so put it back if it is gone."""
    if not Diagnosis.objects.exists():
        load_icd10_subset()


@pytest.fixture
def respiratory(xinhua) -> Department:
    department = DepartmentFactory(
        hospital=xinhua, specialty="respiratory", name_zh="小儿呼吸科", name_en="Pediatric Respiratory"
    )
    Department.objects.filter(pk=department.pk).update(bed_count=10)
    department.refresh_from_db()
    return department


@pytest.fixture
def picu(xinhua) -> Department:
    return DepartmentFactory(hospital=xinhua, specialty="picu", name_zh="儿童重症监护室", name_en="PICU", bed_count=4)


@pytest.fixture
def specialist(xinhua, respiratory):
    return UserFactory(username="spec", hospital=xinhua, department=respiratory, roles=[Role.SPECIALIST])


@pytest.fixture
def yangpu_admin(yangpu):
    user = UserFactory(username="yangpu-admin", hospital=yangpu, roles=[Role.TRANSFER_ADMIN])
    enroll_totp(user)
    return user


@pytest.fixture
def baoshan_admin(baoshan):
    user = UserFactory(username="baoshan-admin", hospital=baoshan, roles=[Role.TRANSFER_ADMIN])
    enroll_totp(user)
    return user


@pytest.fixture
def xinhua_outsider_role(xinhua):
    """Someone at Xinhua with no clinical role (a training manager)."""
    return UserFactory(username="trainer", hospital=xinhua, roles=[Role.TRAINING_MANAGER])


@pytest.fixture
def patient(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="王小明", allergies="青霉素过敏")


@pytest.fixture
def pneumonia(db) -> Diagnosis:
    return Diagnosis.objects.get(code="J18.9")


def make_request(doctor, patient, department, **fields) -> Referral:
    values = {
        "direction": "up",
        "receiving_hospital": department.hospital,
        "receiving_department": department,
        "urgency": Urgency.URGENT,
        "reason": "needs_specialist",
        "diagnosis": Diagnosis.objects.get(code="J18.9"),
        "clinical_summary": "发热3天，咳嗽加重，气促",
        "temperature_c": "39.2",
        "spo2": 91,
        "transport": Transport.AMBULANCE,
        **fields,
    }
    referral = Referral(patient=patient, **values)
    referral.send_request(doctor)
    return referral


def request_data(department: Department, **overrides: object) -> dict:
    """What the request form posts for a transfer up to `department`."""
    return {
        "request_id": str(uuid4()),
        "direction": "up",
        "receiving_hospital": department.hospital_id,
        "receiving_department": department.pk,
        "urgency": "urgent",
        "reason": "needs_specialist",
        "reason_detail": "需要呼吸支持评估",
        "diagnosis": Diagnosis.objects.get(code="J21.9").pk,
        "clinical_summary": "毛细支气管炎，呼吸增快",
        "respiratory_rate": "62",
        "spo2": "90",
        "treatment_given": "雾化吸入",
        "transport": "ambulance_doctor",
        "file_kind": "lab_report",
        **overrides,
    }


def window(hours: int = 6):
    now = timezone.now()
    return {"window_start": now, "window_end": now + timedelta(hours=hours)}


@pytest.fixture
def referral(doctor, patient, respiratory, transfer_admin) -> Referral:
    """A request from Yangpu to Xinhua respiratory, waiting for a decision."""
    return make_request(doctor, patient, respiratory)


@pytest.fixture
def approved(referral, transfer_admin) -> Referral:
    referral.approve(transfer_admin, **window())
    return referral


@pytest.fixture
def departed(approved, doctor) -> Referral:
    approved.mark_departed(doctor)
    return approved


@pytest.fixture
def arrived(departed, transfer_admin) -> Referral:
    departed.confirm_arrival(transfer_admin)
    return departed


@pytest.fixture
def down_referral(arrived, specialist, yangpu, doctor) -> Referral:
    today = timezone.localdate()
    return arrived.refer_down(
        specialist,
        receiving_hospital=yangpu,
        receiving_department=doctor.department,
        diagnosis=Diagnosis.objects.get(code="J18.9"),
        discharge_summary="肺炎好转出院",
        medicines="阿莫西林 250mg tid ×5天",
        follow_ups=[("门诊复查", today + timedelta(days=7)), ("复查胸片", today + timedelta(days=30))],
    )


def in_english(user: User) -> User:
    """The user reads the portal in English, so a test can look for the English msgids."""
    user.preferred_language = "en"
    user.save(update_fields=["preferred_language"])
    return user
