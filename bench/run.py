"""Benchmark the portal's pages under production settings.

    make bench                                  # migrate, seed_demo, then this script
    .venv/bin/python bench/run.py --duration 3s

Starts gunicorn with production settings (DJANGO_DEBUG=false) on a free port of 127.0.0.1,
signs the demo accounts in by writing their sessions straight into the session store (no
login form, so no CSRF token or two-factor code), drives each page with wrk at a fixed
concurrency and prints requests/s and latency percentiles. /ping, a constant response
through the whole middleware stack, is measured first in the same server: each page's
requests/s is also given as a ratio to it, which says how much the page's own work costs
on this machine, whatever the machine.

Each page has the goal of issue 17 (requests/s as a share of /ping, and a p99 latency):
the table says whether it was met, in the same run. Measure at scale (`make seed-scale`
first, which takes long) for numbers that mean anything; on the demo data alone every page
is small. A run takes about (pages x (duration + 2 s)) plus collectstatic: ~5 minutes with
the default 10 s per page.

The database is DATABASE_URL's, or the embedded development PostgreSQL (var/pgdata) when it
is unset, as for every other command. Exits 1 when a page answered anything but 200 or
missed its goal (`--no-goals`: only the former).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "report.lua"
LOG_DIR = ROOT / "var" / "bench"


@dataclass(frozen=True)
class Goal:
    """What a page must reach (issue 17), measured side by side with /ping in one run."""

    # Requests/s at least this share of /ping's.
    min_ratio: float
    # 99th-percentile latency at most this, at the bench's concurrency (16 connections).
    max_p99_ms: float | None = 100.0

    def __str__(self) -> str:
        p99 = f", p99 <= {self.max_p99_ms:.0f}" if self.max_p99_ms is not None else ""
        return f">= {self.min_ratio:.2f}{p99}"


# Every main page: 15 % of /ping and p99 <= 100 ms; metrics pages 10 %; a signed-in empty
# page 40 %.
MAIN = Goal(0.15)
METRICS = Goal(0.10)
EMPTY = Goal(0.40)


@dataclass(frozen=True)
class Page:
    name: str
    # A path, possibly with {placeholders} (see PLACEHOLDERS), or a callable that takes the
    # page's user (None when anonymous) and returns the path.
    path: str | Callable[[Any], str]
    # The demo account (seed_demo) the page is requested as; None for anonymous.
    username: str | None = None
    # None: measured and shown, no goal (the baseline, the health check).
    goal: Goal | None = None


# --- The pages ------------------------------------------------------------------------------
# Feature issues add their pages here. BASELINE is always measured first.

BASELINE_PATH = "/ping"
BASELINE = Page("ping", BASELINE_PATH)

PAGES: list[Page] = [
    BASELINE,
    # The whole cost of being signed in (session, user, roles) on a constant response.
    Page("ping: signed in", BASELINE_PATH, "dr.yangpu", EMPTY),
    Page("home: grassroots doctor", "/", "dr.yangpu", MAIN),
    Page("home: specialist", "/", "spec.resp", MAIN),
    Page("home: training manager", "/", "trainer", MAIN),
    Page("home: handbook editor", "/", "editor", MAIN),
    # Administrators must have two-factor enrolled to pass RequireTwoFactorMiddleware; the
    # demo administrators have (seed_demo), and the middleware asks nothing of the session.
    Page("home: transfer admin", "/", "admin.xinhua", MAIN),
    Page("home: group admin", "/", "director", MAIN),
    Page("healthz", "/healthz"),
    # Referrals: the transfer administrator's queue (and the beds beside it), one referral page.
    Page("referrals: transfer admin queue", "/referrals/queue/", "admin.xinhua", MAIN),
    Page(
        "referrals: referral page",
        lambda user: __import__("referrals.demo.bench", fromlist=["referral_path"]).referral_path(user),
        "admin.xinhua",
        MAIN,
    ),
    Page("referrals: metrics", "/referrals/metrics/", "director", METRICS),
    # Training (courses): the learner's page, a course page, the managers' progress report.
    Page("training: my courses", "/training/", "dr.yangpu", MAIN),
    Page("training: course page", "/training/courses/fever-under-5/", "dr.yangpu", MAIN),
    Page("training: progress report", "/training/manage/fever-under-5/progress/", "trainer", MAIN),
    # Training (exams and certificates): the exam on the course page, an attempt under way
    # (the demo's, or its result once its time is up), the learner's certificates.
    Page("training: exam panel", "/training/courses/fever-under-5/exam-panel/", "spec.resp", MAIN),
    Page(
        "training: exam attempt",
        lambda user: __import__("training.bench", fromlist=["attempt_path"]).attempt_path(user),
        "spec.neuro",
        MAIN,
    ),
    Page("training: my certificates", "/training/certificates/", "spec.resp", MAIN),
    # Consultations: the specialist's queue, a case page (the newest open case they see), the metrics.
    Page("consultations: specialist queue", "/consultations/queue/", "spec.resp", MAIN),
    Page(
        "consultations: consultation page",
        lambda user: __import__("consultations.bench", fromlist=["consultation_path"]).consultation_path(user),
        "spec.resp",
        MAIN,
    ),
    Page("consultations: metrics", "/consultations/metrics/", "spec.resp", METRICS),
    # Outcomes: a district hospital's month, for the group administrator and for the
    # hospital's own leadership (its transfer administrator); read from the daily roll-ups.
    Page("outcomes: hospital month (group admin)", "/outcomes/yangpu/", "director", METRICS),
    Page("outcomes: hospital month (leadership)", "/outcomes/yangpu/", "admin.yangpu", METRICS),
    # Patients: the hospital's list and a child's page (its whole timeline).
    Page("patients: patient list", "/patients/", "dr.yangpu", MAIN),
    Page(
        "patients: patient page",
        lambda user: __import__("cloudpeds.patients.bench", fromlist=["patient_path"]).patient_path(user),
        "dr.yangpu",
        MAIN,
    ),
    # Handbook: a topic page (cough, from handbook/demo/content/) and a search in Chinese (q=咳嗽, encoded).
    Page("handbook: topic page", "/handbook/topics/cough-or-difficult-breathing/", "dr.yangpu", MAIN),
    Page("handbook: search", "/handbook/search/?q=%E5%92%B3%E5%97%BD", "dr.yangpu", MAIN),
]


def visible_pk(model: str) -> Callable[[Any], int]:
    """A placeholder that picks the newest object of `model` ("app_label.Model") the page's
    user may see, through the model's own `visible_to` access QuerySet."""

    def resolve(user: Any) -> int:
        from django.apps import apps

        pk = apps.get_model(model).objects.visible_to(user).order_by("-pk").values_list("pk", flat=True).first()
        if pk is None:
            raise BenchError(f"{user} can see no {model}: run `manage.py seed_demo` (or seed_scale) first")
        return pk

    return resolve


