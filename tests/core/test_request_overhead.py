"""What every signed-in request costs before its view runs (issue 17).

The session comes from the cache (cached_db: no query with Redis, one cache-table read
without it), the user with their hospital and department in one query, role names and the
two-factor flag from the session; the session is written only when it is renewed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cloudpeds.accounts.roles import Role
from cloudpeds.core.middleware import LAST_ACTIVE_KEY
from tests.conftest import app_queries, enroll_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def LONG_AGO():
    return timezone.now() - timedelta(days=30)


def _queries(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response
    # Without Redis the cache (the session of cached_db, the home page's work list) is a table:
    # its reads are the cache's, not the request's, and are left out.
    return [query["sql"] for query in app_queries(captured)]


def test_the_session_engine_is_cached_db_and_not_saved_on_every_request():
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert 0 < settings.SESSION_RENEW_SECONDS < settings.SESSION_COOKIE_AGE


def test_a_signed_in_ping_costs_the_user_query_only(client, doctor):
    client.force_login(doctor)
    client.get("/ping")  # the first request fills the session (renewal, roles)

    queries = _queries(client, "/ping")

    assert len(queries) == 1, queries
    user_query = next(sql for sql in queries if '"accounts_user"' in sql)
    assert '"accounts_hospital"' in user_query and '"accounts_department"' in user_query
    assert not any(sql.startswith(("UPDATE", "INSERT")) for sql in queries), queries


def test_an_administrator_pays_no_two_factor_query_per_request(client, transfer_admin):
    client.force_login(transfer_admin)
    client.get("/ping")

    queries = _queries(client, "/ping")

    assert len(queries) == 1, queries
    assert not any("mfa_authenticator" in sql or "auth_group" in sql for sql in queries), queries


def test_a_doctor_whose_grace_period_ends_during_the_session_pays_no_two_factor_query(client, settings, yangpu):
    # Signed in (and the session filled) while still in the grace period, enrolled.
    settings.TWO_FACTOR_DOCTORS_FROM = timezone.localdate()
    doctor = UserFactory(username="gracedoc", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], date_joined=LONG_AGO())
    enroll_totp(doctor)
    client.force_login(doctor)
    client.get("/ping")
    assert doctor.in_two_factor_grace()

    settings.TWO_FACTOR_DOCTORS_FROM = timezone.localdate() - timedelta(days=settings.TWO_FACTOR_GRACE_DAYS + 1)
    assert doctor.needs_two_factor()
    queries = _queries(client, "/ping")

    assert len(queries) == 1, queries
    assert not any("mfa_authenticator" in sql for sql in queries), queries


def test_an_enrolled_doctor_in_the_grace_period_pays_no_two_factor_query_on_the_home_page(client, settings, yangpu):
    settings.TWO_FACTOR_DOCTORS_FROM = timezone.localdate()
    doctor = UserFactory(username="gracedoc", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR])
    enroll_totp(doctor)
    client.force_login(doctor)
    client.get("/")

    queries = _queries(client, "/")

    assert not any("mfa_authenticator" in sql for sql in queries), queries


def test_a_doctor_past_the_grace_period_who_removes_the_authenticator_is_sent_to_enrol(client, settings, yangpu):
    settings.TWO_FACTOR_DOCTORS_FROM = timezone.localdate() - timedelta(days=settings.TWO_FACTOR_GRACE_DAYS + 1)
    doctor = UserFactory(username="gracedoc", hospital=yangpu, roles=[Role.GRASSROOTS_DOCTOR], date_joined=LONG_AGO())
    assert doctor.needs_two_factor()
    enroll_totp(doctor)
    client.force_login(doctor)
    assert client.get("/ping").status_code == 200

    Authenticator.objects.filter(user=doctor).delete()

    response = client.get("/ping")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_a_signed_in_empty_page_costs_the_user_and_the_badge(client, yangpu):
    # A person with no role yet: the base template alone (navigation, badge, user menu).
    person = UserFactory(username="norole", hospital=yangpu, roles=[])
    client.force_login(person)
    client.get("/")

    queries = _queries(client, "/")

    # The user (with hospital and department) and the capped unread count, nothing else.
    assert len(queries) == 2, queries
    assert any('"notifications_notification"' in sql and "LIMIT 100" in sql for sql in queries), queries


def test_a_role_home_page_reads_no_groups(client, doctor):
    client.force_login(doctor)
    client.get("/")

    queries = _queries(client, "/")

    assert not any('"auth_group"' in sql for sql in queries), queries
    assert not any(sql.startswith("UPDATE") for sql in queries), queries


# --- The cached role names and two-factor flag follow changes ------------------------------


def _nav(client) -> str:
    return client.get("/").content.decode()


def test_a_new_role_shows_on_the_next_request(client, doctor):
    client.force_login(doctor)
    assert "/consultations/metrics/" not in _nav(client)

    doctor.set_roles(Role.GRASSROOTS_DOCTOR, Role.SPECIALIST)

    assert "/consultations/metrics/" in _nav(client)


def test_a_role_given_from_the_group_side_shows_too(client, doctor):
    client.force_login(doctor)
    assert client.get("/training/manage/").status_code == 403

    Group.objects.get_or_create(name=Role.TRAINING_MANAGER)[0].user_set.add(doctor)

    assert client.get("/training/manage/").status_code == 200


def test_a_removed_role_is_gone_on_the_next_request(client, doctor):
    doctor.set_roles(Role.GRASSROOTS_DOCTOR, Role.TRAINING_MANAGER)
    client.force_login(doctor)
    assert client.get("/training/manage/").status_code == 200

    doctor.groups.remove(Group.objects.get(name=Role.TRAINING_MANAGER))

    assert client.get("/training/manage/").status_code == 403


def test_roles_set_then_user_saved_still_invalidate(client, doctor):
    client.force_login(doctor)
    client.get("/")

    doctor.set_roles(Role.GRASSROOTS_DOCTOR, Role.TRAINING_MANAGER)
    doctor.title = "主治医师"
    doctor.save()  # must not write the old access version back

    assert client.get("/training/manage/").status_code == 200


def test_removing_the_authenticator_sends_the_administrator_to_enrol_again(client, transfer_admin):
    client.force_login(transfer_admin)
    assert client.get("/").status_code == 200

    Authenticator.objects.filter(user=transfer_admin).delete()

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_enrolling_opens_the_portal_on_the_next_request(client, xinhua):
    admin = UserFactory(username="newadmin", hospital=xinhua, roles=[Role.TRANSFER_ADMIN])
    client.force_login(admin)
    assert client.get("/").status_code == 302

    enroll_totp(admin)

    assert client.get("/").status_code == 200


def test_becoming_an_administrator_requires_two_factor_on_the_next_request(client, doctor):
    client.force_login(doctor)
    assert client.get("/").status_code == 200

    doctor.set_roles(Role.TRANSFER_ADMIN)

    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


# --- The idle timeout without a write per request ----------------------------------------------


def _stored_expiry(client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def _backdate_last_activity(client, seconds: int) -> None:
    session = client.session
    session[LAST_ACTIVE_KEY] -= seconds
    session.save()


def test_requests_within_the_renewal_interval_write_nothing(client, doctor):
    client.force_login(doctor)
    client.get("/ping")
    Session.objects.update(expire_date="2030-01-01T00:00:00Z")

    queries = _queries(client, "/ping")

    assert not any(sql.startswith(("UPDATE", "INSERT")) for sql in queries), queries
    assert _stored_expiry(client).year == 2030


def test_a_request_after_the_renewal_interval_renews_the_session(client, doctor, settings):
    client.force_login(doctor)
    client.get("/ping")
    _backdate_last_activity(client, settings.SESSION_RENEW_SECONDS + 1)
    Session.objects.update(expire_date="2030-01-01T00:00:00Z")

    client.get("/ping")

    assert _stored_expiry(client).year != 2030
    assert settings.SESSION_COOKIE_AGE - 5 <= client.session.get_expiry_age() <= settings.SESSION_COOKIE_AGE


def test_a_session_idle_for_longer_than_the_timeout_is_signed_out(client, doctor, settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60
    client.force_login(doctor)
    client.get("/")
    _backdate_last_activity(client, 8 * 60 * 60 + 1)

    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_session_idle_for_just_under_the_timeout_still_works(client, doctor):
    client.force_login(doctor)
    client.get("/")
    _backdate_last_activity(client, 8 * 60 * 60 - 60)

    assert client.get("/").status_code == 200
    # ... and that request renewed it: another near-timeout gap later still works.
    _backdate_last_activity(client, 8 * 60 * 60 - 60)
    assert client.get("/").status_code == 200


def test_the_stored_expiry_never_exceeds_the_idle_timeout_after_the_last_renewal(client, doctor, settings):
    client.force_login(doctor)
    for _ in range(3):
        client.get("/")
    # The store's own expiry: at most SESSION_COOKIE_AGE after the last activity recorded.
    last_active = client.session[LAST_ACTIVE_KEY]
    assert _stored_expiry(client).timestamp() <= last_active + settings.SESSION_COOKIE_AGE + 2
