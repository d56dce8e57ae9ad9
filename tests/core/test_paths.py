"""cloudpeds.core.paths: a record's path from one reversed placeholder, as reverse() gives it."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from django.urls import clear_script_prefix, reverse, set_script_prefix

from cloudpeds.core.paths import record_path


@pytest.mark.parametrize("viewname", ["consultations:detail", "consultations:claim", "referrals:detail"])
def test_the_path_is_the_one_reverse_gives(viewname):
    public_id = uuid.uuid4()
    assert record_path(viewname, public_id) == reverse(viewname, args=[public_id])
    # Another id, another path: nothing of the first one is kept.
    other = uuid.uuid4()
    assert record_path(viewname, other) == reverse(viewname, args=[other])


def test_a_script_prefix_is_kept():
    public_id = uuid.uuid4()
    set_script_prefix("/portal/")
    try:
        assert record_path("referrals:detail", public_id) == f"/portal/referrals/{public_id}/"
    finally:
        clear_script_prefix()
    assert record_path("referrals:detail", public_id) == f"/referrals/{public_id}/"


@override_settings(ROOT_URLCONF="tests.core.urls_without_records")
def test_another_urlconf_is_not_served_the_cached_path():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        record_path("referrals:detail", uuid.uuid4())
