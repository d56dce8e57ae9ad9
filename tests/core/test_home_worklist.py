"""Home pages are work lists (issue 12): each demo role sees what needs it now, with counts,
and every link on its home page opens a page that role can use."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from cloudpeds.accounts.models import User
from cloudpeds.notifications.models import Notification
from consultations.models import Consultation, Status
from referrals.models import FollowUpItem, Referral
from tests.conftest import seeded_once

pytestmark = pytest.mark.django_db

DEMO_ROLES = ["dr.yangpu", "spec.resp", "admin.xinhua", "trainer", "editor", "director"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    with seeded_once(
        django_db_blocker, tmp_path_factory.mktemp("media"), lambda: call_command("seed_demo", stdout=io.StringIO())
    ):
        yield


def _home(client, username: str) -> str:
    user = User.objects.get(username=username)
    # The account's language decides the page's; these tests read the English labels.
    User.objects.filter(pk=user.pk).update(preferred_language="en")
    client.force_login(user)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    return response.content.decode()


def _main_links(page: str) -> list[str]:
    main = page.split('id="content"', 1)[1].split("</main>", 1)[0]
    return sorted(set(re.findall(r'href="(/[^"#]*)', main.replace("&amp;", "&"))))


def _work(page: str) -> dict[str, int]:
    items = re.findall(
        r'data-testid="work-item">\s*<i[^>]*></i>\s*<span class="flex-grow-1">([^<]+)</span>\s*<span[^>]*>(\d+)</span>',
        page,
    )
    return {label: int(count) for label, count in items}


@pytest.mark.parametrize("username", DEMO_ROLES)
def test_every_link_on_a_home_page_opens_a_useful_page_for_that_role(client, seeded, username):
    page = _home(client, username)
    links = [link for link in _main_links(page) if not link.startswith("/admin/")]

    assert len(links) >= 3, links
    for link in links:
        response = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200, (username, link, response.status_code)
        body = response.content.decode()
        # Not a page telling this person it is not for them, nor an empty list (the
        # director's tile once opened an empty cardiology queue).
        assert "You are not enrolled in any course yet." not in body, (username, link)
        assert 'data-testid="queue-empty"' not in body, (username, link)
        assert 'data-testid="empty"' not in body, (username, link)


def test_the_doctors_home_counts_her_unread_notifications_and_answers_to_close(client, seeded):
    doctor = User.objects.get(username="dr.yangpu")
    page = _home(client, "dr.yangpu")

    work = _work(page)
    assert work["Unread notifications"] == Notification.objects.filter(recipient=doctor, read_at=None).count()
    answered = Consultation.objects.filter(requested_by=doctor, status=Status.ANSWERED).count()
    assert answered > 0
    assert work["Answers to read and close"] == answered
    asked = Consultation.objects.filter(requested_by=doctor, status=Status.INFO_REQUESTED).count()
    assert work["Information a specialist asked of you"] == asked
    assert "/consultations/?status=answered&amp;mine=on" in page


def test_the_doctors_home_counts_follow_ups_due_this_week_on_referrals_she_may_see(client, seeded):
    """The count reads one EXISTS per pending item (issue 17): it must still count exactly the
    pending items due within a week on referrals her hospital received and she may see."""
    doctor = User.objects.get(username="dr.yangpu")
    visible = Referral.objects.visible_to(doctor)
    received = visible.filter(receiving_hospital_id=doctor.hospital_id).first()
    elsewhere = Referral.objects.exclude(pk__in=visible.values("pk")).first()
    assert received is not None and elsewhere is not None
    today = timezone.localdate()
    for referral, due_on, state in [
        (received, today, FollowUpItem.State.PENDING),
        (received, today + timedelta(days=7), FollowUpItem.State.PENDING),
        (received, today + timedelta(days=8), FollowUpItem.State.PENDING),
        (received, today, FollowUpItem.State.DONE),
        (elsewhere, today, FollowUpItem.State.PENDING),
    ]:
        FollowUpItem.objects.create(referral=referral, description="Recheck", due_on=due_on, state=state)
    expected = FollowUpItem.objects.filter(
        referral__in=visible.filter(receiving_hospital_id=doctor.hospital_id),
        state=FollowUpItem.State.PENDING,
        due_on__lte=today + timedelta(days=7),
    ).count()

    work = _work(_home(client, "dr.yangpu"))

    assert expected >= 2
    assert work["Follow-ups due this week"] == expected


def test_the_specialists_home_shows_the_queue_by_urgency(client, seeded):
    work = _work(_home(client, "spec.resp"))

    assert {"Urgent cases waiting", "Routine cases waiting", "Overdue cases in your queue"} <= set(work)
    assert work["Urgent cases waiting"] + work["Routine cases waiting"] > 0


def test_the_transfer_administrators_home_shows_requests_arrivals_and_beds(client, seeded):
    work = _work(_home(client, "admin.xinhua"))

    assert {"Transfer requests to decide", "Children on their way to you", "Free beds"} <= set(work)
    assert work["Free beds"] > 0


def test_the_editors_home_shows_reviews_and_own_versions_awaiting_review(client, seeded):
    work = _work(_home(client, "editor"))

    assert {"Topics waiting for your review", "Your drafts", "Your topics awaiting review"} <= set(work)


def test_the_directors_home_links_no_page_closed_to_him(client, seeded):
    page = _home(client, "director")

    assert "/referrals/all/" not in page
    assert 'href="/training/"' not in page.split('id="content"', 1)[1]
    assert "Lapsed follow-ups across the group" in _work(page)


def test_the_home_page_query_count_does_not_depend_on_the_work(client, seeded, django_assert_max_num_queries):
    client.force_login(User.objects.get(username="dr.yangpu"))
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200
