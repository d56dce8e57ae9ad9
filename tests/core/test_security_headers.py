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


def test_permissions_policy_turns_camera_microphone_and_geolocation_off(client, doctor):
    client.force_login(doctor)

    for response in (client.get("/"), client.get("/patients/"), client.get("/accounts/login/")):
        policy = dict(part.strip().split("=", 1) for part in response["Permissions-Policy"].split(","))
        assert policy["camera"] == "()"
        assert policy["microphone"] == "()"
        assert policy["geolocation"] == "()"


def test_no_page_asks_for_the_camera_or_the_microphone():
    """The policy can switch them off because nothing uses them: a photo is a file chosen in a
    form (on a phone that offers the camera app, which the policy does not govern)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    sources = [*(root / "templates").rglob("*.html"), *(root / "static" / "js").glob("*.js")]
    for source in sources:
        text = source.read_text()
        for api in ("getUserMedia", "navigator.geolocation", "mediaDevices"):
            assert api not in text, f"{source} uses {api}: give it an exception in PERMISSIONS_POLICY"


def test_the_csrf_cookie_is_out_of_reach_of_scripts_and_the_token_is_in_the_page(client, doctor):
    client.force_login(doctor)

    response = client.get("/")

    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    assert 'hx-headers=\'{"X-CSRFToken": "' in response.content.decode()
