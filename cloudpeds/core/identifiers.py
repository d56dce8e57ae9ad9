"""Remove what identifies a person from free text before it is kept for statistics.

Doctors type anything into a search box: a child's name, a record number, a guardian's phone
number. Such queries are kept only to learn what people look for (and what the handbook
lacks), and are shown to editors who have no business seeing patient identifiers (PIPL:
collect no more than the purpose needs). `redact_identifiers()` is applied before a query is
stored, so that no identifier reaches the database at all.

What is removed, each replaced by `REDACTED`:

- national ID numbers (18 characters, or the old 15 digits), phone numbers (mobile and
  landline, with or without +86 and separators), e-mail addresses, dates (a date of birth);
- record and case numbers: any token with a run of 4 or more digits (MRN0012345, ZY-2024-001,
  住院号123456), and any run of 5 or more digits;
- Chinese personal names, as the segmenter tags them (rjieba, "nr"), when they are two to four
  characters starting with a common family name. The segmenter also tags some drug names as
  names (布洛芬), hence the family-name test; a name it does not know, or a name written in
  pinyin, is not found. Over-removal costs a statistic; under-removal would leak a child.

What is kept: words, short numbers (ages, doses, temperatures: "3岁", "39.5", "250mg").
"""

from __future__ import annotations

import re
import unicodedata

import rjieba

REDACTED = "[…]"

_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    # ID numbers before phones and digit runs: they are the longest match.
    re.compile(r"(?<![0-9])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9])"),
    re.compile(r"(?<![0-9])\d{15}(?![0-9])"),
    re.compile(r"(?:\+?86[\s-]?)?(?<![0-9])1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?![0-9])"),
    re.compile(r"(?<![0-9])0\d{2,3}[\s-]?\d{7,8}(?![0-9])"),
    re.compile(r"(?<![0-9])(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"),
    # Record numbers: letters or dashes around a run of 4+ digits, taken as one token.
    re.compile(r"[A-Za-z][A-Za-z0-9-]*\d{4,}[A-Za-z0-9-]*|\d{4,}[A-Za-z-][A-Za-z0-9-]*"),
    re.compile(r"\d{5,}"),
]

# The most common family names in China (over 85% of people), single characters.
_FAMILY_NAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池乜"
)
_HAN = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
_REPEATED = re.compile(re.escape(REDACTED) + r"(?:\s*" + re.escape(REDACTED) + r")+")


def _is_personal_name(word: str, tag: str) -> bool:
    return tag == "nr" and bool(_HAN.match(word)) and word[0] in _FAMILY_NAMES


def redact_identifiers(text: str) -> str:
    """`text` with identifiers replaced by REDACTED (see the module docstring)."""
    # Full-width digits and letters (１３８…, ＭＲＮ) become ASCII, so that the patterns see them.
    text = unicodedata.normalize("NFKC", text)
    for pattern in _PATTERNS:
        text = pattern.sub(REDACTED, text)
    words = [REDACTED if _is_personal_name(word, tag) else word for word, tag in rjieba.tag(text)]
    return _REPEATED.sub(REDACTED, "".join(words)).strip()
