"""redact_identifiers(): what is taken out of a search query before it is stored."""

from __future__ import annotations

import pytest

from cloudpeds.core.identifiers import REDACTED, redact_identifiers


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("王小明 发热三天", f"{REDACTED} 发热三天", id="child-name"),
        pytest.param("李红的孩子 哮喘", f"{REDACTED}的孩子 哮喘", id="guardian-name"),
        pytest.param("13800138000 咳嗽", f"{REDACTED} 咳嗽", id="mobile"),
        pytest.param("+86 138-0013-8000", REDACTED, id="mobile-with-country-code"),
        pytest.param("１３８００１３８０００", REDACTED, id="full-width-mobile"),
        pytest.param("021-65790000 新华", f"{REDACTED} 新华", id="landline"),
        pytest.param("310101201503070012 皮疹", f"{REDACTED} 皮疹", id="national-id"),
        pytest.param("31010120150307001X", REDACTED, id="national-id-with-x"),
        pytest.param("MRN0012345", REDACTED, id="record-number"),
        pytest.param("ZY-2024-001 复诊", f"{REDACTED} 复诊", id="case-number"),
        pytest.param("住院号123456 腹泻", f"住院号{REDACTED} 腹泻", id="digits-after-words"),
        pytest.param("mother@example.org", REDACTED, id="email"),
        pytest.param("出生 2019-03-04", f"出生 {REDACTED}", id="date-of-birth"),
        pytest.param("2019年3月4日 黄疸", f"{REDACTED} 黄疸", id="chinese-date"),
        pytest.param("王小明 13800138000 MRN0012345", REDACTED, id="several-in-a-row"),
    ],
)
def test_identifiers_are_removed(query, expected):
    assert redact_identifiers(query) == expected


@pytest.mark.parametrize(
    "query",
    ["川崎病", "手足口病", "热性惊厥", "布洛芬 剂量", "3岁 39.5度 发热", "250mg 阿莫西林", "H1N1 甲流", "fever 5 days"],
)
def test_clinical_words_and_short_numbers_are_kept(query):
    assert redact_identifiers(query) == query
