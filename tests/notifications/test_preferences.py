from __future__ import annotations

import pytest
from django.core import mail

from cloudpeds.notifications import kinds
from cloudpeds.notifications.models import Notification, NotificationPreference
from cloudpeds.notifications.services import notify

pytestmark = pytest.mark.django_db


def test_a_checkbox_per_kind_that_can_be_turned_off_ticked_by_default(client, doctor, test_kind):
    client.force_login(doctor)

    response = client.get("/notifications/preferences/")

    assert response.status_code == 200
    form = response.context["form"]
    registered = [kind.key for kind in kinds.optional_kinds()]
    assert list(form.fields) == registered
    assert {"patient.shared", "system.test"} <= set(registered)
    assert "account.password_set" not in registered  # a security notice is always emailed
    assert form.initial == dict.fromkeys(registered, True)
    html = response.content.decode()
    assert 'name="patient.shared"' in html
    assert 'name="system.test"' in html
    assert html.count(" checked") == len(registered)


def test_unticking_a_kind_stores_it_off(client, doctor, test_kind):
    client.force_login(doctor)

    response = client.post("/notifications/preferences/", {"system.test": "on"})

    assert response.status_code == 302
    assert response.url == "/notifications/preferences/"
    stored = dict(NotificationPreference.objects.filter(user=doctor).values_list("kind", "email_enabled"))
    assert stored["patient.shared"] is False
    assert stored["system.test"] is True
    assert set(stored) == {kind.key for kind in kinds.optional_kinds()}
    form = client.get("/notifications/preferences/").context["form"]
    assert form.initial["patient.shared"] is False
    assert form.initial["system.test"] is True


def test_ticking_again_turns_it_back_on(client, doctor):
    NotificationPreference.objects.create(user=doctor, kind="patient.shared", email_enabled=False)
    client.force_login(doctor)

    client.post("/notifications/preferences/", {"patient.shared": "on"})

    preference = NotificationPreference.objects.get(user=doctor, kind="patient.shared")
    assert preference.email_enabled is True


def test_unknown_kinds_in_the_form_are_ignored(client, doctor):
    client.force_login(doctor)

    client.post("/notifications/preferences/", {"patient.shared": "on", "bogus.kind": "on"})

    stored = set(NotificationPreference.objects.filter(user=doctor).values_list("kind", flat=True))
    assert "bogus.kind" not in stored
    assert stored == {kind.key for kind in kinds.optional_kinds()}


def test_saving_does_not_touch_other_peoples_choices(client, doctor, outsider):
    NotificationPreference.objects.create(user=outsider, kind="patient.shared", email_enabled=False)
    client.force_login(doctor)

    client.post("/notifications/preferences/", {"patient.shared": "on"})

    assert NotificationPreference.objects.get(user=outsider).email_enabled is False


def test_the_choice_stops_the_email(client, doctor, specialist, patient, django_capture_on_commit_callbacks):
    client.force_login(specialist)
    client.post("/notifications/preferences/", {})

    with django_capture_on_commit_callbacks(execute=True):
        notify([specialist], "patient.shared", patient, actor=doctor)

    assert mail.outbox == []
    assert Notification.objects.get(recipient=specialist).email_status == Notification.EmailStatus.NOT_WANTED


def test_a_warning_when_the_account_has_no_email(client, doctor):
    doctor.email = ""
    doctor.preferred_language = "en"
    doctor.save()
    client.force_login(doctor)

    response = client.get("/notifications/preferences/")

    assert "Your account has no email address" in response.content.decode()


def test_preferences_require_sign_in(client):
    response = client.post("/notifications/preferences/", {})

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")
    assert not NotificationPreference.objects.exists()


def test_preferences_refuse_other_methods(client, doctor):
    client.force_login(doctor)

    assert client.put("/notifications/preferences/").status_code == 405
    assert client.delete("/notifications/preferences/").status_code == 405
    assert not NotificationPreference.objects.exists()
