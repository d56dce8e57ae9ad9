"""Every referral notification kind renders in both languages and never names the child."""

from __future__ import annotations

import pytest
from django.core import mail

from cloudpeds.notifications import kinds
from cloudpeds.notifications.email import render_email
from cloudpeds.notifications.models import Notification

pytestmark = pytest.mark.django_db

CONTEXT = {
    "patient_age": "3岁2个月",
    "urgency": "Urgent",
    "sending_hospital": "Yangpu",
    "receiving_hospital": "Xinhua",
    "department": "Respiratory",
    "direction": "Up",
    "window": "2026-01-01 10:00–14:00",
    "reason": "No capacity",
    "transport": "Ambulance",
    "follow_up_count": 2,
    "done": 1,
    "total": 2,
    "item": "复查胸片",
    "due_on": "2026-01-08",
    "recipient_name": "王丽",
    "actor_name": "刘强",
    "url": "https://portal.example/n/1",
    "preferences_url": "https://portal.example/prefs",
}

REFERRAL_KINDS = [kind.key for kind in kinds.all_kinds() if kind.key.startswith("referrals.")]


def test_every_kind_is_registered():
    assert len(REFERRAL_KINDS) == 19


@pytest.mark.parametrize("key", REFERRAL_KINDS)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_each_kind_renders_without_free_text(key, language):
    subject, text, html = render_email(key, CONTEXT, language)
    assert subject and "\n" not in subject
    assert "3岁2个月" in text and "3岁2个月" in html
    # The follow-up item is typed by a doctor and may name the child: never in mail.
    for part in (subject, text, html):
        assert "复查胸片" not in part


def test_a_transition_sends_mail_after_commit_without_the_name(
    doctor, patient, respiratory, transfer_admin, django_capture_on_commit_callbacks
):
    from .conftest import make_request

    with django_capture_on_commit_callbacks(execute=True):
        make_request(doctor, patient, respiratory, urgency="emergency")
    assert Notification.objects.filter(recipient=transfer_admin, kind="referrals.emergency").exists()
    (message,) = mail.outbox
    assert message.to == [transfer_admin.email]
    assert patient.name not in message.subject and patient.name not in message.body
