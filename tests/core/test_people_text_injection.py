"""Stored HTML injection: no text written by people can put script, event handlers or htmx
attributes into a page.

The demo is loaded (every app's content in every state), then every text field that people
write, in every row, is overwritten with a payload corpus (script tags, on… handlers, hx-post,
hx-get, hx-trigger, hx-on, data-hx-…, javascript: and data: URLs, SVG, style, iframes,
encoded variants), found from the models rather than listed, and the portal is crawled as
each demo person: every page and every htmx fragment (hx-get) they reach. On every page:

- no element has an on… attribute (the portal has no inline handlers: CSP) or carries an
  injected hx-… / data-hx-… attribute, a javascript:/data: URL or an injected tag (script,
  iframe, object, embed, svg, style, base, form);
- no <script> but the portal's own (/static/ files, JSON data);
- markup that people's Markdown legitimately produces (**bold**) appears only inside a
  container with hx-disable (cloudpeds.core.text.render_markdown);
- and the payload did reach the page (its marker is in the text), so that a page that shows
  none of it does not pass by accident.

A pathway's questions and classifications are one JSON document (handbook.PathwayVersion):
only its words (the keys ending in _zh / _en) are poisoned, so that the pathway still runs.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import Resolver404, resolve

from cloudpeds.accounts.models import User

from .payloads import BOLD, CORPUS, MARK, SHORT

pytestmark = pytest.mark.django_db

# The apps whose rows hold what people write (accounts: names of people, hospitals, wards).
APPS = {"accounts", "patients", "attachments", "notifications", "consultations", "referrals", "training", "handbook"}
# Text fields that are identifiers or drive logic, not prose people read (and the password).
NOT_PROSE = {
    "username",
    "password",
    "email",
    "phone",
    "slug",
    "key",
    "ref",
    "code",
    "value",
    "kind",
    "language",
    "content_type",
    "video_content_type",
    "sha256",
    "room",
    "target_url",
    "last_error",
    "national_id",
    "licence_number",
    "status_at_generation",
    "classification_code",
    "expected",
    "expected_notes",
    "version_ids",
    "choice_order",
    "selected",
    "watched_intervals",
    "fired",
}
# JSON fields holding people's text, and the keys inside them that are logic (kept).
JSON_TEXT = {
    ("handbook", "pathwayversion", "document"),
    ("handbook", "triagerun", "answer_texts"),
    ("handbook", "triagerun", "classification"),
    ("handbook", "triagerun", "notes"),
    ("notifications", "notification", "context"),
}
# JSON fields whose logic is everything but their words: only keys ending in these are prose.
JSON_WORDS_ONLY = {("handbook", "pathwayversion", "document"): ("_zh", "_en")}
JSON_LOGIC_KEYS = {"value", "code", "colour", "key", "kind", "unit", "url", "id", "public_id", "slug", "lang"}

# Where the crawl does not go: state changes are POSTs anyway; these are files or other sites.
SKIP_PREFIXES = ("/accounts/logout", "/static/", "/i18n/", "/admin/", "/healthz", "/ping", "/media/")
SKIP_PARTS = ("/download/", "/pdf", "/video/", "/thumbnail/", "/view/", ".csv", "format=csv", "/template.csv")
PAGES_PER_ROUTE = 2
MAX_PAGES_PER_PERSON = 80

DEMO_PEOPLE = ["dr.yangpu", "spec.resp", "admin.xinhua", "trainer", "editor", "director"]
SAFE_ATTRIBUTES = {"value", "title", "alt", "placeholder", "aria-label", "content", "data-question", "label"}
DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "base", "form", "frame", "frameset"}
FORMATTING = {"strong", "b", "em", "i"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "hx-get", "hx-post"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _is_history(model: type[models.Model]) -> bool:
    return any(field.name == "pgh_obj" or field.name == "pgh_id" for field in model._meta.concrete_fields)


def _unique_together(model: type[models.Model]) -> set[str]:
    names = {name for group in model._meta.unique_together for name in group}
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()) or ())
    return names


def prose_fields() -> dict[type[models.Model], list[models.Field]]:
    """Every text field that people write, by model (found from the models)."""
    found = {}
    for model in apps.get_models():
        if model._meta.app_label not in APPS or _is_history(model):
            continue
        fields = [
            field
            for field in model._meta.concrete_fields
            if (
                isinstance(field, models.CharField | models.TextField)
                and not field.choices
                and not field.unique
                and field.name not in NOT_PROSE
                and field.name not in _unique_together(model)
                and not field.name.endswith(("_code", "_type", "_id"))
            )
            or (model._meta.app_label, model._meta.model_name, field.name) in JSON_TEXT
        ]
        if fields:
            found[model] = fields
    return found


def _payload_for(field: models.Field, index: int) -> str:
    """The whole corpus where it fits; else the short payloads in turn, field after field."""
    if isinstance(field, models.TextField) or (field.max_length or 0) >= len(CORPUS):
        return CORPUS
    return SHORT[index % len(SHORT)][: field.max_length]


def _poison_json(value, payload: str, words: tuple[str, ...] = ()):
    """Every string but those under logic keys; with `words`, only strings under keys ending so."""
    if isinstance(value, dict):
        poisoned = {}
        for key, item in value.items():
            if words and isinstance(item, str):
                poisoned[key] = payload if key.endswith(words) else item
            elif key in JSON_LOGIC_KEYS and not words:
                poisoned[key] = item
            else:
                poisoned[key] = _poison_json(item, payload, words)
        return poisoned
    if isinstance(value, list):
        return [_poison_json(item, payload, words) for item in value]
    if isinstance(value, str) and not words:
        return payload
    return value


def poison(fields: dict[type[models.Model], list[models.Field]]) -> None:
    index = 0
    for model, model_fields in fields.items():
        plain = {}
        for field in model_fields:
            if not isinstance(field, models.JSONField):
                plain[field.name] = _payload_for(field, index)
                index += 1
        if plain:
            model._base_manager.update(**plain)
        for field in (f for f in model_fields if isinstance(f, models.JSONField)):
            short = SHORT[index % len(SHORT)]
            index += 1
            words = JSON_WORDS_ONLY.get((model._meta.app_label, model._meta.model_name, field.name), ())
            for pk, value in model._base_manager.values_list("pk", field.name):
                model._base_manager.filter(pk=pk).update(**{field.name: _poison_json(value, short, words)})


class _PageChecker(HTMLParser):
    """Walks a page keeping the open elements, and notes every injected piece it finds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, inside an hx-disable container)
        self.problems: list[str] = []
        self.links: list[str] = []
        self.fragments: list[str] = []
        self.text: list[str] = []
        self.json_script = False

    @property
    def disabled(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        injected = any(MARK in value for name, value in values.items() if name not in SAFE_ATTRIBUTES)
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name.startswith(("hx-", "data-hx-")) and (injected or MARK in value):
                self.problems.append(f"<{tag} {name}={value!r}> (injected htmx attribute)")
            compact = re.sub(r"[\s\x00-\x1f]", "", value).lower()
            if name in URL_ATTRIBUTES and compact.startswith(("javascript:", "vbscript:", "data:text")):
                self.problems.append(f"<{tag} {name}={value!r}> (script URL)")
        if tag in DANGEROUS_TAGS and injected:
            self.problems.append(f"<{tag} {values}> (injected element)")
        if tag == "script" and not (
            values.get("src", "").startswith("/static/") or values.get("type") == "application/json"
        ):
            self.problems.append(f"<script {values}> (not the portal's own)")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"])
        if values.get("hx-get"):
            self.fragments.append(values["hx-get"])
        if tag == "script":
            self.json_script = values.get("type") == "application/json"
        if tag not in VOID:
            self.stack.append((tag, self.disabled or "hx-disable" in values))

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                return

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if not self.stack:
            return
        tag = self.stack[-1][0]
        if tag == "script" and MARK in data and not self.json_script:
            self.problems.append(f"script content {data[:80]!r}")
        if tag in FORMATTING and BOLD in data and not self.disabled:
            self.problems.append(f"<{tag}>{data[:40]}</{tag}> rendered as markup outside an hx-disable container")


def check_page(html: str) -> _PageChecker:
    checker = _PageChecker()
    checker.feed(html)
    checker.close()
    for match in re.finditer(r"<script\b[^>]*>", html, flags=re.I):
        tag = match.group()
        if 'src="/static/' not in tag and 'type="application/json"' not in tag:
            checker.problems.append(f"raw {tag[:80]!r}")
    return checker


def _route(path: str) -> str | None:
    try:
        return resolve(path).route
    except Resolver404:
        return None


def crawl(client: Client, starts: list[str]) -> dict[str, str]:
    """GET every page and htmx fragment reachable from `starts` (a few per URL pattern)."""
    seen_routes: dict[str, int] = defaultdict(int)
    queue: list[tuple[str, bool]] = [(url, False) for url in starts]
    visited: set[str] = set()
    pages: dict[str, str] = {}
    while queue and len(pages) < MAX_PAGES_PER_PERSON:
        url, htmx = queue.pop(0)
        parts = urlsplit(url)
        path = parts.path
        if url in visited or parts.netloc or not path.startswith("/"):
            continue
        visited.add(url)
        if path.startswith(SKIP_PREFIXES) or any(part in url for part in SKIP_PARTS):
            continue
        route = _route(path)
        if route is None or seen_routes[route] >= PAGES_PER_ROUTE:
            continue
        seen_routes[route] += 1
        response = client.get(url, headers={"HX-Request": "true"} if htmx else {})
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            continue
        html = response.content.decode()
        pages[url] = html
        checker = check_page(html)
        queue.extend((urljoin(url, link.split("#")[0]), False) for link in checker.links)
        queue.extend((urljoin(url, link), True) for link in checker.fragments)
    return pages


def _triage_run(client: Client) -> str | None:
    """Run one triage as a doctor, through the form, so that a result page exists."""
    from handbook.models import Pathway

    pathway = Pathway.objects.filter(current_version__isnull=False).select_related("topic").first()
    if pathway is None:
        return None
    version = pathway.current_version
    answers = {}
    for question in version.document["questions"]:
        if question["kind"] == "yes_no":
            answers[f"q_{question['key']}"] = "no"
        elif question["kind"] == "choice":
            answers[f"q_{question['key']}"] = question["choices"][0]["value"]
        elif question.get("required"):
            answers[f"q_{question['key']}"] = str(question.get("min_value") or 1)
    response = client.post(
        f"/handbook/topics/{pathway.topic.slug}/triage/", {**answers, "age_value": 24, "age_unit": "months"}
    )
    return response.get("Location") if response.status_code == 302 else None


def test_no_payload_in_peoples_text_survives_on_any_page(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=io.StringIO())
    fields = prose_fields()
    found = {(model._meta.label, field.name) for model, model_fields in fields.items() for field in model_fields}
    # The fields of the issue, as a check that the search finds them.
    assert {
        ("handbook.Section", "body_zh"),
        ("handbook.PathwayVersion", "document"),
        ("training.Lesson", "reading_markdown_zh"),
        ("training.Question", "text_zh"),
        ("training.Choice", "text_zh"),
        ("consultations.Message", "body"),
        ("consultations.Consultation", "question"),
        ("referrals.Referral", "clinical_summary"),
        ("patients.Patient", "name"),
    } <= found

    clients = {}
    for username in DEMO_PEOPLE:
        clients[username] = Client()
        clients[username].force_login(User.objects.get(username=username))
    run_url = _triage_run(clients["dr.yangpu"])
    starts = {username: ["/"] for username in DEMO_PEOPLE}
    starts["dr.yangpu"] += ["/handbook/search/?q=PWN~", "/handbook/triage/", *([run_url] if run_url else [])]
    starts["editor"] += ["/handbook/editor/usage/", "/handbook/pathways/"]

    poison(fields)
    problems: dict[str, set[str]] = defaultdict(set)
    reached = 0
    for username, client in clients.items():
        for url, html in crawl(client, starts[username]).items():
            checker = check_page(html)
            reached += MARK in "".join(checker.text)
            for problem in checker.problems:
                problems[problem].add(f"{username} {url}")

    assert reached > 100, f"the payload reached only {reached} pages"
    print(f"{reached} pages with the payload checked")
    report = [f"{problem}  <- {sorted(where)[:3]}" for problem, where in sorted(problems.items())]
    assert not report, "\n".join(report[:40])
