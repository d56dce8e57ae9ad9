from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cloudpeds.accounts.roles import Role
from tests.conftest import enroll_totp
from tests.factories import PatientFactory, UserFactory

from . import corpus


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.fixture
def patient(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor, name="张小明")


@pytest.fixture
def colleague(yangpu):
    """Someone at the child's own hospital with no clinical role."""
    return UserFactory(username="trainer", hospital=yangpu, roles=[Role.TRAINING_MANAGER])


@pytest.fixture
def yangpu_admin(yangpu):
    """A transfer administrator at the child's hospital (TOTP enrolled): sees the record,
    is not a doctor. Sign in with `login_2fa`."""
    user = UserFactory(username="yangpu-admin", hospital=yangpu, roles=[Role.TRANSFER_ADMIN])
    enroll_totp(user)
    return user


def upload_file(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def photo(name: str = "皮疹.jpg") -> SimpleUploadedFile:
    return upload_file(name, corpus.jpeg(), "image/jpeg")
