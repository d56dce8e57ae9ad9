from __future__ import annotations

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the
# test itself (creating rows before driving the browser) are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM):
        pytest.fail(f"Browser tests need the system Chromium at {CHROMIUM} (Debian: apt-get install chromium).")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


_codes_used: dict[str, int] = {}


def demo_code(username: str) -> str:
    """The current two-factor code of a demo account (its fixed secret, as `demo_totp` prints).

    allauth refuses a code used once already; a journey that signs the same person in twice
    within 30 seconds gets the next code of the accepted window (MFA_TOTP_TOLERANCE = 1)."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time

    from cloudpeds.accounts.demo import DEMO_ACCOUNTS

    secret = next(account.totp_secret for account in DEMO_ACCOUNTS if account.username == username)
    counters = list(yield_hotp_counters_from_time())
    middle = len(counters) // 2
    # Then the next window's code (valid longest), then the previous one.
    order = [middle, *range(middle + 1, len(counters)), *range(middle)]
    used = _codes_used.get(username, 0)
    _codes_used[username] = used + 1
    return format_hotp_value(hotp_value(secret, counters[order[used % len(order)]]))


def pass_two_factor(page, username: str) -> None:
    """After the password: every demo account that sees patient data asks for its code."""
    page.wait_for_url("**/accounts/2fa/authenticate/")
    page.fill("input[name=code]", demo_code(username))
    page.press("input[name=code]", "Enter")
