"""Rebuild the PDF fonts in this folder from Debian's fonts-noto-cjk (not run by the portal).

The portal's PDFs embed these two files, so Chinese renders on a machine with no CJK
fonts installed. They are subsets of Noto Sans CJK SC (SIL Open Font License 1.1, see
OFL.txt) keeping what a Chinese clinical document needs in ~2.5 MB per weight instead of
~20 MB: every hanzi of GB 2312 and of the Table of General Standard Chinese Characters
(通用规范汉字表, 2013: 8,105 characters, which adds the characters of personal and place
names that GB 2312 lacks, e.g. 喆 玥 珺 堃), Latin, Greek, punctuation, fullwidth forms and
the symbols of clinical notes (°C, µ, ±, ≤, ≥, arrows, circled numbers).

The family is renamed "Noto Sans SC Cloudpeds" so that a PDF whose fonts say so provably
used these files and not a system font. ("Source" is the only Reserved Font Name of the
Noto CJK licence, so a modified version may keep "Noto" in its name.)

Glyphs are ordered by how often a document uses them (issue 17): ASCII, then the characters
of the Chinese catalogue (locale/zh_Hans, the labels every PDF prints) most frequent first, then
the 3,755 common hanzi of GB 2312 level 1 (where most names' characters are), then the rest in
code point order. WeasyPrint embeds each PDF's glyphs as a subset that keeps every glyph id up
to the highest one used, so a low highest id makes the subset ~3x smaller and quicker to cut
(~13 ms a certificate less, both weights). Outlines, hints and metrics are unchanged.

Usage, on Debian with `apt-get install fonts-noto-cjk unicode-data`:

    .venv/bin/python static/fonts/build_subset.py

`--reorder-only` only puts the glyphs of the two files here in that order (no Debian packages
needed), e.g. after the catalogue changed much.
"""

from __future__ import annotations

import bz2
import contextlib
import sys
from collections import Counter
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.ttLib.reorderGlyphs import reorderGlyphs

SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"
SC_INDEX = 2  # JP, KR, SC, TC, HK, then the Mono faces: index 2 has the Simplified Chinese glyph forms
UNIHAN = "/usr/share/unicode/Unihan_OtherMappings.txt.bz2"  # kTGH: the General Standard table
FAMILY = "Noto Sans SC Cloudpeds"
HERE = Path(__file__).resolve().parent
CATALOGUE = HERE.parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

_RANGES = [
    (0x0020, 0x007E),  # Basic Latin
    (0x00A0, 0x017F),  # Latin-1 supplement, Latin extended-A: degree, micro, plus-minus, pinyin tones
    (0x01CD, 0x01DC),  # pinyin vowels with caron
    (0x0391, 0x03C9),  # Greek letters of clinical notes (alpha, beta, gamma)
    (0x2000, 0x206F),  # general punctuation: dashes, ellipsis, per mille, primes
    (0x2070, 0x209F),  # superscripts and subscripts (where the font has them)
    (0x2100, 0x214F),  # letterlike symbols: degree Celsius, numero
    (0x2150, 0x218F),  # number forms: Roman numerals
    (0x2190, 0x21FF),  # arrows (up, down, right)
    (0x2200, 0x22FF),  # mathematical operators (less or equal, greater or equal, almost equal)
    (0x2460, 0x24FF),  # enclosed alphanumerics: circled numbers
    (0x25A0, 0x25FF),  # geometric shapes: squares and circles used as bullets
    (0x2600, 0x26FF),  # miscellaneous symbols: stars
    (0x3000, 0x303F),  # CJK symbols and punctuation: ideographic comma, full stop, brackets
    (0x3200, 0x32FF),  # enclosed CJK letters: parenthesised numbers
    (0x3300, 0x33FF),  # CJK compatibility: squared units (kg, cm, mg, ml)
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF00, 0xFFEF),  # fullwidth forms: fullwidth comma, colon, parentheses, percent
]


