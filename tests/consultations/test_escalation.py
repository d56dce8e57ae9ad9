"""The response-time escalation job (`consultations.tasks.escalate_overdue_consultations`)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from cloudpeds.celery import app as celery_app
from cloudpeds.notifications.models import Notification
from consultations.models import Consultation, ConsultationEvent, Status
from consultations.tasks import escalate_overdue_consultations

from ..factories import ConsultationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(patient, specialist, colleague):
    """A case waiting for a specialist, due an hour ago."""
    return ConsultationFactory(
        patient=patient, department=specialist.department, due_at=timezone.now() - timedelta(hours=1)
    )


def run(django_capture_on_commit_callbacks) -> dict[str, int]:
    # The job's notifications email after commit, as in a worker.
    with django_capture_on_commit_callbacks(execute=True):
        return escalate_overdue_consultations()


def told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def age_overdue_step(consultation: Consultation, settings, extra_minutes: int = 1) -> None:
    """Pretend the case was marked overdue longer ago than the escalation delay."""
    delay = timedelta(hours=settings.CONSULTATION_ESCALATION_DELAY_HOURS, minutes=extra_minutes)
    Consultation.objects.filter(pk=consultation.pk).update(overdue_at=timezone.now() - delay)


def test_a_late_case_is_marked_overdue_and_the_department_is_told(
    late, specialist, colleague, group_admin, django_capture_on_commit_callbacks
):
    result = run(django_capture_on_commit_callbacks)

    assert result == {"overdue": 1, "escalated": 0}
    late.refresh_from_db()
    assert late.overdue_at is not None
    assert late.escalated_at is None
    assert late.status == Status.SUBMITTED
    event = ConsultationEvent.objects.get(consultation=late, kind="overdue")
    assert event.actor is None
    assert told("consultations.overdue") == {specialist.pk, colleague.pk}
    assert told("consultations.escalated") == set()
    assert sorted(message.to[0] for message in mail.outbox) == sorted([specialist.email, colleague.email])


def test_running_twice_tells_nobody_twice(late, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks)
    sent = len(mail.outbox)

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 0}

    assert Notification.objects.filter(kind="consultations.overdue").count() == 2
    assert ConsultationEvent.objects.filter(consultation=late, kind="overdue").count() == 1
    assert len(mail.outbox) == sent


def test_the_administrators_are_told_after_the_delay(
    late, specialist, group_admin, settings, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks)
    age_overdue_step(late, settings)
    mail.outbox.clear()

    result = run(django_capture_on_commit_callbacks)

    assert result == {"overdue": 0, "escalated": 1}
    late.refresh_from_db()
    assert late.escalated_at is not None
    assert told("consultations.escalated") == {group_admin.pk}
    assert ConsultationEvent.objects.filter(consultation=late, kind="escalated").count() == 1
    assert [message.to for message in mail.outbox] == [[group_admin.email]]


def test_escalation_happens_once(late, group_admin, settings, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks)
    age_overdue_step(late, settings)
    run(django_capture_on_commit_callbacks)
    sent = len(mail.outbox)

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 0}

    assert Notification.objects.filter(kind="consultations.escalated").count() == 1
    assert ConsultationEvent.objects.filter(consultation=late, kind="escalated").count() == 1
    assert len(mail.outbox) == sent


def test_no_escalation_before_the_delay(late, group_admin, settings, django_capture_on_commit_callbacks):
    run(django_capture_on_commit_callbacks)
    age_overdue_step(late, settings, extra_minutes=-5)

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 0}

    late.refresh_from_db()
    assert late.escalated_at is None
    assert told("consultations.escalated") == set()


def test_the_delay_comes_from_settings(late, group_admin, settings, django_capture_on_commit_callbacks):
    settings.CONSULTATION_ESCALATION_DELAY_HOURS = 1
    run(django_capture_on_commit_callbacks)
    Consultation.objects.filter(pk=late.pk).update(overdue_at=timezone.now() - timedelta(minutes=61))

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 1}


def test_a_case_still_in_time_is_left_alone(patient, specialist, django_capture_on_commit_callbacks):
    in_time = ConsultationFactory(
        patient=patient, department=specialist.department, due_at=timezone.now() + timedelta(minutes=5)
    )

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 0}

    in_time.refresh_from_db()
    assert in_time.overdue_at is None
    assert not Notification.objects.exists()


def test_time_waiting_for_information_does_not_count(patient, specialist, doctor, django_capture_on_commit_callbacks):
    case = ConsultationFactory(patient=patient, department=specialist.department)
    case.claim(specialist)
    case.request_info(specialist, "请提供胸片")
    # The target passes while the doctor is being asked: nothing happens.
    Consultation.objects.filter(pk=case.pk).update(due_at=timezone.now() - timedelta(hours=2))
    Notification.objects.all().delete()

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 0}

    case.refresh_from_db()
    assert case.overdue_at is None
    assert not Notification.objects.filter(kind="consultations.overdue").exists()


def test_a_claimed_case_can_still_be_overdue(late, specialist, colleague, django_capture_on_commit_callbacks):
    late.claim(specialist)

    assert run(django_capture_on_commit_callbacks) == {"overdue": 1, "escalated": 0}

    assert told("consultations.overdue") == {specialist.pk, colleague.pk}


@pytest.mark.parametrize("status", [Status.ANSWERED, Status.CLOSED, Status.DECLINED, Status.WITHDRAWN, Status.DRAFT])
def test_finished_cases_are_left_alone(patient, specialist, status, django_capture_on_commit_callbacks):
    ConsultationFactory(
        patient=patient, department=specialist.department, status=status, due_at=timezone.now() - timedelta(days=3)
    )

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 0}

    assert not Notification.objects.exists()


def test_an_answer_after_overdue_stops_the_escalation(
    late, specialist, group_admin, settings, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks)
    late.claim(specialist)
    late.answer(specialist, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=None)
    age_overdue_step(late, settings)

    assert run(django_capture_on_commit_callbacks) == {"overdue": 0, "escalated": 0}

    assert told("consultations.escalated") == set()


def test_one_broken_case_does_not_stop_the_others(
    late, patient, specialist, monkeypatch, django_capture_on_commit_callbacks
):
    other = ConsultationFactory(
        patient=patient, department=specialist.department, due_at=timezone.now() - timedelta(minutes=30)
    )
    original = Consultation.mark_overdue

    def flaky(self, now=None):
        if self.pk == late.pk:
            raise RuntimeError("database hiccup")
        return original(self, now)

    monkeypatch.setattr(Consultation, "mark_overdue", flaky)

    assert run(django_capture_on_commit_callbacks) == {"overdue": 1, "escalated": 0}

    other.refresh_from_db()
    late.refresh_from_db()
    assert other.overdue_at is not None
    assert late.overdue_at is None


def test_the_task_is_registered_for_beat():
    assert escalate_overdue_consultations.name == "consultations.tasks.escalate_overdue_consultations"
    assert escalate_overdue_consultations.name in celery_app.tasks


def test_the_escalation_leads_administrators_to_the_queue_not_the_case(
    late, group_admin, settings, client, django_capture_on_commit_callbacks
):
    run(django_capture_on_commit_callbacks)
    age_overdue_step(late, settings)
    run(django_capture_on_commit_callbacks)
    notification = Notification.objects.get(kind="consultations.escalated", recipient=group_admin)

    assert notification.target_url == f"/consultations/queue/?department={late.department_id}"
    client.force_login(group_admin)
    queue = client.get(notification.target_url)
    assert queue.status_code == 200
    assert late.patient.name not in queue.content.decode()
    assert client.get(late.get_absolute_url()).status_code == 404
