"""Managers' progress report: per learner, per hospital, per cohort; CSV; constant queries."""

from __future__ import annotations

import csv
import io
import re
from uuid import UUID

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cloudpeds.accounts.models import User
from cloudpeds.accounts.roles import Role
from training.models import Course, Enrolment, LessonProgress
from training.views.courses import LEARNERS_PAGE_SIZE

from ..factories import CourseFactory, HospitalFactory, LessonFactory, ModuleFactory, UserFactory


@pytest.fixture
def course(db) -> Course:
    course = CourseFactory(slug="fever")
    module = ModuleFactory(course=course)
    for order in range(4):
        LessonFactory(module=module, order=order)
    return course


def _learners(course: Course, count: int, *, start: int = 0) -> None:
    """`count` doctors over two hospitals and two titles, enrolled, each with some lessons done."""
    hospitals = [HospitalFactory(code="yangpu", name_zh="杨浦"), HospitalFactory(code="chongming", name_zh="崇明")]
    group, _ = Group.objects.get_or_create(name=Role.GRASSROOTS_DOCTOR)
    users = User.objects.bulk_create(
        [
            User(
                username=f"learner{start + i}",
                last_name="王",
                first_name=str(i),
                hospital=hospitals[i % 2],
                title=["主治医师", "住院医师"][(i // 2) % 2],
            )
            for i in range(count)
        ]
    )
    group.user_set.add(*users)
    enrolments = Enrolment.objects.bulk_create([Enrolment(course=course, user=user, source="cohort") for user in users])
    lessons = list(course.lessons())
    now = timezone.now()
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(enrolment=enrolment, lesson=lesson, completed_at=now)
            for i, enrolment in enumerate(enrolments)
            for lesson in lessons[: i % 5]
        ]
    )
    Enrolment.objects.filter(pk__in=[e.pk for i, e in enumerate(enrolments) if i % 5 == 4]).update(completed_at=now)


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)
    return len(queries)


def test_the_progress_page_query_count_is_the_same_at_5_and_500_learners(client, manager, course) -> None:
    client.force_login(manager)
    url = reverse("training:course_progress", args=["fever"])
    csv_url = reverse("training:export_progress", args=["fever"])
    _learners(course, 5)
    client.get(url)  # warm the session and content-type caches
    few = (_queries(client, url), _queries(client, csv_url), _queries(client, csv_url + "?by=cohort"))
    _learners(course, 495, start=5)
    many = (_queries(client, url), _queries(client, csv_url), _queries(client, csv_url + "?by=cohort"))
    assert Enrolment.objects.count() == 500
    assert few == many


def test_per_hospital_and_per_cohort_summaries(client, manager, course) -> None:
    _learners(course, 10)
    client.force_login(manager)
    response = client.get(reverse("training:course_progress", args=["fever"]))
    by_hospital = {row["hospital_name"]: row for row in response.context["by_hospital"]}
    # Learners 0,2,4,6,8 are at Yangpu with 0,2,4,1,3 of 4 lessons done: 10/20 = 50%.
    assert by_hospital["杨浦"]["learners"] == 5
    assert by_hospital["杨浦"]["percent"] == 50
    assert by_hospital["杨浦"]["completed"] == 1
    # Learners 1,3,5,7,9 at Chongming: 1,3,0,2,4 → 10/20 = 50%, learner 9 complete.
    assert by_hospital["崇明"]["completed"] == 1
    cohorts = {(row["hospital_name"], row["title"]): row["learners"] for row in response.context["by_cohort"]}
    assert cohorts == {
        ("杨浦", "主治医师"): 3,
        ("杨浦", "住院医师"): 2,
        ("崇明", "主治医师"): 3,
        ("崇明", "住院医师"): 2,
    }


def test_the_progress_page_filters_by_hospital(client, manager, course) -> None:
    _learners(course, 10)
    client.force_login(manager)
    chongming = HospitalFactory(code="chongming")
    response = client.get(reverse("training:course_progress", args=["fever"]), {"hospital": chongming.pk})
    assert response.context["page"].paginator.count == 5
    assert [row["hospital_name"] for row in response.context["by_hospital"]] == ["崇明"]


