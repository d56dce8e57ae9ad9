"""Issuing certificates (Certificate.issue_for on a passed attempt), revoking and reissuing
them, and what counts for the yearly credits."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cloudpeds.notifications.models import Notification
from tests.factories import CertificateFactory, CourseFactory, completed_enrolment, exam_with_bank
from training.models import (
    Attempt,
    Certificate,
    CertificateEvent,
    TrainingError,
    add_months,
    new_verification_code,
    normalise_code,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course():
    return CourseFactory(
        title_zh="5岁以下儿童发热的处理",
        title_en="Managing fever in children under 5",
        credit_hours=Decimal("4.0"),
        credit_class="I",
        certificate_validity_months=24,
    )


def passed_attempt(course, user, *, number: int = 1, at: datetime | None = None) -> Attempt:
    exam = exam_with_bank(course, categories=1, per_category=3, draw=2)
    at = at or timezone.now()
    return Attempt.objects.create(
        exam=exam,
        user=user,
        number=number,
        status="submitted",
        started_at=at,
        deadline=at,
        submitted_at=at,
        score_percent=Decimal("92.50"),
        passed=True,
    )


def test_a_pass_issues_a_certificate_with_what_it_says_recorded(course, doctor):
    doctor.last_name, doctor.first_name = "陈", "建国"
    doctor.save()
    issued_at = datetime(2025, 1, 31, 17, 0, tzinfo=UTC)  # 1 February, 01:00 in Shanghai
    attempt = passed_attempt(course, doctor)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: issued_at)
        certificate = Certificate.issue_for(attempt, now=issued_at)

    certificate.refresh_from_db()
    assert certificate.holder_name == "陈建国"
    assert (certificate.hospital_zh, certificate.hospital_en) == ("杨浦区中心医院", "Yangpu District Central Hospital")
    assert certificate.course_title_zh == "5岁以下儿童发热的处理"
    assert certificate.course_title_en == "Managing fever in children under 5"
    assert (certificate.credit_hours, certificate.credit_class) == (Decimal("4.0"), "I")
    assert certificate.score_percent == Decimal("92.50")
    assert certificate.issued_on == date(2025, 2, 1)
    assert certificate.expires_on == date(2027, 2, 1)
    assert certificate.status == "valid"
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", certificate.code)
    assert CertificateEvent.objects.filter(certificate=certificate, kind="issued").count() == 1
    assert Notification.objects.filter(recipient=doctor, kind="training.certificate_issued").count() == 1


def test_a_later_name_change_does_not_change_the_certificate(course, doctor):
    certificate = Certificate.issue_for(passed_attempt(course, doctor))
    name = certificate.holder_name

    doctor.last_name = "欧阳"
    doctor.save()

    certificate.refresh_from_db()
    assert certificate.holder_name == name


def test_issuing_twice_for_the_same_pass_gives_the_same_certificate(course, doctor):
    attempt = passed_attempt(course, doctor)

    first = Certificate.issue_for(attempt)
    second = Certificate.issue_for(attempt)

    assert first.pk == second.pk
    assert Certificate.objects.count() == 1


def test_a_failed_attempt_earns_nothing(course, doctor):
    attempt = passed_attempt(course, doctor)
    attempt.passed = False

    with pytest.raises(TrainingError):
        Certificate.issue_for(attempt)


def test_a_pass_in_the_renewal_window_supersedes_the_old_certificate(course, doctor):
    old = Certificate.issue_for(passed_attempt(course, doctor))
    Certificate.objects.filter(pk=old.pk).update(expires_on=timezone.localdate() + timedelta(days=30))
    renewal = Attempt.objects.create(
        exam=old.attempt.exam,
        user=doctor,
        number=2,
        status="submitted",
        started_at=timezone.now(),
        deadline=timezone.now(),
        score_percent=100,
        passed=True,
    )

    new = Certificate.issue_for(renewal)

    old.refresh_from_db()
    assert new.pk != old.pk
    assert (old.status, old.superseded_by_id) == ("superseded", new.pk)
    assert new.expires_on == add_months(timezone.localdate(), 24)
    assert new.is_reissue is False


def test_codes_are_random_not_sequential():
    codes = {new_verification_code() for _ in range(500)}

    assert len(codes) == 500
    assert normalise_code(" abcd efgh-jkmn pqrs ") == "ABCD-EFGH-JKMN-PQRS"
    assert normalise_code("too-short") == ""


def test_revoking_records_the_reason_and_tells_the_holder(manager, doctor):
    certificate = CertificateFactory(holder=doctor)

    certificate.revoke(manager, "  考试作弊  ")

    certificate.refresh_from_db()
    assert certificate.status == "revoked"
    assert certificate.revoke_reason == "考试作弊"
    assert certificate.revoked_by == manager
    assert certificate.revoked_at is not None
    event = CertificateEvent.objects.get(certificate=certificate, kind="revoked")
    assert (event.actor, event.note) == (manager, "考试作弊")
    assert Notification.objects.filter(recipient=doctor, kind="training.certificate_revoked").exists()


def test_revoking_needs_a_reason_a_manager_and_a_valid_certificate(manager, doctor):
    certificate = CertificateFactory(holder=doctor)
    with pytest.raises(TrainingError):
        certificate.revoke(manager, "  ")
    with pytest.raises(TrainingError):
        certificate.revoke(doctor, "mine")
    certificate.revoke(manager, "reason")
    with pytest.raises(TrainingError):
        certificate.revoke(manager, "again")


def test_reissue_after_a_name_correction(course, manager, doctor):
    doctor.last_name, doctor.first_name = "陈", "建囯"  # a typo in the given name
    doctor.save()
    old = Certificate.issue_for(passed_attempt(course, doctor))
    doctor.first_name = "建国"
    doctor.save()

    new = old.reissue(manager, "姓名更正")

    old.refresh_from_db()
    assert (old.status, old.superseded_by) == ("superseded", new)
    assert new.holder_name == "陈建国"
    assert new.code != old.code
    assert (new.issued_at, new.expires_on, new.score_percent) == (old.issued_at, old.expires_on, old.score_percent)
    assert (new.attempt_id, new.is_reissue, new.status) == (old.attempt_id, True, "valid")
    assert CertificateEvent.objects.get(certificate=new, kind="reissued").note == "姓名更正"
    assert Notification.objects.filter(recipient=doctor, kind="training.certificate_reissued").exists()
    with pytest.raises(TrainingError):
        old.reissue(manager)


def test_yearly_credits_count_each_pass_once(manager, doctor):
    this_year = timezone.localdate().year
    first = CertificateFactory(holder=doctor, credit_hours=Decimal("4.0"))
    CertificateFactory(holder=doctor, credit_hours=Decimal("2.5"))
    revoked = CertificateFactory(holder=doctor, credit_hours=Decimal("10.0"))
    revoked.revoke(manager, "wrong person")
    CertificateFactory(
        holder=doctor,
        credit_hours=Decimal("3.0"),
        issued_at=datetime(this_year - 1, 12, 31, 17, 0, tzinfo=UTC),  # 1 January in Shanghai
    )
    first.reissue(manager)  # the reissue replaces it: still 4 hours, not 8

    assert Certificate.objects.filter(holder=doctor).credits_in_year(this_year) == Decimal("9.5")
    assert Certificate.objects.filter(holder=doctor).credits_in_year(this_year - 1) == Decimal("0")


def test_a_completed_learner_passing_through_the_exam_gets_one_certificate(doctor):
    exam = exam_with_bank(categories=1, per_category=3, draw=3, pass_mark_percent=60)
    completed_enrolment(exam.course, doctor)
    attempt = exam.start_attempt(doctor)
    for item in attempt.items.select_related("question"):
        correct = item.question.correct_choice_ids()
        attempt.answer(item.position, [i for i, pk in enumerate(item.choice_order) if pk in correct])

    assert attempt.submit() is True
    assert attempt.submit() is False

    assert Certificate.objects.filter(holder=doctor).count() == 1
