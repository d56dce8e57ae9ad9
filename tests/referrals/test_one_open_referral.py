"""A child has at most one open referral: a friendly check first, a partial unique index
underneath."""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, transaction

from referrals.models import AlreadyOpen, Referral, Status

from .conftest import make_request, window

pytestmark = pytest.mark.django_db


def test_a_second_request_is_refused_and_names_the_open_one(referral, doctor, patient, respiratory):
    with pytest.raises(AlreadyOpen) as refused:
        make_request(doctor, patient, respiratory)
    assert refused.value.referral == referral
    assert Referral.objects.filter(patient=patient).count() == 1


@pytest.mark.parametrize("stage", ["approved", "departed", "arrived"])
def test_a_transfer_in_progress_or_a_stay_counts_as_open(request, stage, doctor, patient, respiratory):
    request.getfixturevalue(stage)
    with pytest.raises(AlreadyOpen):
        make_request(doctor, patient, respiratory)


@pytest.mark.parametrize("stage", ["rejected", "cancelled", "discharged"])
def test_a_closed_referral_does_not_block_a_new_one(stage, referral, transfer_admin, doctor, patient, respiratory):
    if stage == "rejected":
        referral.reject(transfer_admin, "incomplete")
    elif stage == "cancelled":
        referral.cancel(doctor, "好转")
    else:
        referral.approve(transfer_admin, **window())
        referral.confirm_arrival(transfer_admin)
        referral.discharge(transfer_admin)
    assert make_request(doctor, patient, respiratory).status == Status.REQUESTED


def test_follow_up_after_discharge_does_not_block_a_new_transfer(down_referral, doctor, patient, respiratory):
    assert make_request(doctor, patient, respiratory).status == Status.REQUESTED


def test_the_database_refuses_two_open_referrals_for_one_child(referral):
    # What the check cannot see: two requests committed at the same moment.
    duplicate = Referral.objects.get(pk=referral.pk)
    duplicate.pk = None
    duplicate.public_id = uuid.uuid4()
    with pytest.raises(IntegrityError, match="referral_one_open_per_patient"), transaction.atomic():
        duplicate.save()
