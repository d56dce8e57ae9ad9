"""Every message has a Chinese translation, none is fuzzy, and the compiled catalogue is current."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCE_DIRS = ["cloudpeds", "consultations", "referrals", "training", "handbook", "outcomes", "templates"]


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = polib.pofile(str(PO))

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    assert not untranslated, f"{len(untranslated)} messages lack a Chinese translation: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy translations: {fuzzy[:20]}"
    assert len(catalogue) > 50


def test_compiled_catalogue_matches_the_po_file():
    po = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.pofile(str(PO))}
    mo = {(e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in polib.mofile(str(MO))}
    po_active = {key: value for key, value in po.items() if key[1] != ""}

    assert po_active == {key: value for key, value in mo.items() if key[1] != ""}, "run `make messages`"


def test_translations_are_active_in_pages():
    from django.utils import translation

    with translation.override("zh-hans"):
        assert translation.gettext("Sign out") == "退出登录"


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext tools are not installed (CI installs them)")
def test_every_marked_string_in_the_source_is_in_the_catalogue(tmp_path):
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@db.invalid/none", "DJANGO_DEBUG": "true"}

    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )

    committed = {(e.msgctxt, e.msgid) for e in polib.pofile(str(PO)) if e.translated()}
    extracted = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "locale/zh_Hans/LC_MESSAGES/django.po"))}
    missing = sorted(extracted - committed, key=str)
    assert not missing, f"strings marked in the source but not translated (run `make messages`): {missing[:20]}"


# xgettext does not look inside f-strings: f"{gettext('Reference case')}: …" never reaches the
# catalogue and shows English on Chinese pages. Marked strings take %-placeholders instead.
_GETTEXT_IN_F_STRING = re.compile(r"""\bf(["'])[^"'\n]*\{\s*(?:_|gettext|pgettext|ngettext|gettext_lazy)\(""")


def test_no_translated_string_is_hidden_inside_an_f_string():
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for name in SOURCE_DIRS
        for path in (ROOT / name).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _GETTEXT_IN_F_STRING.search(line)
    ]
    assert found == []


def test_the_f_string_check_recognises_the_mistake():
    assert _GETTEXT_IN_F_STRING.search("""name = f"{gettext('Reference case')}: {case.name}\"""")
    assert not _GETTEXT_IN_F_STRING.search("""name = gettext("Reference case: %(name)s") % {"name": n}""")
