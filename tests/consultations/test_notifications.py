"""Every step of a consultation tells the other side, in the inbox and by email, without
naming the child."""

from __future__ import annotations

import pytest
from django.core import mail

from cloudpeds.accounts.roles import Role
from cloudpeds.notifications import kinds
from cloudpeds.notifications.checks import email_templates_exist
from cloudpeds.notifications.email import render_email
from cloudpeds.notifications.models import Notification
from consultations.models import Consultation

from ..factories import DepartmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

CHILD = "欧阳小明"

KINDS = [
    "consultations.submitted",
    "consultations.claimed",
    "consultations.info_requested",
    "consultations.info_provided",
    "consultations.redirected",
    "consultations.declined",
    "consultations.answered",
    "consultations.closed",
    "consultations.withdrawn",
    "consultations.overdue",
    "consultations.escalated",
    "consultations.message",
    "consultations.conference_scheduled",
]


@pytest.fixture
def neurologist(xinhua):
    neurology = DepartmentFactory(hospital=xinhua, specialty="neurology", name_zh="小儿神经科", name_en="Neurology")
    return UserFactory(username="neuro", hospital=xinhua, department=neurology, roles=[Role.SPECIALIST])


@pytest.fixture
def patient(doctor):
    return PatientFactory(hospital=doctor.hospital, registered_by=doctor, name=CHILD)


@pytest.fixture
def claimed(waiting, specialist):
    waiting.claim(specialist)
    Notification.objects.all().delete()
    return waiting


