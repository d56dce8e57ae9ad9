"""The shared PDF machinery (cloudpeds/core/pdf.py): the embedded CJK font, the fetcher that
loads nothing outside static/, autoescaped names, QR codes and bilingual labels."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from PIL import Image
from pypdf import PdfReader

from cloudpeds.core import pdf as pdf_module
from cloudpeds.core.pdf import (
    PDF_FONT_POSTSCRIPT_PREFIX,
    Bilingual,
    FetchRefused,
    StaticOnlyFetcher,
    bilingual,
    qr_data_uri,
    render_pdf,
    static_dir,
)

ROOT = Path(__file__).resolve().parents[2]

PAGE = """{% extends "pdf/base.html" %}
{% block content %}<h1>会诊报告 Consultation report</h1>
<p>患者 Patient: <strong>{{ name }}</strong></p>
{% for src in images %}<img src="{{ src }}" alt="">{% endfor %}
{% for href in stylesheets %}<link rel="stylesheet" href="{{ href }}">{% endfor %}
{% endblock %}"""


@pytest.fixture
def pdf_templates(settings, tmp_path) -> Path:
    """A template folder of the test's own, searched after the project's."""
    folder = tmp_path / "templates"
    (folder / "test_pdf").mkdir(parents=True)
    (folder / "test_pdf" / "page.html").write_text(PAGE, encoding="utf-8")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], folder]}]
    return folder


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)


def _font_names(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(BytesIO(pdf)).pages:
        fonts = page["/Resources"].get("/Font", {})
        for key in fonts:
            names.add(str(fonts[key].get_object()["/BaseFont"]))
    return names


@pytest.fixture
def no_network(monkeypatch) -> list:
    """Any attempt to open a connection fails the test (and is recorded)."""
    attempts: list = []

    def refuse(self, address):
        attempts.append(address)
        raise AssertionError(f"PDF rendering tried to connect to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_the_embedded_font_renders_chinese_that_extracts_back(pdf_templates):
    pdf = render_pdf("test_pdf/page.html", {"name": "王小明 喆玥"})

    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(pdf)
    assert "王小明 喆玥" in text
    assert "会诊报告" in text
    fonts = _font_names(pdf)
    # Every font of the page (body, bold, the page numbers) is the project's subset: the
    # family WeasyPrint names "Noto-Sans-SC-Cloudpeds", not a font of this machine.
    assert fonts
    assert all("Noto-Sans-SC-Cloudpeds" in name for name in fonts), fonts


def test_the_font_files_ship_with_the_project_under_the_ofl():
    fonts = ROOT / "static" / "fonts"
    for weight in ("Regular", "Bold"):
        path = fonts / f"NotoSansSC-Cloudpeds-{weight}.otf"
        assert path.stat().st_size < 4_000_000
        assert path.read_bytes()[:4] == b"OTTO"
        assert f"{PDF_FONT_POSTSCRIPT_PREFIX}-{weight}".encode("utf-16-be") in path.read_bytes()
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts / "OFL.txt").read_text(encoding="utf-8")


def test_the_font_files_put_the_common_glyphs_first():
    # A PDF embeds every glyph id up to the highest it uses (WeasyPrint keeps the ids), so
    # common characters come first (static/fonts/build_subset.py): ASCII, the catalogue's
    # characters, then the common hanzi of GB 2312 level 1; rarer ones after.
    from fontTools.ttLib import TTFont

    for weight in ("Regular", "Bold"):
        font = TTFont(ROOT / "static" / "fonts" / f"NotoSansSC-Cloudpeds-{weight}.otf", lazy=True)
        cmap = font.getBestCmap()
        gid = {char: font.getGlyphID(cmap[ord(char)]) for char in "A证书李明华喆"}
        assert gid["A"] < 100
        assert max(gid["证"], gid["书"]) < 1000  # printed on every certificate
        assert max(gid["李"], gid["明"], gid["华"]) < 4500  # GB 2312 level 1
        assert gid["喆"] > 4500  # not in GB 2312: still there, further on


def test_chinese_renders_on_a_machine_with_no_fonts_at_all(pdf_templates, tmp_path):
    # Fontconfig with an empty configuration: no system font exists for this process.
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path / 'fc-cache'}</cachedir></fontconfig>",
        encoding="utf-8",
    )
    out = tmp_path / "out.pdf"
    script = (
        "import django, sys; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test.utils import override_settings\n"
        "engine = settings.TEMPLATES[0]\n"
        f"with override_settings(TEMPLATES=[{{**engine, 'DIRS': [*engine['DIRS'], {str(pdf_templates)!r}]}}]):\n"
        "    from cloudpeds.core.pdf import render_pdf\n"
        f"    open({str(out)!r}, 'wb').write(render_pdf('test_pdf/page.html', {{'name': '张喆'}}))\n"
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "DJANGO_SETTINGS_MODULE": "cloudpeds.settings",
        "DATABASE_URL": "postgres://nobody@db.invalid/none",
    }
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)

    pdf = out.read_bytes()
    assert "张喆" in _pdf_text(pdf)
    assert all("Noto-Sans-SC-Cloudpeds" in name for name in _font_names(pdf))


def test_nothing_outside_static_is_fetched_and_the_pdf_still_renders(pdf_templates, no_network):
    fetcher = StaticOnlyFetcher()
    outside = [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://10.0.0.1/internal.png",
        "ftp://example.com/x.png",
        "file://example.com/etc/passwd",
        "../pyproject.toml",  # relative to static/: one level up is the project, not static/
    ]

    pdf = render_pdf(
        "test_pdf/page.html",
        {"name": "王小明", "images": outside, "stylesheets": ["https://example.com/evil.css"]},
        fetcher=fetcher,
    )

    assert pdf.startswith(b"%PDF-")
    assert "王小明" in _pdf_text(pdf)
    assert no_network == []
    refused = set(fetcher.refused)
    assert {"file:///etc/passwd", "http://example.com/x.png", "https://example.com/evil.css"} <= refused
    assert (ROOT / "pyproject.toml").as_uri() in refused
    # All that was read: the two font files, inside static/ (on the process's first PDF
    # only: the font configuration is kept for the next ones, cloudpeds.core.pdf).
    assert set(fetcher.served) <= {
        (static_dir() / "fonts/NotoSansSC-Cloudpeds-Regular.otf").as_uri(),
        (static_dir() / "fonts/NotoSansSC-Cloudpeds-Bold.otf").as_uri(),
    }


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/x.png",
        "https://example.com/x.png",
        "file://localhost/etc/hostname",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "not a url",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files_and_data(url, no_network):
    fetcher = StaticOnlyFetcher()

    with pytest.raises(FetchRefused):
        fetcher.fetch(url)

    assert fetcher.refused == [url]
    assert no_network == []


def test_the_fetcher_does_not_follow_symlinks_or_dots_out_of_its_folder(tmp_path):
    root = tmp_path / "static"
    (root / "img").mkdir(parents=True)
    (root / "img" / "ok.txt").write_text("inside", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    (root / "img" / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = StaticOnlyFetcher(root)

    assert fetcher.fetch((root / "img" / "ok.txt").as_uri()).read() == b"inside"
    for url in [(root / "img" / "link.txt").as_uri(), root.as_uri() + "/img/../../secret.txt"]:
        with pytest.raises(FetchRefused):
            fetcher.fetch(url)


def test_data_uris_are_decoded_in_memory():
    fetcher = StaticOnlyFetcher()
    response = fetcher.fetch("data:text/plain;base64," + base64.b64encode(b"hello").decode())

    assert response.read() == b"hello"
    assert response.content_type == "text/plain"


def test_names_are_autoescaped_text_not_markup(pdf_templates, no_network):
    fetcher = StaticOnlyFetcher()
    name = '王<b>小明</b><img src="file:///etc/hostname">'

    pdf = render_pdf("test_pdf/page.html", {"name": name}, fetcher=fetcher)

    text = _pdf_text(pdf).replace("\n", "")
    assert '王<b>小明</b><img src="file:///etc/hostname">' in text
    assert fetcher.refused == []  # the "image" was never an image: nothing was asked for


LANDSCAPE = """{% extends "pdf/base.html" %}
{% block style %}@page { size: A4 landscape; } h1 { font-size: 30pt; }{% endblock %}
{% block content %}<h1>证书 {{ name }}</h1>{% endblock %}"""


def _page_size(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(BytesIO(pdf)).pages[0].mediabox
    return float(box.width), float(box.height)


def test_each_template_gets_its_own_parsed_stylesheet_parsed_once(pdf_templates, monkeypatch):
    monkeypatch.setattr(pdf_module, "_stylesheets", {})  # none kept from other tests' PDFs
    (pdf_templates / "test_pdf" / "landscape.html").write_text(LANDSCAPE, encoding="utf-8")

    portrait = render_pdf("test_pdf/page.html", {"name": "王小明"})
    kept = dict(pdf_module._stylesheets)
    landscape = render_pdf("test_pdf/landscape.html", {"name": "李华"})
    portrait_again = render_pdf("test_pdf/page.html", {"name": "张喆"})

    width, height = _page_size(portrait)
    assert width < height
    assert _page_size(landscape) == (height, width)  # its own CSS applies (A4 turned)...
    assert _page_size(portrait_again) == (width, height)  # ...and only to its own PDFs
    assert "李华" in _pdf_text(landscape) and "张喆" in _pdf_text(portrait_again)
    assert all("Noto-Sans-SC-Cloudpeds" in name for name in _font_names(landscape))
    # The page template's stylesheet was parsed once and served to its second PDF.
    assert len(pdf_module._stylesheets) == 2
    assert all(pdf_module._stylesheets[css] is sheet for css, sheet in kept.items())


def test_a_style_element_in_what_a_person_typed_stays_text(pdf_templates):
    name = "王小明<style>@page { size: A4 landscape; }</style>"

    pdf = render_pdf("test_pdf/page.html", {"name": name})

    assert name in _pdf_text(pdf).replace("\n", "")
    width, height = _page_size(pdf)
    assert width < height


def test_a_qr_code_is_a_png_data_uri_that_the_pdf_embeds(pdf_templates):
    uri = qr_data_uri("https://portal.example/verify/3f2a")

    assert uri.startswith("data:image/png;base64,")
    image = Image.open(BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.format == "PNG"
    assert image.size[0] == image.size[1] > 100

    fetcher = StaticOnlyFetcher()
    pdf = render_pdf("test_pdf/page.html", {"name": "证书", "images": [uri]}, fetcher=fetcher)
    page = PdfReader(BytesIO(pdf)).pages[0]
    assert "data:" in fetcher.served
    assert any(
        page["/Resources"]["/XObject"][key].get_object()["/Subtype"] == "/Image"
        for key in page["/Resources"]["/XObject"]
    )


def test_bilingual_labels_carry_both_languages_escaped():
    label = bilingual(_("Sign out"))

    assert label == Bilingual(zh="退出登录", en="Sign out")
    assert str(label) == "退出登录 Sign out"
    assert label.html == '<span lang="zh-CN">退出登录</span> <span class="en" lang="en">Sign out</span>'
    assert Bilingual(zh="<b>", en="<b>").html == '<span lang="en">&lt;b&gt;</span>'
    assert bilingual(lambda: "体温") == Bilingual(zh="体温", en="体温")
    # A callable may return a lazy string (capfirst of a verbose_name): it is made text.
    assert bilingual(lambda: capfirst(_("sign out"))).en == "Sign out"
    assert bilingual(_("%(n)d h"), n=5) == Bilingual(zh="5 h", en="5 h")
