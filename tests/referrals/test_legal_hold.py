"""A referral of a child under a legal hold cannot change."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.db.utils import DatabaseError

from cloudpeds.patients.models import LegalHold
from referrals.models import Referral

pytestmark = pytest.mark.django_db


def test_a_referral_under_hold_cannot_change(group_admin, referral):
    LegalHold.place(referral.patient, group_admin, "纠纷")

    with pytest.raises(DatabaseError, match="legal hold"), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).update(clinical_summary="改写")
    referral.refresh_from_db()
    assert referral.clinical_summary != "改写"


def test_a_referral_keeps_the_inpatient_period(referral):
    from django.utils import timezone

    from cloudpeds.core.retention import keep_until_for

    referral.refresh_from_db()
    assert referral.retention_class == "inpatient"
    assert referral.keep_until == keep_until_for("inpatient", timezone.localdate(referral.created_at))
    with pytest.raises(DatabaseError, match="retention period"), transaction.atomic():
        Referral.objects.filter(pk=referral.pk).delete()