# {name} in a page's path is replaced by PLACEHOLDERS[name](user), e.g.
#   "consultation_id": visible_pk("consultations.Consultation"),
# with Page("consultation detail", "/consultations/{consultation_id}/", "spec.resp").
PLACEHOLDERS: dict[str, Callable[[Any], object]] = {}


# --- Running ------------------------------------------------------------------------------


class BenchError(Exception):
    """Something the person running the bench must fix; printed without a traceback."""


@dataclass
class Result:
    page: Page
    path: str
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_200: int
    socket_errors: int

    # Set once /ping is measured: this page's requests/s over /ping's.
    ratio: float = 0.0

    @property
    def failed(self) -> bool:
        return self.non_200 > 0 or self.socket_errors > 0

    @property
    def missed_goal(self) -> bool:
        goal = self.page.goal
        if goal is None:
            return False
        return self.ratio < goal.min_ratio or (goal.max_p99_ms is not None and self.p99_ms > goal.max_p99_ms)


def resolve_path(page: Page, user: Any) -> str:
    if callable(page.path):
        return page.path(user)
    names = {name for _, name, _, _ in string.Formatter().parse(page.path) if name}
    unknown = names - PLACEHOLDERS.keys()
    if unknown:
        raise BenchError(f"page {page.name!r}: no placeholder named {', '.join(sorted(unknown))} in PLACEHOLDERS")
    return page.path.format(**{name: PLACEHOLDERS[name](user) for name in names})


def _server_env() -> dict[str, str]:
    """Production settings for gunicorn, collectstatic and this process alike.

    DATABASE_URL, REDIS_URL and the rest are inherited; the SSL redirect is off because wrk
    speaks plain http to gunicorn, and requests carry X-Forwarded-Proto as a proxy would add.
    """
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="cloudpeds.settings",
        DJANGO_DEBUG="false",
        SECRET_KEY="bench-only",  # noqa: S106 - a throwaway key for a local benchmark
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="false",
    )
    return env


