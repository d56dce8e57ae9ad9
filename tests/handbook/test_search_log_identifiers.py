"""The search log keeps no identifiers: what editors see on handbook:usage is a query with the
child's name, record number and phone number taken out (cloudpeds.core.identifiers)."""

from __future__ import annotations

import pytest

from handbook.models import SearchLog

pytestmark = [
    pytest.mark.django_db,
    # The handbook stores the query through redact_identifiers() once issue 16's handbook
    # restructure has landed (the one-line change in handbook's search view); strict, so that
    # this marker is removed in the same change.
    pytest.mark.xfail(strict=True, reason="handbook search stores the redacted query after issue 16 lands"),
]


def test_a_query_is_stored_and_shown_to_editors_without_identifiers(client, demo, reader, editor):
    client.force_login(reader)

    client.get("/handbook/search/", {"q": "王小明 13800138000 MRN0012345 川崎病"})

    log = SearchLog.objects.get()
    assert "王小明" not in log.query
    assert "13800138000" not in log.query
    assert "MRN0012345" not in log.query
    assert "川崎病" in log.query
    client.force_login(editor)
    content = client.get("/handbook/editor/usage/").content.decode()
    assert "13800138000" not in content
    assert "王小明" not in content
