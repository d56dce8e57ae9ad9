from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_pages_are_in_chinese_by_default(client, doctor):
    client.force_login(doctor)

    body = client.get("/").content.decode()

    assert '<html lang="zh-CN">' in body
    assert "退出登录" in body


def test_switching_to_english_is_remembered_on_the_account(client, doctor, password):
    client.force_login(doctor)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/training/"})

    assert response.status_code == 302
    assert response["Location"] == "/training/"
    doctor.refresh_from_db()
    assert doctor.preferred_language == "en"

    # A fresh browser (no language cookie) still gets English after signing in.
    client.logout()
    client.cookies.clear()
    client.post("/accounts/login/", {"login": "doc", "password": password})
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Sign out" in body


def test_switching_back_to_chinese(client, doctor):
    doctor.preferred_language = "en"
    doctor.save()
    client.force_login(doctor)

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})

    doctor.refresh_from_db()
    assert doctor.preferred_language == "zh-hans"
    assert '<html lang="zh-CN">' in client.get("/").content.decode()


def test_an_unknown_language_changes_nothing(client, doctor):
    client.force_login(doctor)

    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})

    doctor.refresh_from_db()
    assert doctor.preferred_language == "zh-hans"


def test_language_switch_is_post_only(client, doctor):
    client.force_login(doctor)

    assert client.get("/i18n/setlang/?language=en").status_code == 405


def test_anonymous_visitors_can_switch_too(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    assert '<html lang="en">' in client.get("/accounts/login/").content.decode()
