"""Two administrators approve different requests for the last bed at the same moment: one
approval, one clear refusal. Real concurrency on PostgreSQL: two threads, each with its own
database connection, released together by a barrier."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import translation

from referrals.models import BedReservation, BedState, NoBedAvailable, Referral, Status
from tests.conftest import enroll_totp
from tests.factories import PatientFactory, UserFactory

from .conftest import make_request, window

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvals_for_the_last_bed_give_one_approval_and_one_refusal(respiratory, transfer_admin, doctor):
    second_admin = UserFactory(username="tadmin2", hospital=respiratory.hospital, roles=["transfer_admin"])
    enroll_totp(second_admin)
    BedState(department=respiratory).set_occupied(transfer_admin, respiratory.bed_count - 1)
    requests = [make_request(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory)]
    requests.append(make_request(doctor, PatientFactory(hospital=doctor.hospital, registered_by=doctor), respiratory))
    admins = [transfer_admin, second_admin]
    barrier = threading.Barrier(2)
    outcomes: dict[int, object] = {}

    def approve(index: int) -> None:
        try:
            referral = Referral.objects.get(pk=requests[index].pk)
            barrier.wait(timeout=10)
            # A new thread starts in the default language (Chinese); read the msgids.
            with translation.override("en"):
                referral.approve(admins[index], **window())
            outcomes[index] = "approved"
        except NoBedAvailable as error:
            outcomes[index] = error
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            outcomes[index] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    results = sorted(outcomes.values(), key=lambda outcome: outcome != "approved")
    assert results[0] == "approved", outcomes
    assert isinstance(results[1], NoBedAvailable), outcomes
    assert "No free bed" in str(results[1])
    statuses = sorted(Referral.objects.filter(pk__in=[r.pk for r in requests]).values_list("status", flat=True))
    assert statuses == sorted([Status.APPROVED, Status.REQUESTED])
    assert BedReservation.objects.active().filter(department=respiratory).count() == 1
