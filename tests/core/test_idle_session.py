from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session

from cloudpeds.core.middleware import LAST_ACTIVE_KEY

pytestmark = pytest.mark.django_db


def _expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_page_view_renews_the_idle_timeout(client, doctor, settings):
    client.force_login(doctor)
    # Renewed at most every SESSION_RENEW_SECONDS: the last activity is that long ago.
    session = client.session
    session[LAST_ACTIVE_KEY] -= settings.SESSION_RENEW_SECONDS
    session.save()
    Session.objects.update(expire_date="2030-01-01T00:00:00Z")

    client.get("/")

    assert _expiry(client).year != 2030


def test_background_polling_does_not_keep_the_session_alive(client, doctor, settings):
    client.force_login(doctor)
    session = client.session
    session[LAST_ACTIVE_KEY] -= settings.SESSION_RENEW_SECONDS
    session.save()
    Session.objects.update(expire_date="2030-01-01T00:00:00Z")

    response = client.get("/notifications/unread-count/")

    assert response.status_code == 200
    assert _expiry(client).year == 2030
    assert "Cookie" in response["Vary"]


def test_background_polling_after_a_change_of_roles_does_not_renew_either(client, doctor, settings):
    client.force_login(doctor)
    session = client.session
    session[LAST_ACTIVE_KEY] -= settings.SESSION_RENEW_SECONDS
    session.save()
    doctor.set_roles("grassroots_doctor", "training_manager")  # the session's role names are stale
    Session.objects.update(expire_date="2030-01-01T00:00:00Z")

    assert client.get("/notifications/unread-count/").status_code == 200

    assert _expiry(client).year == 2030
