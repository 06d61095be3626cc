"""Benchmark: task assignments turned into delivered mails per second, end to end.

taskflow: N tasks are assigned through ``tf.tasks`` (SQLite file by default, or
``--database-url``); ONE ``taskflow worker`` process relays the outbox to Redis Streams,
consumes the events (delivery rows + in-app notifications), renders the Persian
``task.assigned`` mail and sends it to aiosmtpd.

Celery: the same N assignment mails as N Celery tasks on the same Redis, consumed by ONE
solo Celery worker whose task renders the same template and sends with the same SMTP
client (``bench/celery_notify_app.py``; Celery lives in its own virtualenv, not in
taskflow's dependencies).

Rate: mails delivered per second between the first and the last mail of the run (so
process start-up is left out on both sides). Lost and duplicated mails are counted from
what the SMTP server received (each mail's subject names its task).

    .venv/bin/python bench/notify.py [--mails 2000] [--celery-venv /tmp/bench-venv]

Set up the Celery virtualenv once::

    python3 -m venv /tmp/bench-venv
    /tmp/bench-venv/bin/pip install "celery[redis]" -e ".[smtp]"

Redis: a redis-server of the benchmark's own, on a free port (both sides use it).
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/notify.py`, this folder would come first on sys.path, and its
# http.py (the HTTP benchmark) would hide the standard library's `http` package.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import argparse  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Callable  # noqa: E402
from email.header import decode_header  # noqa: E402
from email.parser import BytesParser  # noqa: E402
from email.policy import compat32  # noqa: E402
from typing import Any  # noqa: E402

import redis  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from taskflow import TaskFlow  # noqa: E402
from taskflow.domain.models import Event  # noqa: E402
from taskflow.events import INVITE_CREATED  # noqa: E402
from taskflow.settings import Settings, env_name  # noqa: E402
from taskflow.testing import one_time_token  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
TITLE = re.compile(r"bench-(\d{5})")
HEADER_PARSER = BytesParser(policy=compat32)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SmtpRecorder:
    """aiosmtpd on loopback; keeps (arrival time, task number) of each mail."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrivals: list[tuple[float, int]] = []
        self.other = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        # Headers only, with the fast compat32 policy: the server must cost both sides
        # as little as possible (it shares the machine's two cores with them).
        headers = HEADER_PARSER.parsebytes(envelope.content, headersonly=True)
        subject = "".join(
            part.decode(charset or "ascii") if isinstance(part, bytes) else part
            for part, charset in decode_header(str(headers["Subject"]))
        )
        match = TITLE.search(subject)
        with self._lock:
            if match:
                self.arrivals.append((time.monotonic(), int(match.group(1))))
            else:
                self.other += 1  # welcome and invite mails of the set-up
        return "250 OK"

    def count(self) -> int:
        with self._lock:
            return len(self.arrivals)

    def reset(self) -> None:
        with self._lock:
            self.arrivals, self.other = [], 0

    def __enter__(self) -> SmtpRecorder:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class RedisServer:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        executable = shutil.which("redis-server")
        if executable is None:
            sys.exit("redis-server is not installed")
        self._process = subprocess.Popen(  # noqa: S603
            [
                executable,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._accepts, 10)

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                return True
        except OSError:
            return False

    def flush(self) -> None:
        client = redis.Redis.from_url(self.url)
        client.flushall()
        client.close()

    def stop(self) -> None:
        self._process.terminate()
        self._process.wait(10)


PIN = False
"""``--pin``: the worker (either one) runs on CPU 1, this process (the SMTP server) and
Redis on CPU 0. Off by default: the issue's figures are unpinned, as users run them."""


def pin_to_worker_cpu() -> list[str]:
    """The worker (either one) runs on CPU 1, this process (the SMTP server) and Redis on
    CPU 0, when pinning is asked for, the machine has two CPUs or more and ``taskset``
    exists."""
    if not PIN or (os.cpu_count() or 1) < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", "1"]


def pin_here_to_cpu_0() -> None:
    if PIN and (os.cpu_count() or 1) >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # inherited by redis-server, started after


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def summarize(name: str, recorder: SmtpRecorder, mails: int) -> dict[str, float]:
    arrivals = sorted(recorder.arrivals)
    seen = Counter(number for _, number in arrivals)
    lost = mails - len(seen)
    duplicated = sum(count - 1 for count in seen.values())
    span = arrivals[-1][0] - arrivals[0][0] if len(arrivals) > 1 else float("nan")
    rate = (len(arrivals) - 1) / span if len(arrivals) > 1 else 0.0
    print(
        f"{name:>9}: {rate:8.1f} mails/s  ({len(arrivals)} mails in {span:.2f}s; "
        f"lost {lost}, duplicated {duplicated})",
        flush=True,
    )
    return {"rate": rate, "lost": lost, "duplicated": duplicated}


# --- taskflow -----------------------------------------------------------------------


def taskflow_environment(
    workdir: Path, redis_url: str, smtp_port: int, database_url: str | None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKFLOW_")}
    for field in Settings.model_fields:
        env.pop(env_name(field), None)
    env.update(
        {
            "DATABASE_URL": database_url or f"sqlite:///{workdir / 'taskflow.sqlite3'}",
            "REDIS_URL": redis_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_TLS": "none",
            "SMTP_FROM": "TaskFlow <no-reply@example.com>",
            "JWT_SECRET": "j" * 40,
            "REFRESH_SECRET": "r" * 40,
            "TASKFLOW_DATA_DIR": str(workdir / "data"),
            "TASKFLOW_MAIL_RATE_LIMIT": "0",
            "TASKFLOW_ARGON2_MEMORY_KIB": "1024",
            "TASKFLOW_ARGON2_TIME_COST": "1",
            "TASKFLOW_LOG_LEVEL": "WARNING",
        }
    )
    return env


def populate(tf: TaskFlow, mails: int, members: int) -> float:
    """An owner, ``members`` members, then ``mails`` assigned tasks; returns the rate of
    assignments the application made (per second)."""
    tokens: list[str] = []

    def keep_token(event: Event) -> None:
        tokens.append(one_time_token(tf, event))

    tf.events.connect(INVITE_CREATED, keep_token)
    try:
        password = "correct horse battery"  # noqa: S105 - a benchmark account
        owner = tf.auth.signup(email="owner@example.com", password=password, name="Owner")
        team = tf.teams.create(owner.user.id, name="تیم بنچمارک")
        member_ids = []
        for n in range(members):
            address = f"member{n}@example.com"
            tf.invites.create(owner.user.id, team.id, email=address)
            member = tf.auth.signup(email=address, password=password, name=f"Member {n}")
            tf.invites.accept(member.user.id, token=tokens[-1])
            member_ids.append(member.user.id)
    finally:
        tf.events.disconnect(INVITE_CREATED, keep_token)
    started = time.monotonic()
    for n in range(mails):
        tf.tasks.create(
            owner.user.id, team.id, title=f"bench-{n:05d}", assignee_id=member_ids[n % members]
        )
    return mails / (time.monotonic() - started)


def run_taskflow(
    args: argparse.Namespace, workdir: Path, redis_server: RedisServer, smtp: SmtpRecorder
) -> dict[str, Any]:
    env = taskflow_environment(workdir, redis_server.url, smtp.port, args.database_url)
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        tf = TaskFlow.from_settings(Settings())
    finally:
        os.environ.clear()
        os.environ.update(saved)
    with tf:
        if tf.uow_factory.__class__.__module__.startswith("taskflow.adapters.sqlalchemy"):
            _empty_database(tf)
        produced = populate(tf, args.mails, args.members)
    print(f"taskflow: the application made {produced:.0f} assignments/s (SQL + outbox)")
    log = workdir / "worker.log"
    with log.open("ab") as output:
        worker = subprocess.Popen(  # noqa: S603
            [*pin_to_worker_cpu(), sys.executable, "-m", "taskflow", "worker"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        if not wait_for(lambda: smtp.count() >= args.mails, args.timeout):
            print(f"taskflow: timed out; worker log: {log}")
        time.sleep(1)  # a duplicate arriving late would be counted
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    return summarize("taskflow", smtp, args.mails)


def _empty_database(tf: TaskFlow) -> None:
    """For --database-url: start from empty tables (the benchmark's own database!)."""
    from taskflow.adapters.sqlalchemy.tables import metadata  # noqa: PLC0415

    databases = tf.uow_factory.databases  # type: ignore[attr-defined]
    for engine in databases.engines():
        with engine.begin() as connection:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())


# --- Celery ---------------------------------------------------------------------------


def run_celery(
    args: argparse.Namespace, workdir: Path, redis_server: RedisServer, smtp: SmtpRecorder
) -> dict[str, Any] | None:
    venv = Path(args.celery_venv)
    if not (venv / "bin" / "celery").exists():
        print(f"   celery: skipped, no Celery in {venv} (see this file's docstring)")
        return None
    # The Celery app runs from a folder of its own (bench/ holds http.py, see the top).
    app_dir = workdir / "celery-app"
    app_dir.mkdir(exist_ok=True)
    shutil.copy(BENCH_DIR / "celery_notify_app.py", app_dir)
    env = dict(os.environ)
    env.update(
        {
            "BENCH_REDIS_URL": redis_server.url,
            "BENCH_SMTP_PORT": str(smtp.port),
            "BENCH_QUEUE": "bench-notify",
            "PYTHONPATH": str(app_dir),
        }
    )
    subprocess.run(  # noqa: S603
        [
            str(venv / "bin" / "python"),
            str(app_dir / "celery_notify_app.py"),
            "enqueue",
            str(args.mails),
        ],
        env=env,
        check=True,
        cwd=app_dir,
    )
    log = workdir / "celery.log"
    with log.open("ab") as output:
        worker = subprocess.Popen(  # noqa: S603
            [
                *pin_to_worker_cpu(),
                str(venv / "bin" / "celery"),
                "-A",
                "celery_notify_app",
                "worker",
                "-P",
                "solo",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "WARNING",
                "-Q",
                "bench-notify",
            ],
            env=env,
            cwd=app_dir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        if not wait_for(lambda: smtp.count() >= args.mails, args.timeout):
            print(f"   celery: timed out; worker log: {log}")
        time.sleep(1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(60)
    return summarize("celery", smtp, args.mails)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    parser.add_argument("--celery-venv", default="/tmp/bench-venv")  # noqa: S108
    parser.add_argument("--database-url", help="default: a new SQLite file per round")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--pin", action="store_true", help="pin the workers to CPU 1")
    args = parser.parse_args()
    global PIN  # noqa: PLW0603 - a script's switch
    PIN = args.pin
    pin_here_to_cpu_0()
    ours: list[dict[str, float]] = []
    theirs: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="taskflow-bench-") as tmp:
        redis_server = RedisServer(Path(tmp))
        try:
            with SmtpRecorder() as smtp:
                print(
                    f"{args.mails} task assignments -> mails, {args.rounds} rounds, "
                    f"{'pinned' if PIN else 'not pinned'}, load average "
                    f"{os.getloadavg()[0]:.1f}; "
                    f"Redis {redis_server.url}, SMTP :{smtp.port}",
                    flush=True,
                )
                for round_number in range(args.rounds):
                    workdir = Path(tmp) / f"round-{round_number}"
                    workdir.mkdir()
                    redis_server.flush()
                    smtp.reset()
                    ours.append(run_taskflow(args, workdir, redis_server, smtp))
                    redis_server.flush()
                    smtp.reset()
                    result = run_celery(args, workdir, redis_server, smtp)
                    if result is not None:
                        theirs.append(result)
        finally:
            redis_server.stop()
    report("taskflow", ours)
    if theirs:
        report("celery", theirs)
        ratio = statistics.median(r["rate"] for r in ours) / statistics.median(
            r["rate"] for r in theirs
        )
        best = max(r["rate"] for r in ours) / max(r["rate"] for r in theirs)
        print(
            f"    ratio: {ratio:.2f}x Celery (medians), {best:.2f}x (best rounds); target >= 1.5x"
        )


def report(name: str, results: list[dict[str, float]]) -> None:
    rates = [r["rate"] for r in results]
    print(
        f"{name:>9}: median {statistics.median(rates):.1f} mails/s, best {max(rates):.1f} "
        f"(rounds: {', '.join(f'{rate:.1f}' for rate in rates)}); "
        f"lost {sum(int(r['lost']) for r in results)}, "
        f"duplicated {sum(int(r['duplicated']) for r in results)}"
    )


if __name__ == "__main__":
    main()
