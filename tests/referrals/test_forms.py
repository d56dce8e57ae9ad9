"""The forms run the models' rules: each message is the model's, shown beside its field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.forms import ApproveForm, FollowUpItemForm, RejectForm
from referrals.models import BedReservation, FollowUpItem, Referral, ReferralError

pytestmark = pytest.mark.django_db

LOCAL = "%Y-%m-%dT%H:%M"


def _refusal(check, *args) -> str:
    with pytest.raises(ReferralError) as refusal:
        check(*args)
    return str(refusal.value)


def test_rejecting_for_another_reason_needs_a_comment():
    form = RejectForm({"reason": "other", "comment": " "})

    assert form.errors["comment"] == [_refusal(Referral.check_rejection, "other", " ")]
    assert RejectForm({"reason": "other", "comment": "家属拒绝"}).is_valid()


@pytest.mark.parametrize(("start_hours", "end_hours"), [(0, 0), (-3, -1)])
def test_the_arrival_window_ends_after_it_starts_and_in_the_future(start_hours, end_hours):
    now = timezone.localtime().replace(second=0, microsecond=0)
    start, end = now + timedelta(hours=start_hours), now + timedelta(hours=end_hours)

    form = ApproveForm({"window_start": start.strftime(LOCAL), "window_end": end.strftime(LOCAL)})

    assert form.errors["window_end"] == [_refusal(BedReservation.check_window, start, end)]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"description": "复查", "due_on": ""}, "due_on"),
        ({"description": " ", "due_on": "2099-01-01"}, "description"),
        ({"description": "复查", "due_on": "2000-01-01"}, "due_on"),
    ],
)
def test_a_follow_up_item_says_what_and_when_not_in_the_past(data, field):
    form = FollowUpItemForm(data)

    due_on = form.fields["due_on"].clean(data["due_on"])
    assert form.errors[field] == [_refusal(FollowUpItem.check_item, data["description"], due_on)]


def test_an_empty_follow_up_row_is_no_item():
    assert FollowUpItemForm({"description": "", "due_on": ""}).is_valid()


def test_numbers_bring_up_the_numeric_keypad_on_a_phone():
    from referrals.forms import BedCensusForm, ReferralForm

    assert BedCensusForm().fields["occupied"].widget.attrs["inputmode"] == "numeric"
    fields = ReferralForm.base_fields
    assert fields["spo2"].widget.attrs["inputmode"] == "numeric"
    assert fields["weight_kg"].widget.attrs["inputmode"] == "decimal"
    assert fields["temperature_c"].widget.attrs["inputmode"] == "decimal"
