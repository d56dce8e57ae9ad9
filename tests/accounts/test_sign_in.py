from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY

pytestmark = pytest.mark.django_db


def test_doctor_signs_in_with_username_and_lands_home(client, doctor, password):
    response = client.post("/accounts/login/", {"login": "doc", "password": password})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session[SESSION_KEY] == str(doctor.pk)


def test_sign_in_with_email_works_too(client, doctor, password):
    response = client.post("/accounts/login/", {"login": doctor.email, "password": password})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(doctor.pk)


def test_wrong_password_shows_a_message_and_signs_nobody_in(client, doctor):
    response = client.post("/accounts/login/", {"login": "doc", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert "not correct" in response.content.decode()


def test_sign_out_is_a_post_and_ends_the_session(client, doctor):
    client.force_login(doctor)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/").status_code == 302


def test_pages_need_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_there_is_no_public_sign_up(client, db):
    from cloudpeds.accounts.models import User

    response = client.post(
        "/accounts/signup/",
        {"username": "stranger", "email": "s@example.org", "password1": "x-Very-long-1", "password2": "x-Very-long-1"},
    )

    assert response.status_code == 200
    assert "signup_closed" in [t.name.rsplit("/", 1)[-1].split(".")[0] for t in response.templates]
    assert not User.objects.filter(username="stranger").exists()


def test_sign_in_page_offers_no_sign_up_link(client, db):
    response = client.get("/accounts/login/")

    assert response.status_code == 200
    assert "/accounts/signup/" not in response.content.decode()


def test_idle_sessions_expire_after_the_configured_time(client, doctor, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False  # renewed every SESSION_RENEW_SECONDS instead
    client.force_login(doctor)

    client.get("/")

    # Each request pushes the expiry forward by the idle time: an idle timeout, not an absolute one.
    assert 8 * 60 * 60 - 5 <= client.session.get_expiry_age() <= 8 * 60 * 60
