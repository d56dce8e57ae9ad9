"""The consultation workflow on the model: every transition allowed and refused (wrong state,
wrong person), with the row and its event rows afterwards, and the response clock's pauses."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cloudpeds.accounts.roles import Role
from cloudpeds.patients.models import Patient
from consultations.models import Consultation, ConsultationError, ConsultationEvent, Message, Status

from ..factories import UserFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


class Clock:
    """A controllable `timezone.now` for the model's clock arithmetic."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(T0)
    monkeypatch.setattr("consultations.models.timezone.now", clock)
    return clock


@pytest.fixture
def waiting(draft, doctor):
    draft.submit(doctor)
    return draft


def kinds(consultation: Consultation) -> list[str]:
    return list(ConsultationEvent.objects.filter(consultation=consultation).values_list("kind", flat=True))


def test_refresh_from_db_reloads_the_protected_status(waiting):
    Consultation.objects.filter(pk=waiting.pk).update(status=Status.WITHDRAWN)

    waiting.refresh_from_db()

    assert waiting.status == Status.WITHDRAWN


def test_refresh_from_db_of_other_fields_keeps_the_loaded_status(waiting):
    Consultation.objects.filter(pk=waiting.pk).update(status=Status.WITHDRAWN, question="改过的问题")

    waiting.refresh_from_db(fields=["question"])

    assert waiting.question == "改过的问题"
    assert waiting.status == Status.SUBMITTED


def test_a_failed_reload_keeps_the_loaded_status(waiting):
    with pytest.raises(Consultation.DoesNotExist):
        waiting.refresh_from_db(from_queryset=Consultation.objects.none())

    assert waiting.status == Status.SUBMITTED


def test_the_status_cannot_be_assigned_directly(waiting):
    with pytest.raises(AttributeError):
        waiting.status = Status.ANSWERED


# --- submit ---------------------------------------------------------------------------------


def test_submit_starts_the_clock(draft, doctor, clock):
    draft.submit(doctor)

    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    assert draft.submitted_at == T0
    assert draft.due_at == T0 + timedelta(hours=48)
    assert kinds(draft) == ["submitted"]


def test_submit_by_a_specialist_is_refused(draft, specialist):
    with pytest.raises(ConsultationError):
        draft.submit(specialist)

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
    assert kinds(draft) == []


def test_submit_twice_is_refused(waiting, doctor):
    with pytest.raises(ConsultationError):
        waiting.submit(doctor)

    assert kinds(waiting) == ["submitted"]


# --- claim and assign -------------------------------------------------------------------------


def test_claim_assigns_and_shares_the_record(waiting, specialist):
    assert not Patient.objects.visible_to(specialist).filter(pk=waiting.patient_id).exists()

    waiting.claim(specialist)

    waiting.refresh_from_db()
    assert waiting.status == Status.CLAIMED
    assert waiting.assigned_to == specialist
    assert waiting.claimed_at is not None
    assert Patient.objects.visible_to(specialist).filter(pk=waiting.patient_id).exists()
    event = ConsultationEvent.objects.get(consultation=waiting, kind="claimed")
    assert (event.actor, event.from_status, event.to_status) == (specialist, Status.SUBMITTED, Status.CLAIMED)


def test_assign_records_who_assigned_whom(waiting, specialist, colleague):
    waiting.claim(colleague, assigned_by=specialist)

    waiting.refresh_from_db()
    assert waiting.assigned_to == colleague
    event = ConsultationEvent.objects.get(consultation=waiting, kind="assigned")
    assert event.actor == specialist
    assert event.note == colleague.display_name


def test_claim_by_another_department_is_refused(waiting, neurology):
    neurologist = UserFactory(hospital=neurology.hospital, department=neurology, roles=[Role.SPECIALIST])

    with pytest.raises(ConsultationError):
        waiting.claim(neurologist)

    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED
    assert waiting.assigned_to is None


def test_claim_by_the_requesting_doctor_is_refused(waiting, doctor):
    with pytest.raises(ConsultationError):
        waiting.claim(doctor)

    assert kinds(waiting) == ["submitted"]


