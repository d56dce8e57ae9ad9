"""What the referral letter says (referrals/letter.py, templates/pdf/referral_letter.html):
what the receiving ward and the family need, each label once in each language, and the
referral's own words for "From"/"To" (not the audit date filter's 起始日期 / 截止日期)."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfReader

from cloudpeds.patients.models import Guardian
from referrals.letter import render_letter

from .conftest import window

pytestmark = pytest.mark.django_db

ARRIVAL_NOTE = "请于明日上午9-11点到住院处办理入院"


def _pages(content: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(BytesIO(content)).pages]


@pytest.fixture
def approved_with_note(referral, transfer_admin):
    Guardian.objects.create(patient=referral.patient, name="王建国", relation="father", phone="13812345678")
    referral.approve(transfer_admin, note=ARRIVAL_NOTE, **window())
    return referral


def test_the_letter_has_the_guardian_the_ward_and_the_arrival_note(approved_with_note):
    text = " ".join(_pages(render_letter(approved_with_note)))

    assert "王建国" in text and "13812345678" in text
    assert "Father" in text and "Guardians" in text
    ward = approved_with_note.receiving_department
    assert "Ward" in text and ward.name_zh in text and ward.name_en in text
    assert ARRIVAL_NOTE in text


def test_from_and_to_are_the_hospitals_not_a_date_range(approved_with_note):
    text = " ".join(_pages(render_letter(approved_with_note)))

    assert "转出医院 From" in text and "接收医院 To" in text
    assert "起始日期" not in text and "截止日期" not in text


def test_spo2_is_named_once_in_each_language(approved_with_note):
    text = " ".join(_pages(render_letter(approved_with_note)))

    assert "血氧饱和度 SpO2 91 %" in text
    assert "SpO₂ SpO" not in text and "SpO2 SpO2" not in text


@pytest.mark.parametrize("summary_lines", [0, 1, 12])
def test_the_vital_signs_table_stays_on_one_page(referral, summary_lines):
    # Summaries of different lengths move the vital signs down page 1; with no summary the
    # table starts at its foot (it was split over two pages): it moves whole.
    referral.clinical_summary = "\n".join(f"第{day}天: 发热、咳嗽，精神可，进食减少" for day in range(summary_lines))
    referral.heart_rate = 150
    referral.respiratory_rate = 48
    referral.weight_kg = "12.5"
    referral.save()

    pages = _pages(render_letter(referral))

    holding = [page for page in pages if "39.2 °C" in page]
    assert len(holding) == 1 and "91 %" in holding[0] and "12.50 kg" in holding[0]
