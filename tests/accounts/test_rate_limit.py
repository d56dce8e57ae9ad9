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


ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


def _fail(client, username: str, times: int, **extra) -> None:
    for _attempt in range(times):
        response = client.post("/accounts/login/", {"login": username, "password": "wrong"}, **extra)
        assert SESSION_KEY not in client.session
        assert response.status_code == 200


def test_an_attackers_failures_do_not_lock_the_owner_out_of_another_computer(client, doctor, password):
    from django.test import Client

    _fail(client, "doc", 6, REMOTE_ADDR=ATTACKER)

    owner = Client()
    response = owner.post("/accounts/login/", {"login": "doc", "password": password}, REMOTE_ADDR=OWNER)

    assert response.status_code == 302
    assert owner.session[SESSION_KEY] == str(doctor.pk)


def test_the_attacker_stays_limited_even_when_guessing_right(client, doctor, password):
    _fail(client, "doc", 5, REMOTE_ADDR=ATTACKER)

    response = client.post(
        "/accounts/login/", {"login": "doc", "password": password}, REMOTE_ADDR=ATTACKER, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert SESSION_KEY not in client.session
    assert "Too many failed login attempts" in response.content.decode()


def test_an_ipv6_attacker_cannot_rotate_addresses_within_a_64(client, doctor, password):
    for host in range(1, 6):
        client.post("/accounts/login/", {"login": "doc", "password": "wrong"}, REMOTE_ADDR=f"2001:db8:1:2::{host}")

    client.post("/accounts/login/", {"login": "doc", "password": password}, REMOTE_ADDR="2001:db8:1:2::99")

    assert SESSION_KEY not in client.session


def test_behind_the_reverse_proxy_the_limit_counts_the_address_the_proxy_saw(client, doctor, password, settings):
    """Every request reaches gunicorn from the proxy: without its X-Forwarded-For entry, one
    person's failures would count for the whole group."""
    from django.test import Client

    settings.AUDIT_TRUST_X_FORWARDED_FOR = 1
    _fail(client, "doc", 6, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=ATTACKER)

    owner = Client()
    response = owner.post(
        "/accounts/login/",
        {"login": "doc", "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=f"1.2.3.4, {OWNER}",  # the left entry is the client's own claim
    )

    assert response.status_code == 302
    assert owner.session[SESSION_KEY] == str(doctor.pk)
