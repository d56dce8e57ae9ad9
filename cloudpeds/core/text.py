"""Text written by people, as HTML: Markdown rendered, then sanitised with nh3.

The one path for every text that people write and that the portal shows as markup (handbook
sections and tables, pathway actions, lesson readings): `render_markdown()`. The sanitiser is
the security boundary (an editor's account could be taken over, and the handbook is read by
every doctor in the group), so the allowed tags are few and no attribute can carry script,
style or behaviour: nh3 keeps only the attributes listed below, so `on…` handlers and htmx's
`hx-…`/`data-hx-…` attributes never survive.

htmx acts on attributes anywhere in the page, and a sanitiser is one bug away from letting
one through; so the sanitised HTML always comes inside a container with `hx-disable`, which
makes htmx ignore everything within it (defence in depth, by construction: no template has
to remember it). Text that is not Markdown is printed with Django's autoescaping, as text.
"""

from __future__ import annotations

import html
import re
import threading

import markdown
import nh3
from django.utils.html import format_html
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


# A list item's marker, after its indentation (outside code, which the handbook does not use).
_LIST_LINE = re.compile(r"^( +)(?=(?:[-*+]|\d+[.)]) )", re.MULTILINE)


def _nest_lists(text: str) -> str:
    """Sub-lists indented by two spaces (GitHub's and most editors' habit) nest, as they look.

    Python-Markdown nests a list only under four spaces and shows two-space sub-items as one
    flat list. A text whose list lines use indents that are not multiples of four is written in
    two-space steps: every list line's indent is doubled.
    """
    indents = [len(match.group(1)) for match in _LIST_LINE.finditer(text)]
    if not indents or all(indent % 4 == 0 for indent in indents):
        return text
    return _LIST_LINE.sub(lambda match: match.group(1) * 2, text)


def _to_html(text: str) -> str:
    # One Markdown converter per thread, reset between texts: building one costs more than
    # converting a section (it matters when thousands of sections are indexed at once).
    converter = getattr(_local, "markdown", None)
    if converter is None:
        converter = _local.markdown = markdown.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    return converter.reset().convert(_nest_lists(text))


# The container of every piece of sanitised HTML; htmx processes nothing inside it.
CONTAINER = '<div class="people-text" hx-disable>{}</div>'


def sanitise_html(html_text: str) -> str:
    """People's HTML reduced to the allowed tags and attributes (not yet safe to mark: see
    render_markdown, which also puts it in its hx-disable container)."""
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render_markdown(text: str) -> SafeString:
    """Markdown to sanitised HTML in an hx-disable container, safe to put in a page."""
    if not text:
        return mark_safe("")
    return format_html(CONTAINER, mark_safe(sanitise_html(_to_html(text))))  # noqa: S308 - sanitised just here


def plain_text(text: str) -> str:
    """The words of a Markdown text without its markup, on one line (for search and snippets)."""
    if not text:
        return ""
    rendered = _to_html(text)
    # Block ends become spaces, so that words of two list items do not run together.
    rendered = re.sub(r"</(p|li|h\d|td|th|tr|blockquote|pre)>|<br\s*/?>", " ", rendered)
    stripped = html.unescape(nh3.clean(rendered, tags=set()))
    return _WHITESPACE.sub(" ", stripped).strip()
