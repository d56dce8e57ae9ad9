"""The one helper that renders a notification's email (and its inbox line, the subject).

Templates are `templates/emails/<kind>-subject.txt`, `<kind>-body.txt` and `<kind>-body.html`.
The text templates are rendered without HTML escaping (a name like "O'Brien & Co" must
not arrive as "O&#x27;Brien &amp; Co"); the HTML body is escaped as usual.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation

_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")


def absolute_url(path: str) -> str:
    """Links in emails are read outside the portal: always absolute, from SITE_URL."""
    return settings.SITE_URL.rstrip("/") + path


def _render_text(template_name: str, context: dict) -> str:
    template = get_template(template_name).template  # the engine's Template, to turn autoescape off
    return template.render(Context(context, autoescape=False))


def render_subject(kind: str, context: dict, language: str) -> str:
    with translation.override(language):
        subject = _render_text(f"emails/{kind}-subject.txt", context)
    # A header is one line; template whitespace and newlines would break it.
    return " ".join(subject.split())


def render_email(kind: str, context: dict, language: str) -> tuple[str, str, str]:
    """Return (subject, text body, HTML body) in `language` (the recipient's, not the request's)."""
    subject = render_subject(kind, context, language)
    with translation.override(language):
        text = _render_text(f"emails/{kind}-body.txt", context)
        html = render_to_string(f"emails/{kind}-body.html", {**context, "subject": subject})
    text = _BLANK_LINES.sub("\n\n", text).strip() + "\n"
    return subject, text, html