def gb2312_hanzi() -> set[int]:
    found = set()
    for high in range(0xB0, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # the gaps of the code table
                found.add(ord(bytes([high, low]).decode("gb2312")))
    return found


def general_standard_hanzi() -> set[int]:
    found = set()
    with bz2.open(UNIHAN, "rt", encoding="utf-8") as lines:
        for line in lines:
            if "\tkTGH\t" in line:
                found.add(int(line.split("\t", 1)[0][2:], 16))
    if len(found) != 8105:
        sys.exit(f"Expected the 8,105 characters of the General Standard table, found {len(found)}.")
    return found


def codepoints() -> set[int]:
    points = gb2312_hanzi() | general_standard_hanzi()
    for start, end in _RANGES:
        points.update(range(start, end + 1))
    return points


def gb2312_level_1() -> list[int]:
    """The 3,755 common hanzi of GB 2312 (rows 16-55), in the table's order."""
    found = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):
                found.append(ord(bytes([high, low]).decode("gb2312")))
    return found


def catalogue_characters() -> list[int]:
    """The characters of the Chinese catalogue, most frequent first."""
    import polib

    counts: Counter[str] = Counter()
    for entry in polib.pofile(str(CATALOGUE)):
        counts.update(entry.msgstr)
        for text in entry.msgstr_plural.values():
            counts.update(text)
    return [ord(char) for char, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def reorder(font: TTFont) -> None:
    """Put the glyphs in the order of use described above (.notdef stays glyph 0)."""
    order = font.getGlyphOrder()
    cmap = font.getBestCmap()
    ranked = [*range(0x20, 0x7F), *catalogue_characters(), *gb2312_level_1(), *sorted(cmap)]
    new_order = [order[0]]
    placed = {order[0]}
    for point in ranked:
        name = cmap.get(point)
        if name is not None and name not in placed:
            new_order.append(name)
            placed.add(name)
    new_order += [name for name in order if name not in placed]  # glyphs without a code point
    reorderGlyphs(font, new_order)


def _rename(font: TTFont, weight: str) -> None:
    postscript = f"{FAMILY.replace(' ', '')}-{weight}"
    names = {1: FAMILY, 2: weight, 3: f"{postscript};subset", 4: f"{FAMILY} {weight}", 6: postscript}
    table = font["name"]
    for record in list(table.names):
        if record.nameID in (1, 2, 3, 4, 6, 16, 17):
            table.removeNames(nameID=record.nameID)
    for name_id, value in names.items():
        table.setName(value, name_id, 3, 1, 0x409)  # Windows, Unicode BMP, English (US)
        table.setName(value, name_id, 1, 0, 0)  # Macintosh, Roman, English
    # The CFF table carries the PostScript name too; PDF writers read it from there.
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FullName = f"{FAMILY} {weight}"
    top.FamilyName = FAMILY


def build(weight: str) -> Path:
    font = TTFont(SOURCE.format(weight=weight), fontNumber=SC_INDEX)
    options = subset.Options()
    options.hinting = True  # CFF hints keep small print legible in PDF viewers (~20 % of the size)
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    # No "locl" (it would pull in the Japanese, Korean and Traditional forms) and no vertical forms.
    options.layout_features = ["kern", "palt", "halt", "ccmp", "liga"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints())
    subsetter.subset(font)
    _rename(font, weight)
    reorder(font)
    target = HERE / f"NotoSansSC-Cloudpeds-{weight}.otf"
    font.save(target)
    return target


def reorder_only(weight: str) -> Path:
    target = HERE / f"NotoSansSC-Cloudpeds-{weight}.otf"
    font = TTFont(target)
    reorder(font)
    font.save(target)
    return target


if __name__ == "__main__":
    arguments = sys.argv[1:]
    make = reorder_only if "--reorder-only" in arguments else build
    for weight in [argument for argument in arguments if argument != "--reorder-only"] or ["Regular", "Bold"]:
        path = make(weight)
        print(f"{path.name}: {path.stat().st_size / 1_000_000:.1f} MB")
