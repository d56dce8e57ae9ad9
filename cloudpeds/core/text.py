"""Section bodies are Markdown written by editors: rendered, then sanitised with nh3.

The sanitiser is the security boundary (an editor's account could be taken over, and the
handbook is read by every doctor in the group), so the allowed tags are few and no
attribute can carry script or style.
"""

from __future__ import annotations

import html
import re
import threading

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "b",
    "i",
    "ul",
    "ol",
    "li",
    "a",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "code",
    "pre",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "hr",
    "sup",
    "sub",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"colspan", "rowspan"}, "td": {"colspan", "rowspan"}}
URL_SCHEMES = {"http", "https", "mailto"}

_WHITESPACE = re.compile(r"\s+")
_local = threading.local()


def _to_html(text: str) -> str:
    # One Markdown converter per thread, reset between texts: building one costs more than
    # converting a section (it matters when thousands of sections are indexed at once).
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    return converter.reset().convert(text)


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML, safe to put in a page."""
    if not text:
        return mark_safe("")
    rendered = _to_html(text)
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )
    return mark_safe(cleaned)  # noqa: S308 - sanitised by nh3 just above


def plain_text(text: str) -> str:
    """The words of a Markdown text without its markup, on one line (for search and snippets)."""
    if not text:
        return ""
    rendered = _to_html(text)
    # Block ends become spaces, so that words of two list items do not run together.
    rendered = re.sub(r"</(p|li|h\d|td|th|tr|blockquote|pre)>|<br\s*/?>", " ", rendered)
    stripped = html.unescape(nh3.clean(rendered, tags=set()))
    return _WHITESPACE.sub(" ", stripped).strip()
