from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory

from cloudpeds.notifications import views
from cloudpeds.notifications.context_processors import unread_count

from ..factories import NotificationFactory

pytestmark = pytest.mark.django_db

PROCESSOR = "cloudpeds.notifications.context_processors.unread_count"


def _badge_number(html: str) -> str | None:
    match = re.search(r'data-testid="unread-count"[^>]*>\s*(\S+)\s*<', html)
    return match.group(1) if match else None


@pytest.fixture
def with_processor(settings):
    assert PROCESSOR in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]


@pytest.fixture
def without_processor(settings):
    templates = [dict(engine, OPTIONS=dict(engine["OPTIONS"])) for engine in settings.TEMPLATES]
    processors = templates[0]["OPTIONS"]["context_processors"]
    templates[0]["OPTIONS"]["context_processors"] = [p for p in processors if p != PROCESSOR]
    settings.TEMPLATES = templates


def test_every_page_shows_the_unread_count(client, doctor, with_processor):
    NotificationFactory.create_batch(3, recipient=doctor)
    NotificationFactory(recipient=doctor, read_at="2026-01-01T00:00:00+08:00")
    NotificationFactory()  # someone else's
    client.force_login(doctor)

    html = client.get("/").content.decode()

    assert 'id="notification-badge"' in html
    assert 'hx-get="/notifications/unread-count/"' in html
    assert 'hx-trigger="every 60s"' in html
    assert _badge_number(html) == "3"


def test_no_number_when_all_is_read(client, doctor, with_processor):
    NotificationFactory(recipient=doctor, read_at="2026-01-01T00:00:00+08:00")
    client.force_login(doctor)

    html = client.get("/").content.decode()

    assert 'id="notification-badge"' in html
    assert _badge_number(html) is None


def test_the_badge_tolerates_a_missing_count(client, doctor, settings, without_processor):
    assert PROCESSOR not in settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
    NotificationFactory(recipient=doctor)
    client.force_login(doctor)

    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="notification-badge"' in html
    assert _badge_number(html) is None


def test_large_counts_are_capped():
    html = render_to_string("notifications/_nav_badge.html#badge", {"unread_notification_count": 150})

    assert _badge_number(html) == "99+"


def test_anonymous_pages_have_no_badge(client, with_processor):
    html = client.get("/accounts/login/").content.decode()

    assert 'id="notification-badge"' not in html


def test_context_processor_is_empty_for_anonymous_users(django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    with django_assert_num_queries(0):
        assert unread_count(request) == {}


def test_context_processor_counts_only_when_shown(doctor, django_assert_num_queries):
    NotificationFactory.create_batch(2, recipient=doctor)
    request = RequestFactory().get("/")
    request.user = doctor

    with django_assert_num_queries(0):
        context = unread_count(request)
    with django_assert_num_queries(1):
        assert context["unread_notification_count"]() == 2


def test_fragment_returns_the_badge_with_one_query(doctor, django_assert_num_queries):
    NotificationFactory.create_batch(2, recipient=doctor)
    request = RequestFactory().get("/notifications/unread-count/", HTTP_HX_REQUEST="true")
    request.user = doctor

    with django_assert_num_queries(1):
        response = views.unread_count(request)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith('<li class="nav-item"')
    assert _badge_number(html) == "2"


def test_fragment_through_the_site_counts_my_unread_only(client, doctor, outsider):
    NotificationFactory(recipient=doctor)
    NotificationFactory.create_batch(4, recipient=outsider)
    client.force_login(doctor)

    response = client.get("/notifications/unread-count/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert _badge_number(response.content.decode()) == "1"


def test_fragment_stops_polling_for_anonymous_users(client):
    response = client.get("/notifications/unread-count/", HTTP_HX_REQUEST="true")

    assert response.status_code == 286  # htmx: stop polling; never a sign-in page in the navbar
    assert response.content == b""


def test_fragment_refuses_post(client, doctor):
    client.force_login(doctor)

    assert client.post("/notifications/unread-count/").status_code == 405