def test_the_learner_csv_has_a_bom_and_a_row_per_learner(client, manager, course) -> None:
    _learners(course, 3)
    client.force_login(manager)
    response = client.get(reverse("training:export_progress", args=["fever"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 4
    by_username = {row[0]: row for row in rows[1:]}
    assert by_username["learner2"][2] == "杨浦"
    assert by_username["learner2"][4:7] == ["2", "4", "50"]


def test_the_hospital_csv(client, manager, course) -> None:
    _learners(course, 4)
    client.force_login(manager)
    response = client.get(reverse("training:export_progress", args=["fever"]), {"by": "hospital"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert sorted(row[0] for row in rows[1:]) == ["崇明", "杨浦"]


def test_a_cell_that_looks_like_a_formula_is_quoted(client, manager, course) -> None:
    user = UserFactory(username="evil", title="=HYPERLINK(1)", roles=[Role.GRASSROOTS_DOCTOR])
    Enrolment.objects.create(course=course, user=user, source="manager")
    client.force_login(manager)
    response = client.get(reverse("training:export_progress", args=["fever"]))
    assert "'=HYPERLINK(1)" in b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_export_is_refused_to_doctors_and_get_only(client, manager, course) -> None:
    url = reverse("training:export_progress", args=["fever"])
    client.force_login(UserFactory(roles=[Role.GRASSROOTS_DOCTOR]))
    assert client.get(url).status_code == 403
    client.force_login(manager)
    assert client.post(url).status_code == 405


def test_the_lesson_count_is_read_once_and_the_summary_once(client, manager, course) -> None:
    """Issue 17: `lessons_total` is the course's, not a subquery per learner; the summaries by
    hospital and by cohort come from one query."""
    _learners(course, 10)
    client.force_login(manager)
    url = reverse("training:course_progress", args=["fever"])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    sql = [query["sql"] for query in queries.captured_queries]
    # No query counts the course's lessons per enrolment: the count is read once.
    assert not [text for text in sql if '"training_enrolment"' in text and 'FROM "training_lesson"' in text]
    assert sum('SELECT COUNT(*) AS "__count" FROM "training_lesson"' in text for text in sql) == 1
    assert sum('AS "learners"' in text for text in sql) == 1  # one summary query for both tables
    assert [row["learners"] for row in response.context["by_hospital"]] == [5, 5]


def test_the_learners_are_paged_and_each_row_links_to_its_own_enrolment(client, manager, course) -> None:
    """Issue 17: smaller pages; each row's links are filled in from one reversed URL, and the
    pager's count comes from the summary (so it must follow the filters too)."""
    _learners(course, LEARNERS_PAGE_SIZE + 3)
    client.force_login(manager)
    url = reverse("training:course_progress", args=["fever"])
    first = client.get(url)
    assert first.context["page"].paginator.count == LEARNERS_PAGE_SIZE + 3
    assert len(first.context["page"]) == LEARNERS_PAGE_SIZE
    second = client.get(url, {"page": 2})
    assert len(second.context["page"]) == 3
    body = first.content.decode() + second.content.decode()
    for enrolment in Enrolment.objects.filter(course=course):
        assert f'href="{reverse("training:enrolment", args=[enrolment.public_id])}"' in body
        assert f'action="{reverse("training:set_due_date", args=[enrolment.public_id])}"' in body
    assert str(UUID(int=0)) not in body
    assert first.content.decode().count('name="csrfmiddlewaretoken"') >= LEARNERS_PAGE_SIZE
    learners = {row["hospital_name"]: row["learners"] for row in first.context["by_hospital"]}
    chongming = HospitalFactory(code="chongming")
    filtered = client.get(url, {"hospital": chongming.pk})
    assert filtered.context["page"].paginator.count == learners["崇明"] < LEARNERS_PAGE_SIZE + 3


def test_a_learner_row_posts_a_new_due_date_with_the_page_token(manager, course) -> None:
    """The due-date form of a row carries the page's CSRF token (not the {% csrf_token %} tag)."""
    _learners(course, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    page = client.get(reverse("training:course_progress", args=["fever"]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    enrolment = Enrolment.objects.get(course=course)
    response = client.post(
        reverse("training:set_due_date", args=[enrolment.public_id]),
        {"due_date": "2031-01-31", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.due_date.isoformat() == "2031-01-31"
