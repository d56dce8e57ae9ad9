from __future__ import annotations

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


def test_password_reset_sends_an_email_with_a_working_link(client, doctor):
    response = client.post("/accounts/password/reset/", {"email": doctor.email})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [doctor.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", message.body).group(1)

    response = client.get(link, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(form_url, {"password1": "A-new-long-passphrase-9", "password2": "A-new-long-passphrase-9"})

    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.check_password("A-new-long-passphrase-9")


def test_password_reset_for_an_unknown_address_sends_nothing_useful(client, db):
    client.post("/accounts/password/reset/", {"email": "nobody@example.org"})

    assert all("reset/key" not in m.body for m in mail.outbox)


def test_password_change(client, doctor, password):
    client.force_login(doctor)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": password, "password1": "Another-long-pass-7", "password2": "Another-long-pass-7"},
    )

    assert response.status_code == 302
    doctor.refresh_from_db()
    assert doctor.check_password("Another-long-pass-7")


def test_password_change_with_a_wrong_current_password_changes_nothing(client, doctor, password):
    client.force_login(doctor)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "wrong", "password1": "Another-long-pass-7", "password2": "Another-long-pass-7"},
    )

    assert response.status_code == 200
    doctor.refresh_from_db()
    assert doctor.check_password(password)
