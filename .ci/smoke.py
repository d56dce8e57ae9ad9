#!/usr/bin/env python3
"""The newcomer's path, end to end: what README's two commands do on a fresh machine.

A fresh clone of the current commit into a temporary folder, with DATABASE_URL, REDIS_URL
and the rest of a developer's settings unset and no var/. Then, as a newcomer would:

1. `make run` in the background until the sign-in page answers (the time is printed: from
   the command to the first page, installs, initdb, migrations and the demo included);
2. sign in as dr.yangpu through the form (CSRF cookie and token) and get the home page in
   Chinese;
3. stop it as a supervisor does: TERM to its process group, KILL if anything lingers;
4. `make run` again, sign in again, stop it again;
5. `make test` in the same clone, on the embedded PostgreSQL.

Any failure ends the run with a non-zero status and says which step failed. Only the Python
standard library is used: this runs before any virtualenv exists. `make smoke` runs it; CI
(.ci/run) runs it on every submission. It tests the commit, not uncommitted changes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERNAME = "dr.yangpu"
PASSWORD = "cloudpeds-demo"  # noqa: S105 - the documented demo password
# A developer's settings that a newcomer does not have.
UNSET = {
    "DATABASE_URL",
    "REDIS_URL",
    "TEST_DATABASE_NAME",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_DEBUG",
    "VIRTUAL_ENV",
    "PYTHONPATH",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
}
# The lines make prints as it starts each step of `make run` after the install.
PHASES = ("manage.py migrate", "manage.py seed_demo", "Serving on http")
# What the seed must not print on a fresh machine: it reads like a failure to a newcomer.
ALARMING = re.compile(r"Traceback|skipped|not installed|no video", re.IGNORECASE)


class SmokeError(Exception):
    pass


def say(message: str) -> None:
    print(f"smoke: {message}", flush=True)


def _git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def _clone(folder: Path) -> tuple[Path, str]:
    commit = _git("rev-parse", "HEAD")
    if _git("status", "--porcelain", "--untracked-files=no"):
        say("the working tree has uncommitted changes: they are not part of this run")
    clone = folder / "cloudpeds"
    _git("clone", "--quiet", str(ROOT), str(clone), cwd=folder)
    _git("checkout", "--quiet", "--detach", commit, cwd=clone)
    if (clone / "var").exists() or (clone / ".venv").exists():
        raise SmokeError("the fresh clone already has var/ or .venv/")
    return clone, commit


def _newcomer_environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in UNSET}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def demo_totp(clone: Path, username: str, at: float | None = None) -> str:
    """The current TOTP code of a demo account (RFC 6238: SHA-1, 30 s, 6 digits), from the
    fixed secret in the clone's cloudpeds/accounts/demo.py; the smoke runs without the
    virtualenv's packages, so it computes the code with the standard library."""
    source = (clone / "cloudpeds" / "accounts" / "demo.py").read_text()
    match = re.search(rf'"{re.escape(username)}",.*?totp_secret="([A-Z2-7]+)"', source, re.S)
    if not match:
        raise SmokeError(f"no TOTP secret for {username} in cloudpeds/accounts/demo.py")
    key = base64.b32decode(match.group(1))
    digest = hmac.new(key, struct.pack(">Q", int((time.time() if at is None else at) // 30)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


_USED_CODES: set[tuple[str, str]] = set()


def fresh_totp(clone: Path, username: str) -> str:
    """A code this smoke has not sent yet: the portal refuses a code it has accepted (allauth
    marks it used for the whole tolerance window, in a cache that outlives the server), and the
    second `make run` often signs in within the same 30 s step, so it waits for the next one."""
    code = demo_totp(clone, username)
    while (username, code) in _USED_CODES:
        time.sleep(30 - time.time() % 30 + 0.5)
        code = demo_totp(clone, username)
    _USED_CODES.add((username, code))
    return code


class _Form(HTMLParser):
    """The fields of the sign-in form: the CSRF token and any hidden field it carries."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "input" and attributes.get("name"):
            self.fields[attributes["name"] or ""] = attributes.get("value") or ""


class Portal:
    """One browser: a cookie jar against the portal on loopback."""

    def __init__(self, port: int, clone: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.clone = clone
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def get(self, path: str, timeout: float = 30) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=timeout) as response:
            return response.status, response.geturl(), response.read().decode()

    def sign_in(self, username: str, password: str) -> None:
        status, _url, page = self.get("/accounts/login/")
        form = _Form()
        form.feed(page)
        if status != 200 or "csrfmiddlewaretoken" not in form.fields:
            raise SmokeError(f"the sign-in page has no CSRF token (status {status})")
        if not any(cookie.name == "csrftoken" for cookie in self.cookies):
            raise SmokeError("the sign-in page set no CSRF cookie")
        fields = {**form.fields, "login": username, "password": password}
        request = urllib.request.Request(  # noqa: S310 - http on loopback, a URL we built
            self.base + "/accounts/login/",
            data=urllib.parse.urlencode(fields).encode(),
            headers={"Referer": self.base + "/accounts/login/"},
        )
        # The redirect after a successful POST is followed to the home page, or first to the
        # two-factor step (every account that sees patient data has it: issue 15).
        with self.opener.open(request, timeout=60) as response:
            landed, page = urllib.parse.urlsplit(response.geturl()).path, response.read().decode()
        if landed == "/accounts/2fa/authenticate/":
            landed, page = self.post_form(landed, page, {"code": fresh_totp(self.clone, username)})
        if landed != "/":
            raise SmokeError(f"signing in as {username} ended on {landed}, not the home page")
        missing = [marker for marker in ('<html lang="zh-CN"', "欢迎", "退出登录") if marker not in page]
        if missing:
            raise SmokeError(f"the home page is not the signed-in page in Chinese: missing {missing}")
        if not any(cookie.name == "sessionid" for cookie in self.cookies):
            raise SmokeError("signing in set no session cookie")

    def post_form(self, path: str, page: str, values: dict[str, str]) -> tuple[str, str]:
        form = _Form()
        form.feed(page)
        request = urllib.request.Request(  # noqa: S310 - http on loopback, a URL we built
            self.base + path,
            data=urllib.parse.urlencode({**form.fields, **values}).encode(),
            headers={"Referer": self.base + path},
        )
        with self.opener.open(request, timeout=60) as response:
            return urllib.parse.urlsplit(response.geturl()).path, response.read().decode()


class Server:
    """`make run` in a process group of its own, as a terminal or a supervisor starts it."""

    def __init__(self, clone: Path, env: dict[str, str], port: int, log_path: Path) -> None:
        self.clone, self.env, self.port, self.log_path = clone, env, port, log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.offset = 0

    def start(self) -> None:
        # Where this run's lines begin in the shared log, taken before make can write any.
        self.offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                ["make", "run", f"PORT={self.port}"],  # make from PATH, as a newcomer types it
                cwd=self.clone,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    def wait_for_sign_in_page(self, timeout: float) -> tuple[float, str]:
        """Seconds from `make run` to the first sign-in page, and where they went."""
        started = time.monotonic()
        seen: dict[str, float] = {}
        portal = Portal(self.port, self.clone)
        while time.monotonic() - started < timeout:
            if self.process is not None and self.process.poll() is not None:
                raise SmokeError(f"`make run` exited with status {self.process.returncode}:\n{self.log_tail()}")
            self._note_phases(self.offset, seen, time.monotonic() - started)
            try:
                status, _url, page = portal.get("/accounts/login/", timeout=10)
                if status == 200 and "csrfmiddlewaretoken" in page:
                    total = time.monotonic() - started
                    return total, _phases(seen, total)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise SmokeError(f"no sign-in page after {timeout:.0f} s:\n{self.log_tail()}")

    def _note_phases(self, offset: int, seen: dict[str, float], elapsed: float) -> None:
        with self.log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
        for marker in PHASES:
            if marker in text and marker not in seen:
                seen[marker] = elapsed

    def stop(self, grace: float = 20) -> str:
        """TERM to the whole process group, then KILL what is left; says which was needed."""
        if self.process is None:
            raise SmokeError("stop() before start()")
        group = self.process.pid
        os.killpg(group, signal.SIGTERM)
        how = "TERM"
        if not self._group_gone(group, grace):
            os.killpg(group, signal.SIGKILL)
            how = "TERM, then KILL (it lingered)"
            if not self._group_gone(group, 10):
                raise SmokeError("processes of `make run` survived KILL")
        _wait_port_closed(self.port)
        return how

    def _group_gone(self, group: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None:
                self.process.poll()  # reap make: until then its zombie keeps the group alive
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.2)
        return False

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _phases(seen: dict[str, float], total: float) -> str:
    """'install 10 s, migrate 30 s, ...' from when each step's command line appeared (±0.5 s)."""
    names = ["install", "migrate", "demo data", "server start"]
    marks = [0.0, *(seen.get(marker, float("nan")) for marker in PHASES), total]
    return ", ".join(f"{name} {end - begin:.0f} s" for name, begin, end in zip(names, marks, marks[1:], strict=False))


def _wait_port_closed(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.2)
    raise SmokeError(f"port {port} still answers after `make run` was stopped")


def _check_seed_output(log: str) -> None:
    if "Demo data ready." not in log:
        raise SmokeError("the demo seed did not finish (no 'Demo data ready.')")
    if USERNAME not in log:
        raise SmokeError(f"`make run` did not print the demo accounts ({USERNAME})")
    alarming = [line.strip() for line in log.splitlines() if ALARMING.search(line)]
    if alarming:
        raise SmokeError("`make run` printed what reads like a failure:\n" + "\n".join(alarming[:20]))


def run(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cloudpeds-smoke-"))
    clone: Path | None = None
    env = _newcomer_environment()
    passed = False
    try:
        clone, commit = _clone(folder)
        say(f"fresh clone of {commit[:12]} in {clone} (no DATABASE_URL, no REDIS_URL, no var/)")
        port = _free_port()
        server = Server(clone, env, port, folder / "make-run.log")
        timings = []
        for attempt in (1, 2):
            say(f"run {attempt}: `make run PORT={port}`")
            server.start()
            seconds, phases = server.wait_for_sign_in_page(args.timeout)
            timings.append(seconds)
            say(f"run {attempt}: sign-in page after {seconds:.1f} s from `make run` ({phases})")
            Portal(port, clone).sign_in(USERNAME, PASSWORD)
            say(f"run {attempt}: signed in as {USERNAME} through the form; home page in Chinese")
            if attempt == 1:
                _check_seed_output(server.log_path.read_text(errors="replace"))
            say(f"run {attempt}: stopped with {server.stop()} to its process group")
        if args.skip_tests:
            say("make test skipped (--skip-tests)")
        else:
            command = ["make", "test"]
            if args.pytest_args:
                command.append(f"PYTEST_ARGS={' '.join(args.pytest_args)}")
            say(f"`{' '.join(command)}` in the same clone" + ("" if args.pytest_args else " (the whole suite)"))
            started = time.monotonic()
            result = subprocess.run(command, cwd=clone, env=env, stdin=subprocess.DEVNULL, check=False)
            if result.returncode != 0:
                raise SmokeError(f"`make test` failed with status {result.returncode}")
            say(f"make test passed in {time.monotonic() - started:.0f} s on the embedded PostgreSQL")
        first, second = timings
        say(f"passed: first page {first:.1f} s after `make run` on the fresh clone, {second:.1f} s the second time")
        passed = True
    finally:
        if clone is not None and (clone / ".venv" / "bin" / "python").exists():
            # The embedded server outlives `make run` by design; this clone is going away.
            subprocess.run(
                [str(clone / ".venv" / "bin" / "python"), "-m", "cloudpeds.devdb", "stop"],
                cwd=clone,
                env=env,
                check=False,
                capture_output=True,
            )
        if passed and not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            say(f"kept {folder} (make-run.log is there)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=900, help="seconds to wait for each sign-in page")
    parser.add_argument("--skip-tests", action="store_true", help="stop after the two runs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone")
    parser.add_argument("pytest_args", nargs="*", help="what `make test` passes to pytest (default: the whole suite)")
    args = parser.parse_args()
    try:
        run(args)
    except (SmokeError, subprocess.CalledProcessError) as exc:
        print(f"smoke: FAILED: {exc}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