def _describe_url(url: str) -> str:
    """The URL without its credentials, fit to print."""
    parts = urlsplit(url)
    host = parts.hostname or "local socket"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _describe_backends(env: dict[str, str]) -> str:
    database = env.get("DATABASE_URL", "")
    redis = env.get("REDIS_URL", "")
    return (
        f"database: {_describe_url(database) if database else 'embedded PostgreSQL (var/pgdata)'}; "
        f"redis: {_describe_url(redis) if redis else 'none (local-memory cache)'}"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _venv_tool(name: str) -> str:
    """A console script of the virtualenv this script runs in (.venv/bin/gunicorn)."""
    candidate = Path(sys.executable).parent / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if not found:
        raise BenchError(f"{name} not found next to {sys.executable} nor on PATH: run `make install`")
    return found


def _collectstatic(env: dict[str, str]) -> None:
    # Production serves static files from the manifest storage: without collectstatic every
    # page that links a stylesheet would fail with a 500.
    completed = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-15:])
        raise BenchError(f"collectstatic failed under production settings:\n{tail}")


def _setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _sign_in(usernames: set[str], count: int) -> dict[str, list[str]]:
    """Create `count` sessions for each user, as the login view would, and return the cookies.

    Several sessions per account, not one, as many people (each with their own session)
    would: a session is renewed (saved) every SESSION_RENEW_SECONDS, and one shared
    session row would put a row lock in the way that no real group of users ever creates.
    """
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    store = import_module(settings.SESSION_ENGINE).SessionStore
    users = {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}
    missing = usernames - users.keys()
    if missing:
        raise BenchError(f"no such account: {', '.join(sorted(missing))}; run `manage.py seed_demo` first")
    cookies: dict[str, list[str]] = {}
    for username, user in users.items():
        cookies[username] = []
        for _ in range(count):
            session = store()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            cookies[username].append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
    return cookies


def _sign_out(cookies: dict[str, list[str]]) -> None:
    from importlib import import_module

    from django.conf import settings

    store = import_module(settings.SESSION_ENGINE).SessionStore
    for values in cookies.values():
        for cookie in values:
            store(cookie.split("=", 1)[1]).delete()


def _control_socket_options(log_dir: Path) -> list[str]:
    """gunicorn 25.1+ opens a control socket, by default one per user (~/.gunicorn): give the
    bench its own, so that it neither takes over nor removes that of another gunicorn."""
    from gunicorn.config import KNOWN_SETTINGS

    if any(setting.name == "control_socket" for setting in KNOWN_SETTINGS):
        return ["--control-socket", str(log_dir / "gunicorn.ctl")]
    return []


