"""cloudpeds/devdb.py: when the embedded development PostgreSQL is used, and that it comes
back up however the previous command ended."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import environ
import psutil
import psycopg
import pytest

from cloudpeds import devdb

ROOT = Path(__file__).resolve().parents[2]


def _without_database(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_DEBUG"}}
    return {**env, **extra}


@pytest.mark.parametrize(
    ("env", "embedded"),
    [
        ({}, True),
        ({"DATABASE_URL": ""}, True),
        ({"DJANGO_DEBUG": "true"}, True),
        ({"DATABASE_URL": "postgres://db.example/cloudpeds"}, False),
        # Production names its database; it never gets a development server by accident.
        ({"DJANGO_DEBUG": "false"}, False),
        ({"DJANGO_DEBUG": "0"}, False),
    ],
)
def test_the_embedded_server_is_wanted_only_in_development_without_a_database_url(env, embedded):
    assert devdb.wants_embedded(env) is embedded


def test_the_url_names_the_socket_folder_as_settings_read_it():
    config = environ.Env.db_url_config(devdb.database_url(Path("/home/a user/cloud peds/var/pgdata")))

    assert (config["ENGINE"], config["NAME"], config["USER"]) == (
        "django.db.backends.postgresql",
        "postgres",
        "postgres",
    )
    assert config["OPTIONS"] == {"host": "/home/a user/cloud peds/var/pgdata"}


def test_a_configured_database_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(devdb, "start", pytest.fail)
    env = {"DATABASE_URL": "postgres://db.example/cloudpeds"}

    assert devdb.ensure_database_url(env, tmp_path) is None

    assert env == {"DATABASE_URL": "postgres://db.example/cloudpeds"}
    assert not (tmp_path / "var").exists()


def test_a_database_url_in_dotenv_counts(tmp_path, monkeypatch):
    monkeypatch.setattr(devdb, "start", pytest.fail)
    (tmp_path / ".env").write_text("DATABASE_URL=postgres://db.example/from-dotenv\n")
    env: dict[str, str] = {}

    assert devdb.ensure_database_url(env, tmp_path) is None

    assert env["DATABASE_URL"] == "postgres://db.example/from-dotenv"


def test_without_one_the_embedded_server_under_var_is_used(tmp_path, monkeypatch):
    started = []
    monkeypatch.setattr(devdb, "start", lambda pgdata, announce=None: started.append(pgdata) or "postgres://embedded")
    env: dict[str, str] = {}

    assert devdb.ensure_database_url(env, tmp_path) == "postgres://embedded"

    assert started == [tmp_path / "var" / "pgdata"]
    assert env["DATABASE_URL"] == "postgres://embedded"


def test_a_stale_postmaster_pid_is_not_a_running_server(tmp_path):
    pgdata = tmp_path / "pgdata"
    pgdata.mkdir()
    assert devdb.running_postmaster(pgdata) is None

    (pgdata / "postmaster.pid").write_text("")
    assert devdb.running_postmaster(pgdata) is None

    # After a reboot the pid may belong to another program: here, this test's own process.
    (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n1700000000\n5432\n{pgdata}\n\n  1 2\nready\n")
    assert devdb.running_postmaster(pgdata) is None


def test_settings_never_start_a_server():
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=_without_database(DJANGO_SETTINGS_MODULE="cloudpeds.settings"),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode != 0
    assert "DATABASE_URL is not set" in result.stderr


def test_exec_passes_a_configured_database_url_through_to_the_command():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "cloudpeds.devdb",
            "exec",
            sys.executable,
            "-c",
            "import os; print(os.environ['DATABASE_URL'])",
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "postgres://db.example/cloudpeds"},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "postgres://db.example/cloudpeds"


def _wait_until_dead(pid: int) -> None:
    """Until the signal has taken effect: a zombie (not yet reaped) or gone."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)
    raise AssertionError(f"{pid} outlived kill -9")


def _select_one(url: str) -> int:
    config = environ.Env.db_url_config(url)
    with psycopg.connect(dbname=config["NAME"], user=config["USER"], connect_timeout=10, **config["OPTIONS"]) as conn:
        return conn.execute("SELECT 1").fetchone()[0]


@pytest.fixture
def project_dir() -> Iterator[Path]:
    """A folder outside pytest's own temporary root: running as root, the server runs as the
    `pgserver` user, and every pytest session that starts resets that root to owner-only."""
    folder = Path(tempfile.mkdtemp(prefix="cloudpeds-devdb-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_the_server_comes_back_after_its_command_and_the_server_were_killed(project_dir):
    """A real embedded server in a folder of this test (about 10 s, more on a busy machine)."""
    tmp_path = project_dir
    pgdata = tmp_path / "var" / "pgdata"
    # What a first start killed during initdb leaves: a scratch folder and a half-made pgdata.
    (tmp_path / "var" / ".pgdata-init-killed").mkdir(parents=True)
    pgdata.mkdir()
    (pgdata / "base").mkdir()
    said: list[str] = []
    try:
        url = devdb.start(pgdata, announce=said.append)
        assert _select_one(url) == 1
        assert said == [f"Created and started the embedded PostgreSQL 16 under {pgdata}."]
        assert not list((tmp_path / "var").glob(".pgdata-init-*"))

        # Reused as it is: nothing said, the same server.
        first = devdb.running_postmaster(pgdata)
        assert devdb.start(pgdata, announce=said.append) == url
        assert len(said) == 1

        # Still starting when the next command comes (its command was stopped just after it
        # started it): waited for, not taken for ready nor started twice.
        pid_file = pgdata / "postmaster.pid"
        ready = pid_file.read_text()
        pid_file.write_text(ready.replace("ready", "starting"))
        threading.Timer(1.5, pid_file.write_text, [ready]).start()
        assert devdb.start(pgdata) == url
        assert devdb.running_postmaster(pgdata) == first

        # kill -9 of the server itself (an OOM kill, a crash): its postmaster.pid stays behind,
        # its pid is a zombie for a moment, its workers live on for a moment. Started at once.
        os.kill(first.pid, signal.SIGKILL)
        _wait_until_dead(first.pid)
        assert (pgdata / "postmaster.pid").exists()
        assert _select_one(devdb.start(pgdata, announce=said.append)) == 1
        assert said[-1] == f"Started the embedded PostgreSQL 16 under {pgdata}."

        # After a reboot: a stale postmaster.pid whose pid now belongs to another program.
        assert devdb.stop(pgdata)
        (pgdata / "postmaster.pid").write_text(f"{os.getpid()}\n{pgdata}\n1700000000\n5432\n{pgdata}\n\n  1 2\nready\n")
        assert _select_one(devdb.start(pgdata)) == 1
    finally:
        devdb.stop(pgdata)
    deadline = time.monotonic() + 30
    while devdb.running_postmaster(pgdata) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert devdb.running_postmaster(pgdata) is None
    assert not devdb.stop(pgdata)


def test_two_commands_starting_at_once_share_one_new_server(project_dir):
    """`make run` and `make test` typed at once in a fresh clone: one initdb, one server."""
    pgdata = project_dir / "var" / "pgdata"
    script = f"from pathlib import Path; from cloudpeds import devdb; print(devdb.start(Path({str(pgdata)!r})))"
    commands = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    try:
        urls = {command.communicate(timeout=300)[0].strip() for command in commands}
        assert [command.returncode for command in commands] == [0, 0]
        assert urls == {devdb.database_url(pgdata)}
        assert _select_one(urls.pop()) == 1
        assert not list((project_dir / "var").glob(".pgdata-init-*"))
    finally:
        devdb.stop(pgdata)
