"""The monthly PDF report of a hospital (outcomes/views/pages.py hospital_pdf): beside §1's
figures it carries §2's cohort table and §3's topic table, read back with pdftotext, in
both languages; another hospital's report is a 404, another role's a 403."""

from __future__ import annotations

import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from outcomes.figures import triage_by_topic

from .conftest import TODAY

pytestmark = pytest.mark.django_db

MARCH = {"month": "2025-03"}


def _text(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(done.stdout.decode().split())


def _report(client, hospital) -> str:
    response = client.get(reverse("outcomes:pdf", kwargs={"code": hospital.code}), MARCH)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return _text(response.content)


def test_the_report_has_the_cohort_and_topic_tables_in_english(history, yangpu, group_admin, login_2fa):
    text = _report(login_2fa(group_admin), yangpu)
    assert "Is care staying at the right level?" in text
    assert "Training by cohort (the twelve months)" in text
    # The two cohorts of March 2025: enrolled, completed, completion, attempts, pass rate.
    assert "主治医师 1 1 100% 0 —" in text
    assert "住院医师 1 0 0% 0 —" in text
    assert "Handbook triage by topic and colour (the month)" in text
    with translation.override("en"):
        title = triage_by_topic(yangpu, TODAY.replace(day=1), today=TODAY)[0].topic_title
    # Red: 2 runs, both to a consultation, none to a referral, 1 of 2 answers agreed.
    assert f"{title} Red: urgent referral 2 2 0 1/2" in text
    assert "Yellow: specific treatment 1 0 1 0/0" in text


def test_the_report_in_chinese(history, yangpu, group_admin, login_2fa):
    group_admin.preferred_language = "zh-hans"
    group_admin.save(update_fields=["preferred_language"])
    text = _report(login_2fa(group_admin), yangpu)
    assert "按群组统计的培训（十二个月）" in text
    assert "主治医师 1 1 100% 0 —" in text
    with translation.override("zh-hans"):
        heading = translation.gettext("Handbook triage by topic and colour (the month)")
        red = translation.gettext("Red: urgent referral")
    assert heading != "Handbook triage by topic and colour (the month)"
    assert heading in text
    assert f"{red} 2 2 0 1/2" in text
    assert "Training by cohort" not in text


def test_another_hospital_or_role_gets_no_report(history, yangpu, baoshan, doctor, client, login_2fa, yangpu_lead):
    lead = login_2fa(yangpu_lead)
    assert lead.get(reverse("outcomes:pdf", kwargs={"code": baoshan.code}), MARCH).status_code == 404
    client.force_login(doctor)
    for name in ("pdf", "csv", "hospital"):
        assert client.get(reverse(f"outcomes:{name}", kwargs={"code": yangpu.code}), MARCH).status_code == 403