def told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_a_claim_tells_the_requesting_doctor_in_the_inbox_and_by_email_after_commit(
    waiting, doctor, specialist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        waiting.claim(specialist)
        row = Notification.objects.get(kind="consultations.claimed")
        assert mail.outbox == []

    assert row.recipient == doctor
    assert row.actor == specialist
    assert row.target == Consultation.objects.get(pk=waiting.pk)
    assert row.target_url == waiting.get_absolute_url()
    # Parameters only: the child's age is rendered from the case, in the reader's language.
    assert row.context == {"specialist": specialist.display_name}
    assert str(row.template_context()["patient_age"]) == waiting.patient.age_display()
    assert row.email_status == Notification.EmailStatus.PENDING
    assert mail.outbox == []

    for callback in callbacks:
        callback()

    [email] = mail.outbox
    assert email.to == [doctor.email]
    assert email.subject == (
        f"{specialist.display_name} is handling the consultation about a child aged {waiting.patient.age_display()}"
    )
    assert CHILD not in email.subject + email.body + email.alternatives[0][0]
    assert row.get_absolute_url() in email.body
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT
    assert row.subject() == email.subject


def test_a_rolled_back_claim_sends_nothing(waiting, specialist, django_capture_on_commit_callbacks, monkeypatch):
    def broken_grant(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(type(waiting.patient), "grant", broken_grant)

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        waiting.claim(specialist)

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_an_assignment_tells_the_colleague_and_the_requesting_doctor(
    waiting, doctor, specialist, colleague, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        waiting.claim(colleague, assigned_by=specialist)

    assert told("consultations.claimed") == {doctor.pk, colleague.pk}
    bodies = {email.to[0]: email.body for email in mail.outbox}
    assert f"The case was assigned by {specialist.display_name}." in bodies[doctor.email]


def test_submit_tells_the_departments_specialists(draft, doctor, specialist, colleague, neurologist):
    draft.submit(doctor)

    assert told("consultations.submitted") == {specialist.pk, colleague.pk}


def test_asking_for_information_tells_the_requesting_doctor(claimed, doctor, specialist):
    claimed.request_info(specialist, f"{CHILD}的胸片?")

    assert told("consultations.info_requested") == {doctor.pk}
    row = Notification.objects.get(kind="consultations.info_requested")
    assert row.context["question"] == f"{CHILD}的胸片?"


def test_information_provided_tells_the_specialist(claimed, doctor, specialist):
    claimed.request_info(specialist, "?")

    claimed.provide_info(doctor, "!")

    assert told("consultations.info_provided") == {specialist.pk}


def test_a_redirect_tells_the_doctor_and_the_new_specialty(claimed, doctor, specialist, colleague, neurologist):
    claimed.redirect(specialist, neurologist.department, "抽搐")

    assert told("consultations.redirected") == {doctor.pk, neurologist.pk}


def test_a_decline_tells_the_requesting_doctor_the_coded_reason(claimed, doctor, specialist):
    claimed.decline(specialist, "needs_in_person", "请到门诊")

    [row] = Notification.objects.filter(kind="consultations.declined")
    assert row.recipient == doctor
    assert row.context == {"reason_zh": "需要当面评估", "reason_en": "Needs an in-person assessment"}


def test_an_answer_tells_the_requesting_doctor_the_recommendation(claimed, doctor, specialist):
    claimed.answer(
        specialist, assessment="a", recommendation="transfer_urgently", plan="p", family_advice="", follow_up_days=None
    )

    [row] = Notification.objects.filter(kind="consultations.answered")
    assert row.recipient == doctor
    # Rendered from the answer, not stored.
    assert "recommendation" not in row.context
    assert str(row.template_context()["recommendation"]) == "Transfer urgently"


def test_closing_tells_the_specialist(claimed, doctor, specialist):
    claimed.answer(specialist, assessment="a", recommendation="refer", plan="p", family_advice="", follow_up_days=None)

    claimed.close(doctor, advice_adopted="fully", not_adopted_reason="", referral_avoided=False, usefulness=4)

    assert told("consultations.closed") == {specialist.pk}


def test_withdrawing_tells_the_departments_specialists(waiting, doctor, specialist, colleague):
    waiting.withdraw(doctor)

    assert told("consultations.withdrawn") == {specialist.pk, colleague.pk}


def test_the_actor_is_not_told_about_their_own_step(waiting, specialist):
    waiting.claim(specialist)

    assert specialist.pk not in told("consultations.claimed")


# --- the kinds and their templates --------------------------------------------------------------


def test_every_kind_is_registered_with_a_label():
    registered = {kind.key: kind for kind in kinds.all_kinds()}

    for key in KINDS:
        assert key in registered, key
        assert str(registered[key].label)
        assert registered[key].icon.startswith("bi-")


def test_the_check_finds_every_email_template():
    assert [error for error in email_templates_exist() if "consultations." in error.msg] == []


FULL_CONTEXT = {
    "patient_age": "3 years 2 months",
    "specialist": "李医生",
    "question": f"{CHILD}的胸片?",
    "reason": "Needs an in-person assessment",
    "recommendation": "Refer to Xinhua",
    "usefulness": 4,
    "scheduled_for": "2025-03-05 14:00",
    "recipient_name": "王医生",
    "actor_name": "张医生",
    "url": "https://portal.example/notifications/x/",
    "preferences_url": "https://portal.example/notifications/preferences/",
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_each_email_renders_names_no_child_and_links_to_the_case(kind, language):
    subject, text, html = render_email(kind, FULL_CONTEXT, language)

    assert subject
    assert "\n" not in subject
    for part in (subject, text, html):
        assert CHILD not in part
    assert FULL_CONTEXT["url"] in text
    assert FULL_CONTEXT["url"] in html
    assert "{%" not in text + html
    if language == "en":
        assert "3 years 2 months" in subject


def test_the_details_the_kind_carries_are_in_the_email():
    _, text, _ = render_email("consultations.answered", FULL_CONTEXT, "en")
    assert "Recommendation: Refer to Xinhua" in text

    _, text, _ = render_email("consultations.closed", FULL_CONTEXT, "en")
    assert "Your answer was rated 4 out of 5 for usefulness." in text

    _, text, _ = render_email("consultations.conference_scheduled", FULL_CONTEXT, "en")
    assert "When: 2025-03-05 14:00" in text


def test_free_text_is_never_quoted_in_an_email():
    """A question or a redirect reason is typed by a doctor and may name the child."""
    for kind, key in [("consultations.redirected", "reason"), ("consultations.info_requested", "question")]:
        subject, text, html = render_email(kind, {**FULL_CONTEXT, key: f"{CHILD}的情况"}, "en")

        assert CHILD not in subject + text + html
