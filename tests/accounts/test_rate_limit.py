from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


def test_sign_in_is_refused_after_five_failures_even_with_the_right_password(client, doctor, password):
    for _attempt in range(5):
        response = client.post("/accounts/login/", {"login": "doc", "password": "wrong"})
        assert response.status_code == 200

    response = client.post("/accounts/login/", {"login": "doc", "password": password}, HTTP_ACCEPT_LANGUAGE="en")

    assert SESSION_KEY not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_another_user_from_the_same_address_is_unaffected(client, doctor, password):
    colleague = UserFactory(username="colleague", hospital=doctor.hospital)
    for _attempt in range(6):
        client.post("/accounts/login/", {"login": "doc", "password": "wrong"})

    response = client.post("/accounts/login/", {"login": "colleague", "password": password})

    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(colleague.pk)
