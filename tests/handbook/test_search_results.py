"""SearchDocument.objects.search: a page of results and its count from one ranking query,
the last page for a page too far, and results cached until the next publication."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from handbook.models import SearchDocument, topics
from tests.conftest import app_queries

from .conftest import publish_topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_rash_topics(editor, editor2):
    """Three topics with 皮疹 in the title, in reading order."""
    return [
        publish_topic(editor2, editor, slug, (f"皮疹{suffix}", f"Rash {suffix}"))
        for slug, suffix in (("rash-a", "甲"), ("rash-b", "乙"), ("rash-c", "丙"))
    ]


def test_pages_and_count_of_a_search(three_rash_topics, monkeypatch):
    monkeypatch.setattr(topics, "SEARCH_PAGE_SIZE", 2)
    ordered = [document.version for document in SearchDocument.objects.matching(["皮疹"])]

    first = SearchDocument.objects.search(["皮疹"], "1")
    second = SearchDocument.objects.search(["皮疹"], "2")

    assert sorted(v.pk for v in ordered) == sorted(v.pk for v in three_rash_topics)
    assert (first.count, first.page.paginator.num_pages, first.broadened) == (3, 2, False)
    assert [document.version for document in first.page] == ordered[:2]
    assert [document.version for document in second.page] == ordered[2:]
    assert not second.page.has_next() and second.page.has_previous()


@pytest.mark.parametrize("number", ["99", "abc", "0", None])
def test_a_page_past_the_end_or_not_a_number_shows_a_real_page(three_rash_topics, monkeypatch, number):
    monkeypatch.setattr(topics, "SEARCH_PAGE_SIZE", 2)

    results = SearchDocument.objects.search(["皮疹"], number)

    assert results.count == 3
    assert results.page.number == (2 if number == "99" else 1)
    assert len(results.page) == (1 if number == "99" else 2)


def test_a_search_with_nothing_found_has_an_empty_first_page(three_rash_topics):
    results = SearchDocument.objects.search(["川崎病"], "3")

    assert (results.count, list(results.page), results.page.number) == (0, [], 1)


def test_a_repeated_search_is_read_from_the_cache(three_rash_topics):
    first = SearchDocument.objects.search(["皮疹"], "1")

    with CaptureQueriesContext(connection) as again:
        second = SearchDocument.objects.search(["皮疹"], "1")

    assert [d.pk for d in second.page] == [d.pk for d in first.page]
    assert second.count == first.count == 3
    # The documents of the page, by id: no ranking, no count.
    assert len(app_queries(again)) == 1


def test_a_publication_forgets_the_cached_results(
    three_rash_topics, editor, editor2, django_capture_on_commit_callbacks
):
    assert SearchDocument.objects.search(["皮疹"], "1").count == 3

    with django_capture_on_commit_callbacks(execute=True):
        fourth = publish_topic(editor2, editor, "rash-d", ("皮疹丁", "Rash four"))

    results = SearchDocument.objects.search(["皮疹"], "1")
    assert results.count == 4
    assert fourth in [document.version for document in results.page]


def test_no_words_is_no_search(three_rash_topics):
    with CaptureQueriesContext(connection) as queries:
        results = SearchDocument.objects.search([], "1")

    assert (results.count, list(results.page), results.broadened) == (0, [], False)
    assert len(queries) == 0
