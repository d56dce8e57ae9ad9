"""Bed arithmetic: free = beds − occupied − active reservations, moved by every step."""

from __future__ import annotations

import pytest

from cloudpeds.accounts.models import Department
from referrals.models import (
    BedState,
    NoBedAvailable,
    Referral,
    ReferralError,
    Status,
    departments_with_capacity,
)
from tests.factories import PatientFactory

from .conftest import make_request, window

pytestmark = pytest.mark.django_db


def _free(department: Department) -> int:
    return next(row.free for row in departments_with_capacity(department.hospital) if row.pk == department.pk)


def _child(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor)


def test_free_beds_count_occupied_and_reserved(respiratory, transfer_admin, doctor):
    BedState(department=respiratory).set_occupied(transfer_admin, 6)
    assert _free(respiratory) == 4
    first = make_request(doctor, _child(doctor), respiratory)
    second = make_request(doctor, _child(doctor), respiratory)
    first.approve(transfer_admin, **window())
    second.approve(transfer_admin, **window())
    row = next(row for row in departments_with_capacity(respiratory.hospital) if row.pk == respiratory.pk)
    assert (row.bed_count, row.occupied, row.reserved, row.free) == (10, 6, 2, 2)


def test_a_pending_request_reserves_nothing(referral, respiratory):
    assert _free(respiratory) == 10


def test_arrival_moves_a_bed_from_reserved_to_occupied(approved, transfer_admin, respiratory):
    assert _free(respiratory) == 9
    approved.confirm_arrival(transfer_admin)
    row = next(row for row in departments_with_capacity(respiratory.hospital) if row.pk == respiratory.pk)
    assert (row.occupied, row.reserved, row.free) == (1, 0, 9)


def test_cancel_and_discharge_give_the_bed_back(approved, arrived, respiratory, transfer_admin):
    arrived.discharge(transfer_admin)
    assert _free(respiratory) == 10


def test_cancel_gives_the_reserved_bed_back(approved, doctor, respiratory):
    approved.cancel(doctor, "家属拒绝")
    assert _free(respiratory) == 10


def test_approval_refused_when_no_bed_is_free(referral, respiratory, transfer_admin):
    BedState(department=respiratory).set_occupied(transfer_admin, 10)
    with pytest.raises(NoBedAvailable):
        referral.approve(transfer_admin, **window())
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED


def test_the_last_bed_goes_to_one_request_only(respiratory, transfer_admin, doctor):
    BedState(department=respiratory).set_occupied(transfer_admin, 9)
    first = make_request(doctor, _child(doctor), respiratory)
    second = make_request(doctor, _child(doctor), respiratory)
    first.approve(transfer_admin, **window())
    with pytest.raises(NoBedAvailable, match="No free bed"):
        second.approve(transfer_admin, **window())
    assert Referral.objects.get(pk=second.pk).status == Status.REQUESTED


def test_census_is_checked_and_only_for_own_hospital(respiratory, transfer_admin, yangpu_admin, doctor):
    state = BedState(department=respiratory)
    with pytest.raises(ReferralError, match="between 0 and 10"):
        state.set_occupied(transfer_admin, 11)
    with pytest.raises(ReferralError):
        state.set_occupied(yangpu_admin, 3)
    with pytest.raises(ReferralError):
        state.set_occupied(doctor, 3)
    state.set_occupied(transfer_admin, 3)
    saved = BedState.objects.get(department=respiratory)
    assert (saved.occupied, saved.updated_by) == (3, transfer_admin)


def test_occupied_never_goes_below_zero(arrived, respiratory, transfer_admin):
    BedState(department=respiratory).set_occupied(transfer_admin, 0)
    arrived.discharge(transfer_admin)
    assert BedState.objects.get(department=respiratory).occupied == 0
