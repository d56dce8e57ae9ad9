from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _directives(header: str) -> dict[str, list[str]]:
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_content_security_policy_is_enforced_and_strict(client, doctor):
    client.force_login(doctor)

    response = client.get("/")

    assert "Content-Security-Policy-Report-Only" not in response
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert not any("unsafe" in value for values in csp.values() for value in values)


def test_usual_security_headers(client, db):
    response = client.get("/accounts/login/")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_pages_have_no_inline_scripts(client, doctor):
    import re

    client.force_login(doctor)
    body = client.get("/").content.decode()

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", body, flags=re.S)
    assert scripts, "the page should load its scripts"
    for attributes, content in scripts:
        assert "src=" in attributes
        assert content.strip() == ""
    assert not re.search(r"\son[a-z]+=", body), "inline event handlers are blocked by the CSP"


def test_no_asset_comes_from_another_host(client, doctor):
    import re

    client.force_login(doctor)
    body = client.get("/").content.decode()

    assert not re.search(r"""(src|href)=["']https?://""", body)
