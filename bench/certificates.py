"""Benchmark certificate PDFs per second through a real Celery worker.

    REDIS_URL=redis://127.0.0.1:6379/0 .venv/bin/python bench/certificates.py --count 50

Needs REDIS_URL (the broker and result backend) and the demo data (`manage.py seed_demo`):
the certificates are made for the demo fever course. The script starts a worker subprocess
on a queue of its own (so it never takes another worker's jobs), creates `--count`
throwaway learners with a certificate each, queues one `generate_pdf` task (cloudpeds.core) per
certificate and times them end to end, from the first task sent to the last result back.
It checks every certificate recorded its PDF, prints PDFs/s, the memory of each worker
process and the `weasyprint-*` folders left in the worker's temporary folder (its own,
var/bench/tmp-*), then removes its learners, certificates and files and stops the worker.

Goal (issue 17): at least 20 PDFs/s on 2 cores, and no folder left behind per PDF (at most
one per pool process while it runs, none once the worker has stopped).

The database is DATABASE_URL's, or the embedded development PostgreSQL, as for every other
command. Exits 1 when a PDF is missing or a goal is missed (`--no-goals`: only the former),
2 on a setup problem.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "bench"
COURSE_SLUG = "fever-under-5"
USERNAME_PREFIX = "bench.certificate."
GOAL_PDFS_PER_SECOND = 20.0


class BenchError(Exception):
    """Something the person running the bench must fix; printed without a traceback."""


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cloudpeds.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _start_worker(queue: str, concurrency: int, log_path: Path, tmp_dir: Path) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        # A session of its own: the whole worker (its pool processes too) is stopped at the end.
        return subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "cloudpeds",
                "worker",
                "--queues",
                queue,
                "--concurrency",
                str(concurrency),
                "--loglevel",
                "WARNING",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            # A temporary folder of its own, so that what the worker leaves there can be counted.
            env={**os.environ, "TMPDIR": str(tmp_dir)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def _wait_for_worker(worker: subprocess.Popen[bytes], queue: str, log_path: Path, timeout: float = 90) -> None:
    from cloudpeds.core.tasks import ping

    deadline = time.monotonic() + timeout
    result = ping.apply_async(queue=queue)
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise BenchError(f"the worker exited with {worker.returncode}:\n{_tail(log_path)}")
        if result.ready():
            result.get()
            return
        time.sleep(0.2)
    raise BenchError(f"the worker did not answer within {timeout:.0f}s:\n{_tail(log_path)}")


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (the worker's pool processes), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            children.append(int(entry.name))
    return children


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _weasyprint_folders(tmp_dir: Path) -> int:
    return len(list(tmp_dir.glob("weasyprint-*")))


def _tail(path: Path, lines: int = 20) -> str:
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def _make_certificates(count: int) -> list[int]:
    """Throwaway learners with a valid certificate each, no PDF yet (nothing notified)."""
    from django.db import transaction
    from django.utils import timezone

    from cloudpeds.accounts.models import Hospital, User
    from training.models import Certificate, Course, add_months

    course = Course.objects.filter(slug=COURSE_SLUG).first()
    hospital = Hospital.objects.filter(code="chongming").first()
    if course is None or hospital is None:
        raise BenchError(f"no course {COURSE_SLUG!r} or hospital 'chongming': run `manage.py seed_demo` first")
    now = timezone.now()
    run = uuid.uuid4().hex[:6]
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(username=f"{USERNAME_PREFIX}{run}.{n}", last_name="测", first_name=f"试{n}", hospital=hospital)
            for n in range(count)
        )
        certificates = Certificate.objects.bulk_create(
            Certificate._new(
                course=course,
                holder=user,
                score_percent=100,
                issued_at=now,
                expires_on=add_months(timezone.localdate(now), course.certificate_validity_months),
            )
            for user in users
        )
    return [certificate.pk for certificate in certificates]


def _clean_up() -> None:
    from cloudpeds.accounts.models import User
    from training.models import Certificate

    certificates = Certificate.objects.filter(holder__username__startswith=USERNAME_PREFIX)
    for certificate in certificates.exclude(pdf=""):
        certificate.pdf.storage.delete(certificate.pdf.name)
    certificates.delete()
    User.objects.filter(username__startswith=USERNAME_PREFIX).delete()


def run(args: argparse.Namespace) -> int:
    if not os.environ.get("REDIS_URL"):
        raise BenchError("REDIS_URL is not set: tasks would run in this process, not through a worker")
    _setup_django()
    from django.db import connections

    from cloudpeds.core.tasks import generate_pdf
    from training.models import Certificate

    queue = f"bench-certificates-{uuid.uuid4().hex[:8]}"
    log_path = LOG_DIR / "certificates-worker.log"
    tmp_dir = LOG_DIR / f"tmp-{queue}"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    _clean_up()  # leftovers of an interrupted run
    ids = _make_certificates(args.count)
    connections.close_all()
    worker = _start_worker(queue, args.concurrency, log_path, tmp_dir)
    try:
        print(f"worker: concurrency {args.concurrency} on queue {queue}; {args.count} certificates", flush=True)
        _wait_for_worker(worker, queue, log_path)
        started = time.perf_counter()
        results = [generate_pdf.apply_async(args=["training.Certificate", pk], queue=queue) for pk in ids]
        made = [result.get(timeout=args.timeout) for result in results]
        elapsed = time.perf_counter() - started
        ready = Certificate.objects.filter(pk__in=ids, pdf_generated_at__isnull=False).exclude(pdf="").count()
        pool = _children(worker.pid)
        memory = [_rss_mb(pid) for pid in pool]
        main_memory = _rss_mb(worker.pid)
        folders_running = _weasyprint_folders(tmp_dir)
    finally:
        _stop_worker(worker)
        _clean_up()
        connections.close_all()
    folders_left = _weasyprint_folders(tmp_dir)
    shutil.rmtree(tmp_dir, ignore_errors=True)

    rate = len(ids) / elapsed
    print(f"{len(ids)} certificate PDFs in {elapsed:.2f} s: {rate:.2f} PDFs/s (goal >= {GOAL_PDFS_PER_SECOND:.0f})")
    print(
        f"memory: main process {main_memory:.0f} MB; pool processes "
        + (", ".join(f"{mb:.0f} MB" for mb in memory) or "none found")
        + f" (after {len(ids)} PDFs)"
    )
    print(
        f"weasyprint-* folders: {folders_running} while running ({len(pool)} pool processes), "
        f"{folders_left} after the worker stopped"
    )
    status = 0
    if ready != len(ids) or not all(made):
        print(f"FLAGGED: {ready} of {len(ids)} certificates recorded a PDF; see {log_path}", file=sys.stderr)
        status = 1
    if not args.no_goals:
        if rate < GOAL_PDFS_PER_SECOND:
            print(f"MISSED: {rate:.2f} PDFs/s, goal {GOAL_PDFS_PER_SECOND:.0f}", file=sys.stderr)
            status = 1
        if folders_left or folders_running > max(len(pool), 1):
            print(f"MISSED: {folders_left} weasyprint-* folders left behind", file=sys.stderr)
            status = 1
    return status


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Certificate PDFs per second through a real Celery worker.")
    parser.add_argument("--count", type=int, default=50, help="certificates to render (default 50)")
    parser.add_argument(
        "--concurrency", type=int, default=os.cpu_count() or 1, help="worker processes (default: the cores)"
    )
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for one PDF (default 300)")
    parser.add_argument("--no-goals", action="store_true", help="exit 0 even when a goal is missed")
    args = parser.parse_args(argv)
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
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