def test_assign_by_someone_outside_the_department_is_refused(waiting, specialist, neurology):
    neurologist = UserFactory(hospital=neurology.hospital, department=neurology, roles=[Role.SPECIALIST])

    with pytest.raises(ConsultationError):
        waiting.claim(specialist, assigned_by=neurologist)

    waiting.refresh_from_db()
    assert waiting.assigned_to is None


def test_claim_of_a_claimed_case_is_refused(claimed, colleague, specialist):
    with pytest.raises(ConsultationError, match="Another specialist has already taken this case"):
        claimed.claim(colleague)

    claimed.refresh_from_db()
    assert claimed.assigned_to == specialist
    assert kinds(claimed).count("claimed") == 1


def test_claim_of_a_draft_is_refused(draft, specialist):
    with pytest.raises(ConsultationError):
        draft.claim(specialist)

    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


# --- request and provide information ------------------------------------------------------------


def test_request_info_pauses_and_writes_the_question(claimed, specialist, clock):
    claimed.request_info(specialist, "请提供胸片")

    claimed.refresh_from_db()
    assert claimed.status == Status.INFO_REQUESTED
    assert claimed.paused_since == clock.now
    message = Message.objects.get(consultation=claimed)
    assert (message.author, message.body, message.is_info_request) == (specialist, "请提供胸片", True)
    assert kinds(claimed)[-1] == "info_requested"


def test_request_info_by_a_colleague_is_refused(claimed, colleague):
    with pytest.raises(ConsultationError):
        claimed.request_info(colleague, "?")

    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED
    assert not Message.objects.exists()


def test_request_info_on_a_waiting_case_is_refused(waiting, specialist):
    with pytest.raises(ConsultationError):
        waiting.request_info(specialist, "?")

    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED
    assert waiting.paused_since is None


def test_provide_info_by_another_hospital_is_refused(claimed, specialist, outsider):
    claimed.request_info(specialist, "?")

    with pytest.raises(ConsultationError):
        claimed.provide_info(outsider, "!")

    claimed.refresh_from_db()
    assert claimed.status == Status.INFO_REQUESTED
    assert claimed.paused_since is not None


def test_provide_info_when_nothing_was_asked_is_refused(claimed, doctor):
    with pytest.raises(ConsultationError):
        claimed.provide_info(doctor, "!")

    assert kinds(claimed) == ["submitted", "claimed"]


# --- the clock -------------------------------------------------------------------------------


def test_a_pause_moves_the_due_time_and_is_left_out_of_the_response_time(draft, doctor, specialist, clock):
    draft.submit(doctor)
    clock.advance(minutes=10)
    draft.claim(specialist)
    clock.advance(minutes=50)  # t0 + 1 h
    draft.request_info(specialist, "请提供血常规")
    assert draft.time_left() == timedelta(hours=47)

    clock.advance(hours=1)  # t0 + 2 h: the clock is frozen while paused
    assert draft.time_left() == timedelta(hours=47)
    assert draft.paused_duration() == timedelta(hours=1)
    assert not draft.is_overdue()

    clock.advance(hours=1)  # t0 + 3 h
    draft.provide_info(doctor, "白细胞 12 x 10^9/L")

    draft.refresh_from_db()
    assert draft.status == Status.CLAIMED
    assert draft.paused_since is None
    assert draft.paused_total == timedelta(hours=2)
    assert draft.due_at == T0 + timedelta(hours=48 + 2)
    assert draft.time_left() == timedelta(hours=47)

    clock.advance(hours=2)  # t0 + 5 h
    draft.answer(
        specialist, assessment="a", recommendation="manage_locally", plan="p", family_advice="", follow_up_days=3
    )

    draft.refresh_from_db()
    assert draft.response_time() == timedelta(hours=3)
    assert draft.answered_within_target() is True
    assert draft.time_left() is None


