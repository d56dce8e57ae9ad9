"""One font configuration per process, and no /tmp/weasyprint-* folder left behind (issue 17)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cloudpeds.core import pdf
from tests.core.test_pdf import PAGE, _font_names, _pdf_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pdf_templates(settings, tmp_path) -> Path:
    folder = tmp_path / "templates"
    (folder / "test_pdf").mkdir(parents=True)
    (folder / "test_pdf" / "page.html").write_text(PAGE, encoding="utf-8")
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine["DIRS"], folder]}]
    return folder


@pytest.fixture
def own_tmp(monkeypatch, tmp_path) -> Path:
    """A temporary folder of the test's own, and a font configuration made in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    pdf.release_fonts()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    pdf.release_fonts()


def _weasyprint_folders(folder: Path) -> list[Path]:
    return sorted(folder.glob("weasyprint-*"))


def test_many_pdfs_share_one_font_configuration_and_one_folder(pdf_templates, own_tmp):
    first = pdf.font_configuration()
    for name in ("王小明", "李华", "张喆"):
        document = pdf.render_pdf("test_pdf/page.html", {"name": name})
        assert name in _pdf_text(document)
        assert all("Noto-Sans-SC-Cloudpeds" in font for font in _font_names(document))

    assert pdf.font_configuration() is first
    assert len(_weasyprint_folders(own_tmp)) == 1
    assert pdf.font_folder() == _weasyprint_folders(own_tmp)[0]


def test_the_second_pdf_reads_no_font_file(pdf_templates, own_tmp):
    pdf.render_pdf("test_pdf/page.html", {"name": "王小明"})
    fetcher = pdf.StaticOnlyFetcher()

    pdf.render_pdf("test_pdf/page.html", {"name": "李华"}, fetcher=fetcher)

    assert not [url for url in fetcher.served if url.endswith(".otf")]


def test_releasing_removes_the_folder_and_the_next_pdf_still_renders(pdf_templates, own_tmp):
    pdf.render_pdf("test_pdf/page.html", {"name": "王小明"})
    assert len(_weasyprint_folders(own_tmp)) == 1

    pdf.release_fonts()

    assert _weasyprint_folders(own_tmp) == []
    assert "李华" in _pdf_text(pdf.render_pdf("test_pdf/page.html", {"name": "李华"}))


def test_a_vanished_folder_gets_a_new_configuration(pdf_templates, own_tmp):
    import shutil

    pdf.render_pdf("test_pdf/page.html", {"name": "王小明"})
    shutil.rmtree(pdf.font_folder())  # a /tmp cleaner on a long-running worker

    assert "李华" in _pdf_text(pdf.render_pdf("test_pdf/page.html", {"name": "李华"}))
    assert len(_weasyprint_folders(own_tmp)) == 1


def test_a_process_that_made_pdfs_leaves_no_folder_behind(pdf_templates, tmp_path):
    folder = tmp_path / "process-tmp"
    folder.mkdir()
    script = (
        "import django, glob, os; django.setup()\n"
        "from django.conf import settings\n"
        "from django.test.utils import override_settings\n"
        "engine = settings.TEMPLATES[0]\n"
        f"with override_settings(TEMPLATES=[{{**engine, 'DIRS': [*engine['DIRS'], {str(pdf_templates)!r}]}}]):\n"
        "    from cloudpeds.core.pdf import render_pdf\n"
        "    for name in ('王小明', '李华', '张喆', '陈晨'):\n"
        "        render_pdf('test_pdf/page.html', {'name': name})\n"
        f"    print('during', len(glob.glob(os.path.join({str(folder)!r}, 'weasyprint-*'))))\n"
    )
    env = {
        **os.environ,
        "TMPDIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "cloudpeds.settings",
        "DATABASE_URL": "postgres://nobody@db.invalid/none",
    }
    completed = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True, text=True, timeout=120
    )

    assert "during 1" in completed.stdout  # one folder for four PDFs while it ran
    assert _weasyprint_folders(folder) == []  # and none once it ended


def test_warm_up_renders_the_warm_up_page(own_tmp):
    pdf.warm_up()

    assert pdf.font_folder() is not None
    assert len(list(pdf.font_folder().iterdir())) >= 2  # both weights loaded
