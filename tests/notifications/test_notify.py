from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.utils import translation

from cloudpeds.accounts.models import User
from cloudpeds.notifications.kinds import UnknownKind
from cloudpeds.notifications.models import Notification, NotificationPreference
from cloudpeds.notifications.services import notify
from cloudpeds.patients.models import Patient

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def test_one_row_per_recipient_with_target_actor_and_context(doctor, specialist, outsider, patient):
    rows = notify(
        [specialist, outsider, specialist],
        "patient.shared",
        patient,
        actor=doctor,
        context={"reason": "Consultation"},
        url="/patients/p/",
    )

    assert len(rows) == 2
    stored = Notification.objects.filter(kind="patient.shared").order_by("recipient__username")
    assert [row.recipient for row in stored] == [outsider, specialist]
    for row in stored:
        assert row.target == patient
        assert row.actor == doctor
        assert row.context == {"reason": "Consultation"}
        assert row.target_url == "/patients/p/"
        assert row.read_at is None
        assert row.email_status == Notification.EmailStatus.PENDING


def test_target_url_defaults_to_the_objects_absolute_url(doctor, specialist, patient, monkeypatch):
    monkeypatch.setattr(Patient, "get_absolute_url", lambda self: f"/patients/{self.public_id}/", raising=False)

    [row] = notify([specialist], "patient.shared", patient, actor=doctor)

    row.refresh_from_db()
    assert row.target_url == f"/patients/{patient.public_id}/"


def test_unknown_kind_is_refused_and_stores_nothing(specialist, patient):
    with pytest.raises(UnknownKind):
        notify([specialist], "patient.shraed", patient)

    assert not Notification.objects.exists()


def test_context_must_be_a_dict(specialist, patient):
    with pytest.raises(TypeError):
        notify([specialist], "patient.shared", patient, context=["not", "a", "dict"])

    assert not Notification.objects.exists()


def test_inactive_recipients_are_skipped(specialist, patient):
    specialist.is_active = False
    specialist.save()

    assert notify([specialist], "patient.shared", patient) == []
    assert not Notification.objects.exists()


def test_email_is_queued_only_after_commit(doctor, specialist, patient, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        [row] = notify([specialist], "patient.shared", patient, actor=doctor)
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert mail.outbox == []
    callbacks[0]()

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [specialist.email]
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.SENT
    assert row.email_attempts == 1
    assert row.email_sent_at is not None


def test_rolled_back_action_sends_nothing(specialist, patient, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([specialist], "patient.shared", patient)
        raise RuntimeError("the doctor's action failed")

    assert callbacks == []
    assert mail.outbox == []
    assert not Notification.objects.exists()


def test_email_turned_off_gives_the_inbox_row_only(
    doctor, specialist, outsider, patient, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=specialist, kind="patient.shared", email_enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        notify([specialist, outsider], "patient.shared", patient, actor=doctor)

    assert Notification.objects.get(recipient=specialist).email_status == Notification.EmailStatus.NOT_WANTED
    assert Notification.objects.get(recipient=outsider).email_status == Notification.EmailStatus.SENT
    assert [message.to for message in mail.outbox] == [[outsider.email]]


def test_email_turned_off_for_another_kind_still_sends(doctor, specialist, patient, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=specialist, kind="referral.accepted", email_enabled=False)

    with django_capture_on_commit_callbacks(execute=True):
        notify([specialist], "patient.shared", patient, actor=doctor)

    assert len(mail.outbox) == 1


def test_recipient_without_email_gets_the_inbox_row_only(specialist, patient, django_capture_on_commit_callbacks):
    specialist.email = ""
    specialist.save()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [row] = notify([specialist], "patient.shared", patient)

    assert callbacks == []
    assert mail.outbox == []
    row.refresh_from_db()
    assert row.email_status == Notification.EmailStatus.NOT_WANTED


def test_subject_and_body_are_in_the_recipients_language(doctor, patient, django_capture_on_commit_callbacks):
    english = UserFactory(username="visiting", preferred_language=User.Language.ENGLISH)

    # The sender works in Chinese; the recipient reads English.
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        [row] = notify([english], "patient.shared", patient, actor=doctor, context={"reason": "Second opinion"})

    [message] = mail.outbox
    assert message.subject == f"{doctor.display_name} shared a child's record with you"
    assert f"{doctor.display_name} gave you access to a child's record in Cloud Pediatrics." in message.body
    assert "Reason: Second opinion" in message.body
    assert f"{settings.SITE_URL}/notifications/{row.public_id}/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{settings.SITE_URL}/notifications/{row.public_id}/"' in html
    assert f"{settings.SITE_URL}/notifications/preferences/" in html
    # The email names no child.
    assert patient.name not in message.body
    assert patient.name not in html


def test_chinese_recipient_is_emailed(doctor, specialist, patient, django_capture_on_commit_callbacks):
    assert specialist.preferred_language == User.Language.CHINESE

    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        notify([specialist], "patient.shared", patient, actor=doctor)

    [message] = mail.outbox
    assert message.to == [specialist.email]
    assert message.subject
    assert "\n" not in message.subject


def test_text_part_is_not_html_escaped_but_html_part_is(specialist, patient, django_capture_on_commit_callbacks):
    specialist.preferred_language = User.Language.ENGLISH
    specialist.save()
    actor = UserFactory(username="obrien", last_name="O'Brien & ", first_name="Co")

    with django_capture_on_commit_callbacks(execute=True):
        notify([specialist], "patient.shared", patient, actor=actor, context={"reason": "<b>fever</b>"})

    [message] = mail.outbox
    assert message.subject == "O'Brien & Co shared a child's record with you"
    assert "Reason: <b>fever</b>" in message.body
    html = message.alternatives[0][0]
    assert "O&#x27;Brien &amp; Co" in html
    assert "&lt;b&gt;fever&lt;/b&gt;" in html