def test_two_pauses_add_up(claimed, specialist, doctor, clock):
    due = claimed.due_at
    for hours in (1, 3):
        claimed.request_info(specialist, "?")
        clock.advance(hours=hours)
        claimed.provide_info(doctor, "!")

    claimed.refresh_from_db()
    assert claimed.paused_total == timedelta(hours=4)
    assert claimed.due_at == due + timedelta(hours=4)
    assert kinds(claimed).count("info_provided") == 2


def test_a_paused_case_is_not_past_its_target(claimed, specialist, clock):
    claimed.request_info(specialist, "?")
    clock.advance(hours=72)

    assert claimed.is_overdue() is False
    assert not Consultation.objects.past_target(clock.now).filter(pk=claimed.pk).exists()


# --- redirect --------------------------------------------------------------------------------


def test_redirect_of_a_claimed_case_restarts_in_the_other_specialty(claimed, specialist, neurology, clock):
    clock.advance(hours=1)
    claimed.redirect(specialist, neurology, "抽搐, 属神经科")

    claimed.refresh_from_db()
    assert claimed.status == Status.SUBMITTED
    assert claimed.department == neurology
    assert claimed.assigned_to is None
    assert claimed.claimed_at is None
    assert claimed.due_at == clock.now + timedelta(hours=48)
    event = ConsultationEvent.objects.get(consultation=claimed, kind="redirected")
    assert (event.from_status, event.to_status) == (Status.CLAIMED, Status.SUBMITTED)
    assert "抽搐, 属神经科" in event.note


def test_redirect_of_a_waiting_case_by_any_department_specialist(waiting, colleague, neurology):
    waiting.redirect(colleague, neurology, "reason")

    waiting.refresh_from_db()
    assert waiting.department == neurology


def test_redirect_to_the_same_specialty_is_refused(waiting, specialist):
    with pytest.raises(ConsultationError):
        waiting.redirect(specialist, specialist.department, "reason")

    waiting.refresh_from_db()
    assert waiting.department == specialist.department
    assert kinds(waiting) == ["submitted"]


def test_redirect_to_a_district_hospital_department_is_refused(waiting, specialist, doctor):
    with pytest.raises(ConsultationError):
        waiting.redirect(specialist, doctor.department, "reason")

    waiting.refresh_from_db()
    assert waiting.department == specialist.department


def test_redirect_of_a_claimed_case_by_a_colleague_is_refused(claimed, colleague, neurology, specialist):
    with pytest.raises(ConsultationError):
        claimed.redirect(colleague, neurology, "reason")

    claimed.refresh_from_db()
    assert claimed.assigned_to == specialist


def test_redirect_while_waiting_for_information_is_refused(claimed, specialist, neurology):
    claimed.request_info(specialist, "?")

    with pytest.raises(ConsultationError):
        claimed.redirect(specialist, neurology, "reason")

    claimed.refresh_from_db()
    assert claimed.status == Status.INFO_REQUESTED


# --- decline ---------------------------------------------------------------------------------


def test_decline_of_a_waiting_case(waiting, colleague):
    waiting.decline(colleague, "needs_in_person", "请到门诊就诊")

    waiting.refresh_from_db()
    assert waiting.status == Status.DECLINED
    assert (waiting.decline_reason, waiting.decline_comment) == ("needs_in_person", "请到门诊就诊")
    event = ConsultationEvent.objects.get(consultation=waiting, kind="declined")
    assert (event.actor, event.from_status) == (colleague, Status.SUBMITTED)


def test_decline_of_a_claimed_case_by_its_specialist(claimed, specialist):
    claimed.decline(specialist, "outside_specialty")

    claimed.refresh_from_db()
    assert claimed.status == Status.DECLINED


def test_decline_without_a_known_reason_is_refused(waiting, specialist):
    with pytest.raises(ConsultationError):
        waiting.decline(specialist, "bored")

    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_decline_by_the_requesting_doctor_is_refused(waiting, doctor):
    with pytest.raises(ConsultationError):
        waiting.decline(doctor, "other", "x")

    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED


