"""Every transition of Referral: allowed for the right person in the right state, refused
otherwise, each writing its event row and telling the other side."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cloudpeds.notifications.models import Notification
from cloudpeds.patients.models import CareTeamGrant
from referrals.models import (
    BedReservation,
    BedState,
    FollowUpItem,
    Referral,
    ReferralError,
    ReferralEvent,
    Status,
)

from .conftest import make_request, window

pytestmark = pytest.mark.django_db


def _kinds(referral) -> list[str]:
    return list(ReferralEvent.objects.filter(referral=referral).values_list("kind", flat=True))


def _notified(user, kind: str) -> bool:
    return Notification.objects.filter(recipient=user, kind=kind).exists()


# --- Requesting -----------------------------------------------------------------------------


def test_request_enters_the_queue_shares_the_record_and_tells_the_receiving_admins(referral, transfer_admin, xinhua):
    referral.refresh_from_db()
    assert referral.status == Status.REQUESTED
    assert referral.direction == "up"
    assert referral.submitted_at is not None
    assert _kinds(referral) == ["requested"]
    grant = CareTeamGrant.objects.get(patient=referral.patient, hospital=xinhua)
    assert grant.source == referral
    assert _notified(transfer_admin, "referrals.requested")


def test_emergency_request_sends_the_emergency_notification(doctor, patient, respiratory, transfer_admin):
    make_request(doctor, patient, respiratory, urgency="emergency")
    assert _notified(transfer_admin, "referrals.emergency")
    assert not _notified(transfer_admin, "referrals.requested")


def test_request_refused_without_consent(doctor, respiratory):
    from tests.factories import PatientFactory

    child = PatientFactory(hospital=doctor.hospital, registered_by=doctor, consent=False)
    with pytest.raises(ReferralError, match="consent"):
        make_request(doctor, child, respiratory)
    assert not Referral.objects.exists()


def test_request_refused_for_a_non_doctor(transfer_admin, patient, respiratory):
    with pytest.raises(ReferralError):
        make_request(transfer_admin, patient, respiratory)


def test_request_refused_for_a_child_the_doctor_cannot_see(outsider, patient, respiratory):
    with pytest.raises(ReferralError):
        make_request(outsider, patient, respiratory)


def test_request_refused_when_direction_does_not_match(doctor, patient, respiratory):
    with pytest.raises(ReferralError, match="district or community"):
        make_request(doctor, patient, respiratory, direction="down")


def test_request_refused_between_hospitals_of_the_same_level(doctor, patient, baoshan):
    from tests.factories import DepartmentFactory

    department = DepartmentFactory(hospital=baoshan)
    with pytest.raises(ReferralError, match="higher-level"):
        make_request(doctor, patient, department)


def test_request_refused_with_a_department_of_another_hospital(doctor, patient, respiratory, baoshan):
    from tests.factories import DepartmentFactory

    with pytest.raises(ReferralError, match="department"):
        make_request(doctor, patient, respiratory, receiving_department=DepartmentFactory(hospital=baoshan))


# --- Information ------------------------------------------------------------------------------


def test_admin_asks_for_information_and_the_doctor_answers(referral, transfer_admin, doctor):
    referral.request_info(transfer_admin, "请补充血常规结果")
    assert referral.status == Status.INFO_REQUESTED
    assert _notified(doctor, "referrals.info_requested")

    referral.provide_info(doctor, "WBC 15.2")
    assert referral.status == Status.REQUESTED
    assert _kinds(referral) == ["requested", "info_requested", "info_provided"]
    assert _notified(transfer_admin, "referrals.info_provided")


def test_only_the_receiving_admin_asks_for_information(referral, doctor, yangpu_admin, specialist):
    for person in (doctor, yangpu_admin, specialist):
        with pytest.raises(ReferralError):
            referral.request_info(person, "?")
    assert referral.status == Status.REQUESTED


def test_information_cannot_be_given_unless_asked(referral, doctor):
    with pytest.raises(ReferralError):
        referral.provide_info(doctor, "unasked")


def test_only_the_sending_doctor_answers(referral, transfer_admin, specialist):
    referral.request_info(transfer_admin, "?")
    with pytest.raises(ReferralError):
        referral.provide_info(specialist, "not mine")


# --- Decisions ----------------------------------------------------------------------------------


def test_approval_reserves_a_bed_and_tells_both_sides(referral, transfer_admin, doctor, specialist, respiratory):
    referral.approve(transfer_admin, **window(6), note="请走急诊绿色通道")
    assert referral.status == Status.APPROVED
    assert referral.decided_by == transfer_admin
    reservation = BedReservation.objects.active().get(referral=referral)
    assert reservation.department == respiratory
    assert _notified(doctor, "referrals.approved")
    assert _notified(specialist, "referrals.bed_reserved")
    assert _kinds(referral)[-1] == "approved"


def test_approval_from_information_requested(referral, transfer_admin):
    referral.request_info(transfer_admin, "?")
    referral.approve(transfer_admin, **window())
    assert referral.status == Status.APPROVED


def test_approval_refused_to_others(referral, doctor, yangpu_admin, specialist, baoshan_admin):
    for person in (doctor, yangpu_admin, specialist, baoshan_admin):
        with pytest.raises(ReferralError):
            referral.approve(person, **window())
    assert referral.status == Status.REQUESTED
    assert not BedReservation.objects.exists()


def test_approval_refused_twice(approved, transfer_admin):
    with pytest.raises(ReferralError, match="no longer waiting"):
        approved.approve(transfer_admin, **window())
    assert BedReservation.objects.count() == 1


def test_approval_refused_with_a_window_in_the_past(referral, transfer_admin):
    now = timezone.now()
    with pytest.raises(ReferralError, match="future"):
        referral.approve(transfer_admin, window_start=now - timedelta(hours=3), window_end=now - timedelta(hours=1))
    with pytest.raises(ReferralError, match="after it starts"):
        referral.approve(transfer_admin, window_start=now + timedelta(hours=3), window_end=now + timedelta(hours=1))


def test_rejection_with_a_coded_reason(referral, transfer_admin, doctor):
    referral.reject(transfer_admin, "no_capacity", "本周满床")
    assert referral.status == Status.REJECTED
    assert (referral.reject_reason, referral.decision_note) == ("no_capacity", "本周满床")
    assert _notified(doctor, "referrals.rejected")


def test_rejection_needs_a_known_reason_and_a_comment_for_other(referral, transfer_admin):
    with pytest.raises(ReferralError):
        referral.reject(transfer_admin, "bored")
    with pytest.raises(ReferralError, match="comment"):
        referral.reject(transfer_admin, "other", "")
    assert referral.status == Status.REQUESTED


def test_rejection_refused_to_the_sending_side_and_after_a_decision(approved, doctor, transfer_admin):
    with pytest.raises(ReferralError):
        approved.reject(doctor, "duplicate")
    with pytest.raises(ReferralError):
        approved.reject(transfer_admin, "duplicate")


def test_redirect_to_another_department(referral, transfer_admin, picu, doctor):
    referral.redirect(transfer_admin, picu, "需要监护")
    assert referral.status == Status.REQUESTED
    assert referral.receiving_department == picu
    assert _notified(doctor, "referrals.redirected")


def test_redirect_refused_to_another_hospital_or_the_same_department(referral, transfer_admin, respiratory, baoshan):
    from tests.factories import DepartmentFactory

    with pytest.raises(ReferralError):
        referral.redirect(transfer_admin, respiratory)
    with pytest.raises(ReferralError):
        referral.redirect(transfer_admin, DepartmentFactory(hospital=baoshan))


def test_redirect_refused_to_the_sending_side(referral, doctor, picu):
    with pytest.raises(ReferralError):
        referral.redirect(doctor, picu)


# --- Moving -------------------------------------------------------------------------------------


def test_sending_side_marks_departed(approved, doctor, transfer_admin):
    approved.mark_departed(doctor)
    assert approved.status == Status.DEPARTED
    assert approved.departed_at is not None
    assert _notified(transfer_admin, "referrals.departed")


def test_departure_refused_to_the_receiving_side_and_before_approval(referral, approved, transfer_admin):
    with pytest.raises(ReferralError):
        approved.mark_departed(transfer_admin)


def test_departure_refused_before_approval(referral, doctor):
    with pytest.raises(ReferralError):
        referral.mark_departed(doctor)


def test_arrival_turns_the_reservation_into_an_occupied_bed(departed, specialist, doctor, respiratory):
    departed.confirm_arrival(specialist)
    assert departed.status == Status.ARRIVED
    assert departed.arrival_confirmed_by == specialist
    assert BedReservation.objects.get(referral=departed).outcome == "arrived"
    assert BedState.objects.get(department=respiratory).occupied == 1
    assert _notified(doctor, "referrals.arrived")


def test_arrival_confirmed_without_a_departure_mark(approved, transfer_admin):
    approved.confirm_arrival(transfer_admin)
    assert approved.status == Status.ARRIVED


def test_arrival_refused_to_the_sending_side_and_before_approval(referral, approved, doctor):
    with pytest.raises(ReferralError):
        approved.confirm_arrival(doctor)


def test_arrival_refused_before_approval(referral, transfer_admin):
    with pytest.raises(ReferralError):
        referral.confirm_arrival(transfer_admin)


@pytest.mark.parametrize("stage", ["referral", "approved", "departed"])
def test_sending_side_cancels_before_arrival_and_the_bed_is_released(request, stage, doctor, transfer_admin):
    referral = request.getfixturevalue(stage)
    referral.cancel(doctor, "家属改变主意")
    assert referral.status == Status.CANCELLED
    assert not BedReservation.objects.active().exists()
    assert _notified(transfer_admin, "referrals.cancelled")


def test_receiving_admin_cancels_after_approval(approved, transfer_admin, doctor):
    approved.cancel(transfer_admin, "设备故障")
    assert approved.status == Status.CANCELLED
    assert BedReservation.objects.get(referral=approved).outcome == "cancelled"
    assert _notified(doctor, "referrals.cancelled")


def test_cancel_needs_a_reason(approved, doctor):
    with pytest.raises(ReferralError, match="reason"):
        approved.cancel(doctor, "  ")


def test_cancel_refused_after_arrival_and_to_outsiders(arrived, referral, doctor, outsider, transfer_admin):
    with pytest.raises(ReferralError):
        arrived.cancel(doctor, "too late")


def test_receiving_admin_rejects_rather_than_cancels_an_undecided_request(referral, transfer_admin, outsider):
    with pytest.raises(ReferralError):
        referral.cancel(transfer_admin, "no")
    with pytest.raises(ReferralError):
        referral.cancel(outsider, "no")


def test_discharge_releases_the_occupied_bed(arrived, specialist, respiratory, doctor):
    arrived.discharge(specialist)
    assert arrived.status == Status.DISCHARGED
    assert BedState.objects.get(department=respiratory).occupied == 0
    assert _notified(doctor, "referrals.discharged")


def test_discharge_refused_to_the_sending_side_and_before_arrival(arrived, approved, doctor, transfer_admin):
    with pytest.raises(ReferralError):
        arrived.discharge(doctor)


def test_discharge_refused_before_arrival(approved, transfer_admin):
    with pytest.raises(ReferralError):
        approved.discharge(transfer_admin)


# --- Down-referral and follow-up -------------------------------------------------------------------


def test_down_referral_discharges_and_sends_the_plan(down_referral, arrived, respiratory, doctor):
    assert arrived.status == Status.DISCHARGED
    assert BedState.objects.get(department=respiratory).occupied == 0
    assert down_referral.status == Status.SENT
    assert down_referral.kind == "follow_up" and down_referral.direction == "down"
    assert down_referral.up_referral == arrived
    assert list(down_referral.follow_ups.values_list("description", flat=True)) == ["门诊复查", "复查胸片"]
    assert _notified(doctor, "referrals.down_referral")


def test_down_referral_refused_to_the_admin_the_sending_side_and_before_arrival(
    arrived, approved, doctor, transfer_admin, yangpu
):
    kwargs = {
        "receiving_hospital": yangpu,
        "receiving_department": None,
        "diagnosis": None,
        "diagnosis_note": "肺炎",
        "discharge_summary": "x",
    }
    for person in (doctor, transfer_admin):
        with pytest.raises(ReferralError):
            arrived.refer_down(person, **kwargs)
    assert arrived.status == Status.ARRIVED


def test_down_referral_refused_upwards_or_without_summary(arrived, specialist, xinhua, yangpu):
    with pytest.raises(ReferralError):
        arrived.refer_down(
            specialist, receiving_hospital=xinhua, receiving_department=None, diagnosis=None, discharge_summary="x"
        )
    with pytest.raises(ReferralError, match="summary"):
        arrived.refer_down(
            specialist, receiving_hospital=yangpu, receiving_department=None, diagnosis=None, discharge_summary=" "
        )
    assert arrived.status == Status.ARRIVED


def test_acknowledge_then_each_item_done_or_missed_completes(down_referral, doctor, specialist):
    down_referral.acknowledge(doctor)
    assert down_referral.status == Status.ACKNOWLEDGED
    assert _notified(specialist, "referrals.acknowledged")
    first, second = down_referral.follow_ups.all()
    down_referral.record_follow_up(doctor, first, done=True, note="肺部体征消失")
    assert down_referral.status == Status.ACKNOWLEDGED
    down_referral.record_follow_up(doctor, second, done=False, note="家长未带来")
    assert down_referral.status == Status.COMPLETED
    assert _notified(specialist, "referrals.follow_up_missed")
    assert _notified(specialist, "referrals.completed")
    assert [item.state for item in down_referral.follow_ups.all()] == ["done", "missed"]


def test_acknowledge_refused_to_the_sending_side_and_twice(down_referral, specialist, doctor):
    with pytest.raises(ReferralError):
        down_referral.acknowledge(specialist)
    down_referral.acknowledge(doctor)
    with pytest.raises(ReferralError):
        down_referral.acknowledge(doctor)


def test_follow_up_refused_before_acknowledgement_twice_and_to_others(down_referral, doctor, specialist):
    item = down_referral.follow_ups.first()
    with pytest.raises(ReferralError):
        down_referral.record_follow_up(doctor, item, done=True)
    down_referral.acknowledge(doctor)
    with pytest.raises(ReferralError):
        down_referral.record_follow_up(specialist, item, done=True)
    down_referral.record_follow_up(doctor, item, done=True)
    with pytest.raises(ReferralError, match="already"):
        down_referral.record_follow_up(doctor, item, done=False)


def test_follow_up_item_of_another_referral_is_refused(down_referral, doctor, specialist):
    down_referral.acknowledge(doctor)
    stranger = FollowUpItem.objects.create(referral=down_referral, description="x", due_on=timezone.localdate())
    FollowUpItem.objects.filter(pk=stranger.pk).update(referral=down_referral.up_referral)
    with pytest.raises(ReferralError):
        down_referral.record_follow_up(doctor, stranger, done=True)


def test_a_down_referral_with_no_items_completes_on_acknowledgement(arrived, specialist, yangpu, doctor):
    down = arrived.refer_down(
        specialist,
        receiving_hospital=yangpu,
        receiving_department=None,
        diagnosis=None,
        diagnosis_note="肺炎",
        discharge_summary="好转",
    )
    down.acknowledge(doctor)
    assert down.status == Status.COMPLETED


def test_the_closed_loop_reads_in_order(down_referral, doctor):
    up = down_referral.up_referral
    assert _kinds(up) == ["requested", "approved", "departed", "arrived", "discharged"]
    assert _kinds(down_referral) == ["down_referred"]
