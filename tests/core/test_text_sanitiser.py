"""The one sanitiser of people's HTML (cloudpeds.core.text): nh3's allow-list keeps no on… or
hx-… attribute and no script URL, proved with the payload corpus; and its output always
comes in an hx-disable container."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from cloudpeds.core.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, plain_text, render_markdown

from .payloads import CORPUS, MARKDOWN_EXTRA, SHORT

CONTAINER_ATTRIBUTES = {"class": "people-text", "hx-disable": None}


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("payload", [*SHORT, *MARKDOWN_EXTRA, CORPUS])
def test_no_attribute_but_the_allowed_ones_survives(payload):
    (container, *inside) = _elements(render_markdown(payload))

    assert container == ("div", CONTAINER_ATTRIBUTES)
    for tag, attributes in inside:
        assert tag in ALLOWED_TAGS, tag
        allowed = ALLOWED_ATTRIBUTES.get(tag, set()) | ({"rel"} if tag == "a" else set())
        assert set(attributes) <= allowed, (tag, attributes)
        assert not any(name.startswith(("on", "hx-", "data-")) for name in attributes)
        href = (attributes.get("href") or "").replace("\t", "").strip().lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), href


def test_the_rendered_text_never_carries_script():
    html = render_markdown(CORPUS)

    assert "<script" not in html
    assert "<iframe" not in html
    assert "<svg" not in html
    assert "<style" not in html
    assert "hx-post" not in html.replace("hx-disable", "")
    assert " on" not in "".join(f" {name}" for _tag, attributes in _elements(html) for name in attributes)


def test_the_container_is_the_only_htmx_attribute_and_comes_once():
    html = render_markdown("**bold** and <div hx-get='/x'>x</div>")

    assert html.startswith('<div class="people-text" hx-disable>')
    assert html.endswith("</div>")
    assert html.count("hx-") == 1


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""


def test_plain_text_has_no_markup_left():
    assert plain_text("**bold** <b hx-get='/x'>b</b>") == "bold b"


@pytest.mark.parametrize(
    "text",
    [
        "- mild\n  - hydrocortisone 1%\n  - desonide\n- severe",  # two-space steps, as editors type
        "- mild\n    - hydrocortisone 1%\n    - desonide\n- severe",  # four-space steps, as Python-Markdown wants
    ],
)
def test_sub_lists_nest_whether_indented_by_two_or_four_spaces(text):
    rendered = str(render_markdown(text))
    assert re.search(r"<li>mild\s*<ul>\s*<li>hydrocortisone 1%</li>\s*<li>desonide</li>\s*</ul>\s*</li>", rendered), (
        rendered
    )
    assert "<li>severe</li>" in rendered


def test_a_flat_list_stays_flat():
    rendered = str(render_markdown("- one\n- two"))
    assert "<ul>" in rendered and rendered.count("<ul>") == 1
