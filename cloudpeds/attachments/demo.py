"""Demo clinical files for the demo children at Yangpu: rash photos, a photographed X-ray
film and a lab report, generated here (no binary files in the repository).

Runs through `manage.py seed_demo` after the patients app's demo (INSTALLED_APPS order).
Idempotent: a file is added once per child and file name. Files go through the real
upload path (`create_from_upload`), so they are checked and re-encoded like any upload.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFilter

from cloudpeds.accounts.models import User
from cloudpeds.patients.models import Patient

from .models import Attachment

K = Attachment.Kind


def rash_photo(seed: int = 1, size: tuple[int, int] = (1200, 900)) -> bytes:
    """Skin with scattered red macules and papules, slightly blurred like a phone photo."""
    rnd = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, (226, 178, 154))
    draw = ImageDraw.Draw(image)
    # Uneven lighting across the skin.
    for y in range(0, height, 6):
        shade = int(18 * y / height)
        draw.rectangle([0, y, width, y + 6], fill=(226 - shade, 178 - shade, 154 - shade))
    spots = Image.new("RGBA", size, (0, 0, 0, 0))
    spot_draw = ImageDraw.Draw(spots)
    for _ in range(140):
        x, y = rnd.randrange(width), rnd.randrange(height)
        radius = rnd.randint(6, 22)
        red = (rnd.randint(170, 205), rnd.randint(40, 70), rnd.randint(50, 75), rnd.randint(110, 190))
        spot_draw.ellipse([x - radius, y - radius * 0.8, x + radius, y + radius * 0.8], fill=red)
    spots = spots.filter(ImageFilter.GaussianBlur(4))
    image.paste(spots, mask=spots.getchannel("A"))
    image = image.filter(ImageFilter.GaussianBlur(1))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    return out.getvalue()


def xray_film_photo(size: tuple[int, int] = (1000, 1200)) -> bytes:
    """A chest film on a light box, photographed: greyscale body, dark lungs, ribs, spine."""
    width, height = size
    image = Image.new("L", size, 35)
    draw = ImageDraw.Draw(image)
    draw.rectangle([60, 60, width - 60, height - 60], fill=20)  # the film
    draw.ellipse([180, 180, width - 180, height - 120], fill=150)  # the chest
    draw.ellipse([240, 260, width // 2 - 30, height - 260], fill=55)  # right lung
    draw.ellipse([width // 2 + 30, 260, width - 240, height - 260], fill=55)  # left lung
    draw.rectangle([width // 2 - 28, 160, width // 2 + 28, height - 140], fill=200)  # spine
    draw.ellipse([width // 2 - 40, height // 2 - 10, width // 2 + 170, height // 2 + 200], fill=120)  # heart
    for index in range(9):
        y = 300 + index * 70
        draw.arc([220, y - 60, width // 2, y + 60], 190, 350, fill=175, width=10)
        draw.arc([width // 2, y - 60, width - 220, y + 60], 190, 350, fill=175, width=10)
    image = image.filter(ImageFilter.GaussianBlur(6)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


_REPORT_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 18mm; }
body { font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", sans-serif; font-size: 10.5pt; }
h1 { font-size: 15pt; text-align: center; margin: 0 0 4mm; }
.meta td { padding: 1mm 4mm 1mm 0; }
table.results { width: 100%; border-collapse: collapse; margin-top: 5mm; }
table.results th, table.results td { border-bottom: 0.3mm solid #999; padding: 1.5mm; text-align: left; }
.high { font-weight: bold; }
footer { margin-top: 10mm; font-size: 9pt; color: #555; }
</style></head><body>
<h1>杨浦区中心医院 检验报告单<br><small>Complete blood count and CRP</small></h1>
<table class="meta"><tr><td>姓名 Name: {name}</td><td>病历号 MRN: {record_number}</td></tr>
<tr><td>科室 Dept: 儿科</td><td>标本 Specimen: 静脉血 venous blood</td></tr></table>
<table class="results">
<tr><th>项目 Test</th><th>结果 Result</th><th>单位 Unit</th><th>参考范围 Reference</th></tr>
<tr><td>白细胞 WBC</td><td class="high">13.6 ↑</td><td>×10⁹/L</td><td>4.0–12.0</td></tr>
<tr><td>中性粒细胞百分比 NEUT%</td><td class="high">78.2 ↑</td><td>%</td><td>31–70</td></tr>
<tr><td>淋巴细胞百分比 LYM%</td><td>17.5</td><td>%</td><td>15–50</td></tr>
<tr><td>血红蛋白 HGB</td><td>121</td><td>g/L</td><td>110–150</td></tr>
<tr><td>血小板 PLT</td><td>312</td><td>×10⁹/L</td><td>100–400</td></tr>
<tr><td>C反应蛋白 CRP</td><td class="high">36 ↑</td><td>mg/L</td><td>0–8</td></tr>
</table>
<footer>演示数据，非真实病历。Demo data, not a real patient.</footer>
</body></html>"""


def _no_fetch(url: str, *args, **kwargs):
    raise ValueError(f"The demo report fetches nothing: {url}")


def lab_report_pdf(patient: Patient) -> bytes:
    from weasyprint import HTML  # heavy import: only when the demo runs

    html = _REPORT_HTML.replace("{name}", escape(patient.name)).replace(
        "{record_number}", escape(patient.record_number)
    )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()


@dataclass(frozen=True)
class DemoFile:
    child: int  # index among the demo children at Yangpu, by record number
    name: str
    kind: str
    description: str
    make: Callable[[Patient], bytes]


DEMO_FILES = [
    DemoFile(0, "皮疹-躯干-第1天.jpg", K.PHOTO, "躯干及四肢散在红色斑丘疹，压之褪色，第1天", lambda p: rash_photo(1)),
    DemoFile(0, "皮疹-躯干-第3天.jpg", K.PHOTO, "皮疹较前融合，第3天复诊", lambda p: rash_photo(3)),
    DemoFile(0, "血常规+CRP.pdf", K.LAB_REPORT, "血常规及C反应蛋白", lab_report_pdf),
    DemoFile(1, "胸片-正位.jpg", K.XRAY, "胸部正位片（手机翻拍）：右下肺纹理增粗", lambda p: xray_film_photo()),
]


def seed(stdout) -> None:
    children = list(Patient.objects.filter(hospital__code="yangpu").exclude(record_number="").order_by("record_number"))
    if not children:
        stdout.write("Demo clinical files: no demo patients at Yangpu yet (run the patients demo first); skipped.")
        return
    uploader = User.objects.filter(username="dr.yangpu").first()
    added = 0
    for demo in DEMO_FILES:
        patient = children[demo.child % len(children)]
        if Attachment.objects.filter(patient=patient, original_name=demo.name).exists():
            continue
        Attachment.objects.create_from_upload(
            patient=patient,
            uploaded_by=uploader or patient.registered_by,
            upload=SimpleUploadedFile(demo.name, demo.make(patient)),
            kind=demo.kind,
            description=demo.description,
        )
        added += 1
    stdout.write(f"Demo clinical files: {added} added ({len(DEMO_FILES) - added} already there).")
