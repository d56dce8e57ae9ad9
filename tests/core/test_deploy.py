"""The deployment files: compose file, .env.example, the image's collectstatic step, the bench."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]

# env("NAME", ...), env.bool("NAME", ...), env.db("NAME") ... as read by django-environ.
_SETTING_VARIABLE = re.compile(r"""\benv(?:\.\w+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
_EXAMPLE_LINE = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=")


def _settings_variables() -> set[str]:
    return set(_SETTING_VARIABLE.findall((ROOT / "cloudpeds" / "settings.py").read_text()))


def _example_variables() -> dict[str, int]:
    """Variable name -> line index in .env.example, commented-out (`# NAME=default`) or not."""
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {match.group(1): index for index, line in enumerate(lines) if (match := _EXAMPLE_LINE.match(line))}


def _compose_command() -> list[str]:
    docker = shutil.which("docker")
    if not docker:
        pytest.skip("no docker client on PATH")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        pytest.skip(f"the docker client has no compose plugin: {(probe.stderr or probe.stdout).strip()}")
    return [docker, "compose"]


def test_compose_file_is_valid_without_an_env_file():
    command = _compose_command()
    # Values from the caller's shell would hide a missing default in the file.
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "DOCKER_CONFIG"}}

    result = subprocess.run(
        [*command, "-f", "docker-compose.yml", "config", "--quiet"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr


def test_env_example_lists_every_variable_settings_read():
    read = _settings_variables()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "S3_BUCKET"} <= read  # the regex still works

    missing = read - _example_variables().keys()

    assert not missing, f"add to .env.example: {', '.join(sorted(missing))}"


def test_env_example_explains_each_variable_on_the_line_above():
    lines = (ROOT / ".env.example").read_text().splitlines()

    unexplained = [
        name
        for name, index in _example_variables().items()
        if not lines[index - 1].startswith("# ") or _EXAMPLE_LINE.match(lines[index - 1])
    ]

    assert not unexplained, f"give these a comment line in .env.example: {', '.join(unexplained)}"


def test_env_example_has_the_compose_database_password():
    assert "POSTGRES_PASSWORD" in _example_variables()


def test_collectstatic_succeeds_in_production_mode(tmp_path):
    """The image's build step: the manifest storage fails on any file a CSS or JS file names
    that does not exist (a vendored file's source map, say)."""
    env = {
        **{key: value for key, value in os.environ.items() if key != "REDIS_URL"},
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": "collectstatic-only",
        "ALLOWED_HOSTS": "localhost",
        "DATABASE_URL": "postgres://build@db.invalid:5432/build",
        "STATIC_ROOT": str(tmp_path / "static"),
    }

    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "static" / "staticfiles.json").exists()


def test_bench_help_runs():
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--help"], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert "--duration" in result.stdout
    assert "--connections" in result.stdout


@pytest.fixture
def bench(monkeypatch) -> ModuleType:
    """bench/run.py as a module (it is a script, not a package); importing it starts nothing."""
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    # dataclasses look their module up in sys.modules while the class is being made.
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)
    return module


def test_bench_fills_path_placeholders_for_the_page_user(bench, monkeypatch):
    monkeypatch.setitem(bench.PLACEHOLDERS, "case_id", lambda user: f"{user}-7")
    page = bench.Page("case", "/consultations/{case_id}/", "spec.resp")

    assert bench.resolve_path(page, "spec") == "/consultations/spec-7/"


def test_bench_rejects_an_unknown_placeholder(bench):
    with pytest.raises(bench.BenchError, match="nowhere"):
        bench.resolve_path(bench.Page("broken", "/x/{nowhere}/"), None)


def test_bench_measures_the_baseline_first(bench):
    assert bench.PAGES[0] is bench.BASELINE
    assert bench.BASELINE.path == "/ping"
    assert bench.BASELINE.username is None


def _result(bench, page, rps: float, p99: float = 10.0):
    return bench.Result(page=page, path="/", rps=rps, p50_ms=1, p95_ms=p99, p99_ms=p99, non_200=0, socket_errors=0)


def test_bench_pages_carry_the_goals_of_issue_17(bench):
    goals = {page.name: page.goal for page in bench.PAGES}

    assert goals["ping"] is None
    assert goals["ping: signed in"].min_ratio == 0.40
    assert goals["consultations: metrics"].min_ratio == goals["referrals: metrics"].min_ratio == 0.10
    assert goals["patients: patient page"].min_ratio == 0.15
    assert goals["patients: patient page"].max_p99_ms == 100
    assert all(goal is not None for name, goal in goals.items() if name not in ("ping", "healthz"))


def test_the_bench_table_says_which_page_missed_its_goal(bench, capsys):
    results = [
        _result(bench, bench.BASELINE, 1000),
        _result(bench, bench.Page("fast", "/", "doc", bench.MAIN), 200, p99=50),
        _result(bench, bench.Page("slow", "/", "doc", bench.MAIN), 100, p99=50),  # 0.10 < 0.15
        _result(bench, bench.Page("jittery", "/", "doc", bench.MAIN), 500, p99=150),  # p99 too high
    ]

    bench._print_table(results)

    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines["fast"].rstrip().endswith("yes")
    assert lines["slow"].rstrip().endswith("no")
    assert lines["jittery"].rstrip().endswith("no")
    assert lines["ping"].rstrip().endswith("-")
    assert [result.page.name for result in results if result.missed_goal] == ["slow", "jittery"]
    assert "0.20" in lines["fast"]