def test_decline_of_an_answered_case_is_refused(claimed, specialist):
    claimed.answer(specialist, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=None)

    with pytest.raises(ConsultationError):
        claimed.decline(specialist, "other", "x")

    claimed.refresh_from_db()
    assert claimed.status == Status.ANSWERED


# --- answer ----------------------------------------------------------------------------------


def test_answer_stores_the_advice(claimed, specialist, clock):
    claimed.answer(
        specialist,
        assessment="社区获得性肺炎",
        recommendation="tests_then_reconsult",
        plan="查血常规、CRP",
        family_advice="多饮水",
        follow_up_days=2,
    )

    claimed.refresh_from_db()
    assert claimed.status == Status.ANSWERED
    assert claimed.assessment == "社区获得性肺炎"
    assert claimed.recommendation == "tests_then_reconsult"
    assert (claimed.plan, claimed.family_advice, claimed.follow_up_days) == ("查血常规、CRP", "多饮水", 2)
    assert claimed.answered_at == clock.now
    assert kinds(claimed) == ["submitted", "claimed", "answered"]


def test_answer_with_an_unknown_recommendation_is_refused(claimed, specialist):
    with pytest.raises(ConsultationError):
        claimed.answer(specialist, assessment="a", recommendation="pray", plan="p", family_advice="", follow_up_days=1)

    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED
    assert claimed.assessment == ""


def test_answer_by_a_colleague_is_refused(claimed, colleague):
    with pytest.raises(ConsultationError):
        claimed.answer(colleague, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=1)

    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED


def test_answer_while_waiting_for_information_is_refused(claimed, specialist):
    claimed.request_info(specialist, "?")

    with pytest.raises(ConsultationError):
        claimed.answer(specialist, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=1)

    claimed.refresh_from_db()
    assert claimed.status == Status.INFO_REQUESTED
    assert claimed.answered_at is None


def test_answer_twice_is_refused(claimed, specialist):
    claimed.answer(specialist, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=1)

    with pytest.raises(ConsultationError):
        claimed.answer(specialist, assessment="b", recommendation="refer", plan="q", family_advice="", follow_up_days=1)

    claimed.refresh_from_db()
    assert claimed.assessment == "a"
    assert kinds(claimed).count("answered") == 1


# --- close and withdraw --------------------------------------------------------------------------


def test_close_records_the_feedback(claimed, specialist, doctor):
    claimed.answer(specialist, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=1)

    claimed.close(doctor, advice_adopted="fully", not_adopted_reason="", referral_avoided=False, usefulness=4)

    claimed.refresh_from_db()
    assert claimed.status == Status.CLOSED
    assert (claimed.advice_adopted, claimed.usefulness) == ("fully", 4)
    assert kinds(claimed)[-1] == "closed"


def test_close_by_the_specialist_is_refused(claimed, specialist):
    claimed.answer(specialist, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=1)

    with pytest.raises(ConsultationError):
        claimed.close(specialist, advice_adopted="fully", not_adopted_reason="", referral_avoided=True, usefulness=5)

    claimed.refresh_from_db()
    assert claimed.status == Status.ANSWERED


def test_close_of_an_unanswered_case_is_refused(claimed, doctor):
    with pytest.raises(ConsultationError):
        claimed.close(doctor, advice_adopted="fully", not_adopted_reason="", referral_avoided=True, usefulness=5)

    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED


def test_withdraw_of_a_waiting_case(waiting, doctor):
    waiting.withdraw(doctor, "已转诊")

    waiting.refresh_from_db()
    assert waiting.status == Status.WITHDRAWN
    assert ConsultationEvent.objects.get(consultation=waiting, kind="withdrawn").note == "已转诊"


def test_withdraw_of_a_claimed_case_is_refused(claimed, doctor):
    with pytest.raises(ConsultationError):
        claimed.withdraw(doctor)

    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED


def test_withdraw_by_a_specialist_is_refused(waiting, specialist):
    with pytest.raises(ConsultationError):
        waiting.withdraw(specialist)

    waiting.refresh_from_db()
    assert waiting.status == Status.SUBMITTED