def _start_gunicorn(env: dict[str, str], port: int, workers: int, log_path: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        # A session of its own: the terminal's Ctrl-C reaches only this script, which then
        # stops the whole gunicorn process group, workers included.
        return subprocess.Popen(  # noqa: S603 - our own virtualenv's gunicorn, fixed arguments
            [
                _venv_tool("gunicorn"),
                "cloudpeds.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--graceful-timeout",
                "5",
                *_control_socket_options(log_path.parent),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop_gunicorn(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def _get(port: int, path: str, cookie: str | None = None) -> tuple[int, str]:
    """One request as wrk will send it; returns the status and where a redirect points."""
    headers = {"X-Forwarded-Proto": "https"}
    if cookie:
        headers["Cookie"] = cookie
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Location", "")
    finally:
        connection.close()


def _wait_until_ready(server: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode}:\n{_tail(log_path)}")
        try:
            if _get(port, BASELINE_PATH)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer {BASELINE_PATH} within {timeout:.0f}s:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


_BENCH_LINE = re.compile(r"^BENCH (.*)$", re.MULTILINE)


def _run_wrk(wrk: str, args: argparse.Namespace, page: Page, url: str, cookies: list[str]) -> Result:
    command = [
        wrk,
        "--threads",
        str(args.threads),
        "--connections",
        str(args.connections),
        "--duration",
        args.duration,
        "--timeout",
        "10s",
        "--script",
        str(LUA_SCRIPT),
        "--header",
        "X-Forwarded-Proto: https",
        url,
        "--",
        *cookies,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - wrk from PATH
    match = _BENCH_LINE.search(completed.stdout)
    if completed.returncode != 0 or not match:
        raise BenchError(f"wrk failed on {page.name} ({url}):\n{completed.stdout}{completed.stderr}")
    values = dict(item.split("=", 1) for item in match.group(1).split())
    return Result(
        page=page,
        path=urlsplit(url).path,
        rps=float(values["rps"]),
        p50_ms=float(values["p50_ms"]),
        p95_ms=float(values["p95_ms"]),
        p99_ms=float(values["p99_ms"]),
        non_200=int(values["non200"]),
        socket_errors=int(values["socket_errors"]),
    )


def _print_table(results: list[Result]) -> None:
    baseline = results[0].rps
    for result in results:
        result.ratio = result.rps / baseline if baseline else 0.0
    name_width = max(len("page"), *(len(result.page.name) for result in results))
    user_width = max(len("user"), *(len(result.page.username or "-") for result in results))
    goal_width = max(len("goal"), *(len(str(result.page.goal or "-")) for result in results))
    header = (
        f"{'page':<{name_width}}  {'user':<{user_width}}  {'req/s':>8}  {'p50 ms':>7}  {'p95 ms':>7}  "
        f"{'p99 ms':>7}  {'non-200':>7}  {'vs /ping':>8}  {'goal':<{goal_width}}  met"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        flag = "  <- not all 200" if result.failed else ""
        met = "-" if result.page.goal is None else ("no" if result.missed_goal else "yes")
        print(
            f"{result.page.name:<{name_width}}  {result.page.username or '-':<{user_width}}  {result.rps:>8.1f}  "
            f"{result.p50_ms:>7.1f}  {result.p95_ms:>7.1f}  {result.p99_ms:>7.1f}  "
            f"{result.non_200 + result.socket_errors:>7}  {result.ratio:>8.2f}  "
            f"{result.page.goal or '-'!s:<{goal_width}}  {met}{flag}"
        )


def _default_workers() -> int:
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return 2 * cores + 1


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Benchmark the portal's pages with wrk against gunicorn in production mode.",
        epilog="Run `manage.py migrate` and `manage.py seed_demo` first (`make bench` does).",
    )
    parser.add_argument("--connections", type=int, default=16, help="open HTTP connections (default 16)")
    parser.add_argument("--duration", default="10s", help="wrk duration per page, e.g. 3s, 1m (default 10s)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--workers", type=int, default=_default_workers(), help="gunicorn workers (default 2 x cores + 1)"
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this (and /ping)")
    parser.add_argument(
        "--no-goals", action="store_true", help="exit 0 even when a page misses its goal (still shown in the table)"
    )
    args = parser.parse_args(argv)
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads")
    return args


def run(args: argparse.Namespace) -> int:
    wrk = shutil.which("wrk")
    if not wrk:
        raise BenchError("wrk is not installed: apt-get install wrk")
    pages = [BASELINE] + [page for page in PAGES if page is not BASELINE and args.only in page.name]
    env = _server_env()
    port = args.port or _free_port()
    log_path = LOG_DIR / "gunicorn.log"
    print(
        f"{_describe_backends(env)}\ngunicorn: {args.workers} workers on 127.0.0.1:{port}; "
        f"wrk: {args.connections} connections, {args.threads} threads, {args.duration} per page",
        flush=True,
    )

    _collectstatic(env)
    _setup_django(env)
    from django.contrib.auth import get_user_model
    from django.db import connections

    usernames = {page.username for page in pages if page.username}
    cookies = _sign_in(usernames, args.connections)
    server: subprocess.Popen[bytes] | None = None
    try:
        users = {user.username: user for user in get_user_model().objects.filter(username__in=usernames)}
        paths = [resolve_path(page, users.get(page.username or "")) for page in pages]
        # Hold no connection while the server is measured.
        connections.close_all()

        server = _start_gunicorn(env, port, args.workers, log_path)
        _wait_until_ready(server, port, log_path)
        results: list[Result] = []
        for page, path in zip(pages, paths, strict=True):
            page_cookies = cookies.get(page.username or "", [])
            status, location = _get(port, path, page_cookies[0] if page_cookies else None)
            if status != 200:
                print(f"warning: {page.name} ({path}) answered {status} {location}".rstrip(), flush=True)
            results.append(_run_wrk(wrk, args, page, f"http://127.0.0.1:{port}{path}", page_cookies))
            print(f"  measured {page.name}", flush=True)
    finally:
        if server is not None:
            _stop_gunicorn(server)
        _sign_out(cookies)
        connections.close_all()

    print()
    _print_table(results)
    failed = [result for result in results if result.failed]
    for result in failed:
        print(
            f"FLAGGED: {result.page.name} ({result.path}) had {result.non_200} responses other than 200 "
            f"and {result.socket_errors} socket errors; see {log_path}",
            file=sys.stderr,
        )
    missed = [] if args.no_goals else [result for result in results if result.missed_goal]
    for result in missed:
        goal = result.page.goal
        print(
            f"MISSED: {result.page.name}: {result.ratio:.2f} of /ping (goal {goal.min_ratio:.2f}), "
            f"p99 {result.p99_ms:.1f} ms (goal {goal.max_p99_ms if goal.max_p99_ms is not None else '-'} ms)",
            file=sys.stderr,
        )
    return 1 if failed or missed else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # `kill` (SIGTERM) unwinds like Ctrl-C, so gunicorn is stopped and the sessions removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    try:
        return run(args)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
