"""The referral metrics page computes each figure once (issue 17): arrivals, follow-up
completion and rejection reasons are one query each, shared by the tables and the charts."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cloudpeds.core import rollups as core_rollups

pytestmark = pytest.mark.django_db


def test_each_figure_is_one_query(down_referral, group_admin, login_2fa):
    client = login_2fa(group_admin)
    client.get(reverse("referrals:metrics"))
    core_rollups.bump_generation()  # the figures cached by the first page are not used: computed again
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("referrals:metrics"))
    assert response.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert sum('"referrals_bedreservation"' in text for text in sql) == 1  # arrivals
    # Follow-up completion (today's live roll-up row counts items too, in subqueries "U0").
    assert sum(re.search(r'FROM "referrals_followupitem" (?!U\d)', text) is not None for text in sql) == 1
    assert sum('"reject_reason"' in text and "GROUP BY" in text for text in sql) == 1  # rejection reasons
    assert response.context["chart"]["rejections"] == response.context["rejections"]
