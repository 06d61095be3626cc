# ruff: noqa: E402 - the imports follow the sys.path fix below, on purpose
"""Soak test (a script, not a test): N clients for S seconds against the reference server,
with ONE fault injected, counting what a user would lose.

The server runs as a user runs it: ``python -m taskflow serve --no-worker`` plus one
``python -m taskflow worker`` (the deployment the docs give with ``REDIS_URL``), settings
from environment variables, a redis-server of this script's own on a free port (started
with ``--appendonly yes``: a queue needs a Redis that keeps its data across a restart),
mail to an aiosmtpd sink in this process, and PostgreSQL (a schema of its own in the
database ``test``, dropped at the end) or a SQLite file (``--database sqlite``).

Each client (a thread with its own httpx client) signs up, creates teams, invites a new
teammate by email to each (the teammate signs up and accepts with the token read from the
invite mail), creates, updates, assigns and completes tasks, comments, lists tasks and
reads notifications, until the time is up. A third of the way in, the fault (``--fault``):

- ``kill``:  SIGKILL the server and the worker, start both again at once;
- ``redis``: stop the redis-server (SIGTERM), start it again on the same port after
  ``--outage`` seconds;
- ``smtp``:  the mail sink answers ``451`` to every mail for ``--outage`` seconds;
- ``none``:  no fault (the baseline).

At the end: every write that was acknowledged (a 200/201) is read back and compared with
what was sent (a write that got no answer, or a 5xx, may or may not have happened: either
outcome is accepted); every acknowledged signup, invite and assignment must have given
exactly one mail to the right address once the worker has drained (the mail's subject
names the team or the task). Exit status 1 when an acknowledged write is lost or changed,
or a mail is lost or duplicated.

    PYTHONPATH=src .venv/bin/python bench/soak.py --fault kill --seconds 60 --clients 16
    PYTHONPATH=src .venv/bin/python bench/soak.py --fault redis --database sqlite --app flask

All traffic stays on 127.0.0.1; every loop is bounded by ``--seconds`` or ``--drain``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as `python bench/soak.py`, this folder would come first on sys.path, and its
# http.py (the HTTP benchmark) would hide the standard library's `http` package.
sys.path = [entry for entry in sys.path if Path(entry or ".").resolve() != Path(__file__).parent]

import argparse
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import httpx
import psycopg
from aiosmtpd.controller import Controller

PASSWORD = "soak test passphrase 42"  # noqa: S105 - accounts of a throw-away database
HOST = "127.0.0.1"
TEAM_NAME = re.compile(r"soak-team-[0-9a-z-]+")
TASK_TITLE = re.compile(r"soak-task-[0-9a-z-]+")
INVITE_TOKEN = re.compile(r"[?&]token=([A-Za-z0-9_.~%-]+)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


# --- the services around the server -----------------------------------------------------


@dataclass
class Mail:
    at: float
    recipients: tuple[str, ...]
    subject: str
    text: str
    message_id: str


class MailSink:
    """aiosmtpd on loopback: keeps every mail; answers 451 while ``failing`` is set."""

    def __init__(self) -> None:
        self.port = free_port()
        self.failing = threading.Event()
        self.mails: list[Mail] = []
        self.refused = 0
        self.refused_times: list[float] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname=HOST, port=self.port)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        now = time.monotonic()
        if self.failing.is_set():
            with self._lock:
                self.refused += 1
                self.refused_times.append(now)
            return "451 4.3.0 Soak test: mail server unavailable, try again later"
        message = message_from_bytes(envelope.content, policy=default_policy)
        assert isinstance(message, EmailMessage)
        plain = message.get_body(preferencelist=("plain",))
        text = plain.get_content() if isinstance(plain, EmailMessage) else ""
        mail = Mail(
            now,
            tuple(address.lower() for address in envelope.rcpt_tos),
            str(message["Subject"]),
            str(text),
            str(message["Message-ID"]),
        )
        with self._lock:
            self.mails.append(mail)
        return "250 OK"

    def snapshot(self) -> list[Mail]:
        with self._lock:
            return list(self.mails)

    def find(self, recipient: str, needle: str) -> Mail | None:
        for mail in self.snapshot():
            if recipient in mail.recipients and needle in mail.subject:
                return mail
        return None

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


class RedisServer:
    """A redis-server of this script's own (never the shared one), appendonly on."""

    def __init__(self, workdir: Path) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            sys.exit("redis-server is not installed")
        self.port = free_port()
        self.url = f"redis://{HOST}:{self.port}/0"
        self._command = [
            executable,
            "--port",
            str(self.port),
            "--bind",
            HOST,
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--dir",
            str(workdir),
        ]
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603
            self._command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        if not wait_for(lambda: accepts(self.port), 20):
            sys.exit("redis-server did not start")

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(30)


class Process:
    """One ``python -m taskflow ...`` process, logging to a file of the work folder."""

    def __init__(self, name: str, arguments: list[str], env: dict[str, str], workdir: Path):
        self.name = name
        self._command = [sys.executable, "-m", "taskflow", *arguments]
        self._env = env
        self._workdir = workdir
        self.log = workdir / f"{name}.log"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self._process = subprocess.Popen(  # noqa: S603
                self._command,
                env=self._env,
                cwd=self._workdir,  # not bench/: its http.py would hide the stdlib's
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def exited(self) -> bool:
        return self._process is None or self._process.poll() is not None

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGKILL)
            self._process.wait(30)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class Deployment:
    """The server and the worker, as a user starts them."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://{HOST}:{self.port}"
        serve = ["serve", "--app", args.app, "--port", str(self.port), "--no-worker"]
        self.server = Process("server", serve, env, workdir)
        # A short visibility timeout: the message a killed worker held returns in 10 s.
        self.worker = Process("worker", ["worker", "--visibility-timeout", "10"], env, workdir)

    def start(self) -> None:
        self.server.start()
        if not wait_for(self._healthy, 90, step=0.1):
            sys.exit(f"the server did not start; see {self.server.log}")
        self.worker.start()

    def _healthy(self) -> bool:
        if self.server.exited():
            sys.exit(f"the server exited; see {self.server.log}")
        try:
            return httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def kill(self) -> None:
        self.server.kill()
        self.worker.kill()

    def stop(self) -> None:
        self.worker.stop()
        self.server.stop()


def environment(workdir: Path, database_url: str, redis_url: str, smtp_port: int) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TASKFLOW_", "SMTP_", "DATABASE", "REDIS_", "JWT_", "REFRESH_"))
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SMTP_HOST": HOST,
            "SMTP_PORT": str(smtp_port),
            "SMTP_TLS": "none",
            "SMTP_FROM": "TaskFlow <no-reply@example.com>",
            "JWT_SECRET": secrets.token_urlsafe(40),
            "REFRESH_SECRET": secrets.token_urlsafe(40),
            "TASKFLOW_DATA_DIR": str(workdir / "data"),
            "TASKFLOW_RATE_LIMIT": "1000000/minute",
            "TASKFLOW_AUTH_RATE_LIMIT": "1000000/minute",
            "TASKFLOW_MAIL_RATE_LIMIT": "0",
            # Retry a refused mail soon: the run is short.
            "TASKFLOW_MAIL_RETRY_BASE": "1s",
            "TASKFLOW_MAIL_RETRY_MAX": "5s",
            "TASKFLOW_MAIL_MAX_ATTEMPTS": "30",
            # A killed worker's claimed mail goes to the next worker after this (5 min by
            # default): short, so the drain below sees it.
            "TASKFLOW_MAIL_CLAIM_TIMEOUT": "15s",
            "TASKFLOW_ARGON2_MEMORY_KIB": "1024",
            "TASKFLOW_ARGON2_TIME_COST": "1",
            "TASKFLOW_LOG_LEVEL": "WARNING",
        }
    )
    return env


@contextmanager
def database(args: argparse.Namespace, workdir: Path) -> Iterator[str]:
    """The URL of a database of the run's own: a SQLite file, or a PostgreSQL schema
    named like the test runs' (``tf_<pid>_<hex>``, so a killed run's is cleaned up)."""
    if args.database == "sqlite":
        yield f"sqlite:///{workdir / 'soak.sqlite3'}"
        return
    schema = f"tf_{os.getpid()}_{secrets.token_hex(3)}"
    with psycopg.connect(args.pg, autocommit=True) as connection:
        connection.execute(f"CREATE SCHEMA {schema}")
    try:
        url = args.pg.replace("postgresql://", "postgresql+psycopg://", 1)
        yield f"{url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(args.pg, autocommit=True) as connection:
            connection.execute(f"DROP SCHEMA {schema} CASCADE")


# --- what the clients saw ---------------------------------------------------------------

OK, CLIENT_ERROR, SERVER_ERROR, CONNECTION_ERROR = "ok", "4xx", "5xx", "connection"


@dataclass
class TaskRecord:
    """A task whose creation was acknowledged; ``states``: what it may hold now (one
    state, or more after a write that got no answer)."""

    id: str
    team_id: str
    title: str
    states: list[dict[str, Any]]


@dataclass
class Ledger:
    """Everything acknowledged, shared by the clients (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: list[tuple[float, str, str]] = field(default_factory=list)
    users: dict[str, str] = field(default_factory=dict)  # email -> user id
    teams: dict[str, str] = field(default_factory=dict)  # id -> name
    members: dict[str, set[str]] = field(default_factory=dict)  # team id -> user ids
    tasks: dict[str, TaskRecord] = field(default_factory=dict)
    comments: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (task, text)
    owners: dict[str, str] = field(default_factory=dict)  # team id -> owner's email
    # mails: (kind, key, address) acknowledged, and those maybe triggered (no answer)
    expected_mails: set[tuple[str, str, str]] = field(default_factory=set)
    maybe_mails: set[tuple[str, str, str]] = field(default_factory=set)
    ack_mismatches: list[str] = field(default_factory=list)

    def outcome(self, operation: str, result: str) -> None:
        with self.lock:
            self.outcomes.append((time.monotonic(), operation, result))


@dataclass
class Mate:
    email: str
    user_id: str
    token: str
    team_id: str
    team_name: str
    joined: bool = False


class Client:
    """One simulated user (a team owner) and the teammates they invite."""

    def __init__(
        self, number: int, base_url: str, ledger: Ledger, sink: MailSink, until: float
    ) -> None:
        self.number = number
        self.ledger = ledger
        self.sink = sink
        self.until = until
        self.random = random.Random(number)
        self.http = httpx.Client(base_url=base_url, timeout=10)
        self.serial = 0
        self.email = ""
        self.token = ""
        self.teams: list[tuple[str, str]] = []
        self.mates: list[Mate] = []
        self.tasks: list[TaskRecord] = []

    # -- HTTP --

    def call(
        self, operation: str, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[str, httpx.Response | None]:
        headers = (
            {"Authorization": f"Bearer {token or self.token}"} if (token or self.token) else {}
        )
        try:
            response = self.http.request(method, path, json=body, headers=headers)
        except httpx.TransportError:
            self.ledger.outcome(f"{operation}: no answer", CONNECTION_ERROR)
            time.sleep(0.1)  # as a real client would, rather than spin on a closed port
            return CONNECTION_ERROR, None
        if response.status_code >= 500:
            result = SERVER_ERROR
        elif response.status_code >= 400:
            result = CLIENT_ERROR
        else:
            result = OK
        if result == OK:
            self.ledger.outcome(operation, result)
        else:
            self.ledger.outcome(f"{operation}: {response.status_code}", result)
            if result == SERVER_ERROR:
                time.sleep(0.05)
        return result, response

    def name(self, kind: str) -> str:
        self.serial += 1
        return f"soak-{kind}-c{self.number}-{self.serial}"

    # -- the workload --

    def run(self) -> None:
        while time.monotonic() < self.until and not self.email:
            self.sign_up_owner()
        actions: list[tuple[int, Callable[[], None]]] = [
            (22, self.create_task),
            (14, self.update_task),
            (7, self.complete_task),
            (5, self.assign_task),
            (12, self.comment),
            (14, self.list_tasks),
            (8, self.read_notifications),
            (4, self.new_team_and_invite),
            (3, self.log_in),
            (5, self.me),
        ]
        weights = [weight for weight, _ in actions]
        while time.monotonic() < self.until:
            self.accept_invites()
            if not self.teams:
                self.new_team_and_invite()
                continue
            self.random.choices(actions, weights)[0][1]()
        self.http.close()

    def sign_up(self, email: str, name: str) -> tuple[str, str] | None:
        result, response = self.call(
            "signup", "POST", "/auth/signup", {"email": email, "password": PASSWORD, "name": name}
        )
        if result == OK and response is not None and response.status_code == 201:
            body = response.json()
            with self.ledger.lock:
                self.ledger.users[email] = body["user"]["id"]
                self.ledger.expected_mails.add(("welcome", email, email))
            return body["user"]["id"], body["token"]
        if result in (SERVER_ERROR, CONNECTION_ERROR):
            with self.ledger.lock:
                self.ledger.maybe_mails.add(("welcome", email, email))
        return None

    def sign_up_owner(self) -> None:
        email = f"{self.name('owner')}@example.com"
        signed_up = self.sign_up(email, f"Owner {self.number}")
        if signed_up is not None:
            self.email, self.token = email, signed_up[1]
        else:
            time.sleep(0.2)

    def log_in(self) -> None:
        result, response = self.call(
            "login", "POST", "/auth/login", {"email": self.email, "password": PASSWORD}, token=""
        )
        if result == OK and response is not None:
            self.token = response.json()["token"]

    def me(self) -> None:
        self.call("me", "GET", "/auth/me")

    def new_team_and_invite(self) -> None:
        team_name = self.name("team")
        result, response = self.call("create team", "POST", "/teams", {"name": team_name})
        if result != OK or response is None:
            time.sleep(0.1)
            return
        team_id = response.json()["id"]
        self.teams.append((team_id, team_name))
        with self.ledger.lock:
            self.ledger.teams[team_id] = team_name
            self.ledger.owners[team_id] = self.email
        mate_email = f"{self.name('mate')}@example.com"
        signed_up = self.sign_up(mate_email, f"Mate of {self.number}")
        if signed_up is None:
            return
        mate = Mate(mate_email, signed_up[0], signed_up[1], team_id, team_name)
        key = ("invite", team_name, mate_email)
        result, response = self.call(
            "invite", "POST", "/auth/invite", {"team_id": team_id, "email": mate_email}
        )
        with self.ledger.lock:
            if result == OK:
                self.ledger.expected_mails.add(key)
            elif result in (SERVER_ERROR, CONNECTION_ERROR):
                self.ledger.maybe_mails.add(key)
        if result in (OK, SERVER_ERROR, CONNECTION_ERROR):
            self.mates.append(mate)  # a mail may come even without an answer

    def accept_invites(self) -> None:
        for mate in self.mates:
            if mate.joined:
                continue
            mail = self.sink.find(mate.email, mate.team_name)
            match = INVITE_TOKEN.search(mail.text) if mail else None
            if match is None:
                continue
            result, response = self.call(
                "accept invite",
                "POST",
                "/auth/invite/accept",
                {"token": match.group(1)},
                token=mate.token,
            )
            if result == OK or (response is not None and response.status_code in (409, 410)):
                # 409/410 after an unanswered accept: it was applied then.
                mate.joined = True
            if result == OK:
                with self.ledger.lock:
                    self.ledger.members.setdefault(mate.team_id, set()).add(mate.user_id)

    def joined_mates(self, team_id: str) -> list[Mate]:
        return [mate for mate in self.mates if mate.joined and mate.team_id == team_id]

    def create_task(self) -> None:
        team_id, _ = self.random.choice(self.teams)
        title = self.name("task")
        mates = self.joined_mates(team_id)
        assignee = self.random.choice(mates) if mates and self.random.random() < 0.6 else None
        body = {
            "title": title,
            "description": f"created by client {self.number}",
            "priority": self.random.choice(["low", "medium", "high"]),
            "assignee_id": assignee.user_id if assignee else None,
        }
        result, response = self.call("create task", "POST", f"/teams/{team_id}/tasks", body)
        key = ("assigned", title, assignee.email) if assignee else None
        if result == OK and response is not None:
            state = {
                "title": title,
                "description": body["description"],
                "priority": body["priority"],
                "status": "todo",
                "assignee_id": body["assignee_id"],
            }
            record = TaskRecord(response.json()["id"], team_id, title, [state])
            self.check_echo(record, response.json())
            self.tasks.append(record)
            with self.ledger.lock:
                self.ledger.tasks[record.id] = record
                if key:
                    self.ledger.expected_mails.add(key)
        elif key and result in (SERVER_ERROR, CONNECTION_ERROR):
            with self.ledger.lock:
                self.ledger.maybe_mails.add(key)

    def write_task(self, operation: str, method: str, path: str, body: Any, change: dict) -> str:
        """A write to one of this client's tasks; the record follows what may be there."""
        record = self.random.choice(self.tasks)
        result, response = self.call(operation, method, path.format(id=record.id), body)
        changed = [{**state, **change} for state in record.states]
        with self.ledger.lock:
            if result == OK and response is not None:
                record.states = dedupe(changed)
                self.check_echo(record, response.json())
            elif result in (SERVER_ERROR, CONNECTION_ERROR):
                record.states = dedupe(record.states + changed)
        return result

    def check_echo(self, record: TaskRecord, body: dict[str, Any]) -> None:
        """The answer to an acknowledged write shows what was written."""
        if not any(state == task_state(body) for state in record.states):
            self.ledger.ack_mismatches.append(f"task {record.id}: answered {task_state(body)}")

    def update_task(self) -> None:
        if not self.tasks:
            return
        # Never the title: it names the task in its assignment mail.
        change = {
            "description": f"edited {self.serial} by client {self.number}",
            "priority": self.random.choice(["low", "medium", "high"]),
        }
        self.serial += 1
        self.write_task("update task", "PATCH", "/tasks/{id}", change, change)

    def complete_task(self) -> None:
        if self.tasks:
            self.write_task(
                "complete task", "POST", "/tasks/{id}/complete", None, {"status": "done"}
            )

    def assign_task(self) -> None:
        unassigned = [
            task
            for task in self.tasks
            if all(state["assignee_id"] is None for state in task.states)
        ]
        if not unassigned:
            return
        record = self.random.choice(unassigned)
        mates = self.joined_mates(record.team_id)
        if not mates:
            return
        mate = self.random.choice(mates)
        result, response = self.call(
            "assign task", "POST", f"/tasks/{record.id}/assign", {"assignee_id": mate.user_id}
        )
        key = ("assigned", record.title, mate.email)
        changed = [{**state, "assignee_id": mate.user_id} for state in record.states]
        with self.ledger.lock:
            if result == OK and response is not None:
                record.states = changed
                self.check_echo(record, response.json())
                self.ledger.expected_mails.add(key)
            elif result in (SERVER_ERROR, CONNECTION_ERROR):
                record.states = dedupe(record.states + changed)
                self.ledger.maybe_mails.add(key)

    def comment(self) -> None:
        if not self.tasks:
            return
        record = self.random.choice(self.tasks)
        text = f"comment {self.name('comment')}"
        result, response = self.call(
            "comment", "POST", f"/tasks/{record.id}/comments", {"content": text}
        )
        if result == OK and response is not None:
            with self.ledger.lock:
                self.ledger.comments[response.json()["id"]] = (record.id, text)

    def list_tasks(self) -> None:
        team_id, _ = self.random.choice(self.teams)
        self.call("list tasks", "GET", f"/teams/{team_id}/tasks?limit=20")

    def read_notifications(self) -> None:
        joined = [mate for mate in self.mates if mate.joined]
        token = self.random.choice(joined).token if joined else self.token
        self.call("notifications", "GET", "/notifications?limit=20", token=token)
        self.call("unread count", "GET", "/notifications/unread-count", token=token)


def task_state(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": body["title"],
        "description": body["description"],
        "priority": body["priority"],
        "status": body["status"],
        "assignee_id": body["assignee"]["id"] if body["assignee"] else None,
    }


def dedupe(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unique: list[dict[str, Any]] = []
    for state in states:
        if state not in unique:
            unique.append(state)
    return unique


# --- the fault ----------------------------------------------------------------------------


@dataclass
class FaultTimes:
    injected: float | None = None
    repaired: float | None = None


def inject(
    fault: str,
    *,
    deployment: Deployment,
    redis_server: RedisServer,
    sink: MailSink,
    outage: float,
    times: FaultTimes,
) -> None:
    times.injected = time.monotonic()
    if fault == "kill":
        deployment.kill()
        times.repaired = time.monotonic()
        deployment.start()
    elif fault == "redis":
        redis_server.stop()
        time.sleep(outage)
        times.repaired = time.monotonic()
        redis_server.start()
    elif fault == "smtp":
        sink.failing.set()
        time.sleep(outage)
        times.repaired = time.monotonic()
        sink.failing.clear()


# --- the verdict ---------------------------------------------------------------------------


def verify_writes(base_url: str, ledger: Ledger) -> list[str]:
    """Every acknowledged write, read back. Returns what is missing or different."""
    lost: list[str] = []
    with httpx.Client(base_url=base_url, timeout=30) as http:
        tokens: dict[str, str] = {}

        def token_of(email: str) -> str | None:
            if email not in tokens:
                response = http.post("/auth/login", json={"email": email, "password": PASSWORD})
                if response.status_code != 200:
                    lost.append(f"signup of {email}: login answers {response.status_code}")
                    return None
                tokens[email] = response.json()["token"]
            return tokens[email]

        for email in ledger.users:
            token_of(email)

        def get(email: str, path: str) -> httpx.Response | None:
            token = token_of(email)
            if token is None:
                return None
            return http.get(path, headers={"Authorization": f"Bearer {token}"})

        for team_id, name in ledger.teams.items():
            response = get(ledger.owners[team_id], f"/teams/{team_id}")
            if response is None or response.status_code != 200:
                lost.append(f"team {team_id}: {getattr(response, 'status_code', None)}")
                continue
            if response.json()["name"] != name:
                lost.append(f"team {team_id}: name {response.json()['name']!r} != {name!r}")
            members = get(ledger.owners[team_id], f"/teams/{team_id}/members?limit=100")
            present = {m["user_id"] for m in members.json()["items"]} if members else set()
            for user_id in ledger.members.get(team_id, set()) - present:
                lost.append(f"team {team_id}: accepted member {user_id} missing")

        for record in ledger.tasks.values():
            response = get(ledger.owners[record.team_id], f"/tasks/{record.id}")
            if response is None or response.status_code != 200:
                lost.append(f"task {record.id}: {getattr(response, 'status_code', None)}")
            elif task_state(response.json()) not in record.states:
                lost.append(
                    f"task {record.id}: holds {task_state(response.json())}, "
                    f"acknowledged {record.states}"
                )

        comments_by_task: dict[str, dict[str, str]] = {}
        for comment_id, (task_id, text) in ledger.comments.items():
            if task_id not in comments_by_task:
                record = ledger.tasks[task_id]
                found: dict[str, str] = {}
                cursor: str | None = ""
                while cursor is not None:
                    query = f"?limit=100&cursor={cursor}" if cursor else "?limit=100"
                    page = get(ledger.owners[record.team_id], f"/tasks/{task_id}/comments{query}")
                    if page is None or page.status_code != 200:
                        break
                    found.update({c["id"]: c["content"] for c in page.json()["items"]})
                    cursor = page.json()["next_cursor"]
                comments_by_task[task_id] = found
            if comments_by_task[task_id].get(comment_id) != text:
                lost.append(f"comment {comment_id} on task {task_id} missing or changed")
    return lost


def classify(mail: Mail, welcome_addresses: set[str]) -> list[tuple[str, str, str]]:
    keys = []
    for recipient in mail.recipients:
        team = TEAM_NAME.search(mail.subject)
        task = TASK_TITLE.search(mail.subject)
        if task:
            keys.append(("assigned", task.group(0), recipient))
        elif team:
            keys.append(("invite", team.group(0), recipient))
        elif recipient in welcome_addresses:
            keys.append(("welcome", recipient, recipient))
        else:
            keys.append(("other", mail.subject, recipient))
    return keys


def count_mails(sink: MailSink, ledger: Ledger) -> dict[str, Any]:
    addresses = {key[2] for key in ledger.expected_mails | ledger.maybe_mails}
    received: Counter[tuple[str, str, str]] = Counter()
    message_ids: dict[tuple[str, str, str], set[str]] = {}
    for mail in sink.snapshot():
        for key in classify(mail, addresses):
            received[key] += 1
            message_ids.setdefault(key, set()).add(mail.message_id)
    expected = ledger.expected_mails
    lost = sorted(key for key in expected if received[key] == 0)
    duplicated = sorted(key for key, count in received.items() if count > 1)
    unexpected = sorted(
        key for key in received if key not in expected and key not in ledger.maybe_mails
    )
    # The same Message-ID twice: the one resend SMTP cannot rule out (docs/notifications.md)
    same_id = [key for key in duplicated if len(message_ids[key]) == 1]
    return {"lost": lost, "duplicated": duplicated, "unexpected": unexpected, "same_id": same_id}


def outage_report(ledger: Ledger, times: FaultTimes, started: float) -> dict[str, Any]:
    failures = [
        (at, operation, result)
        for at, operation, result in ledger.outcomes
        if result in (SERVER_ERROR, CONNECTION_ERROR)
    ]
    report: dict[str, Any] = {
        "requests": len(ledger.outcomes),
        "5xx": sum(1 for _, _, r in failures if r == SERVER_ERROR),
        "connection errors": sum(1 for _, _, r in failures if r == CONNECTION_ERROR),
        "4xx": sum(1 for _, _, r in ledger.outcomes if r == CLIENT_ERROR),
    }
    by_operation = Counter(operation for _, operation, _ in failures)
    report["failures by operation"] = dict(by_operation.most_common())
    refused = Counter(operation for _, operation, r in ledger.outcomes if r == CLIENT_ERROR)
    report["4xx by operation"] = dict(refused.most_common())
    if times.injected is None:
        return report
    during = [f for f in failures if f[0] >= times.injected]
    report["fault at"] = round(times.injected - started, 1)
    report["repaired at"] = round((times.repaired or times.injected) - started, 1)
    report["failures before the fault"] = len(failures) - len(during)
    if during:
        last_failure = max(at for at, _, _ in during)
        after = [at for at, _, result in ledger.outcomes if at > last_failure and result == OK]
        report["first failure at"] = round(min(at for at, _, _ in during) - started, 1)
        report["last failure at"] = round(last_failure - started, 1)
        window = [r for at, _, r in ledger.outcomes if times.injected <= at <= last_failure]
        report["answers in that window"] = dict(Counter(window).most_common())
        answered = Counter(
            operation
            for at, operation, result in ledger.outcomes
            if times.injected <= at <= last_failure and result == OK
        )
        report["answered in that window"] = dict(answered.most_common())
        if after:
            recovered = min(after)
            report["recovered at"] = round(recovered - started, 1)
            report["time to recover after repair (s)"] = round(
                max(0.0, recovered - (times.repaired or times.injected)), 1
            )
        else:
            report["recovered at"] = "never (no success after the last failure)"
    else:
        report["time to recover after repair (s)"] = 0.0
    return report


# --- main ---------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--fault", choices=("kill", "redis", "smtp", "none"), default="kill")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--app", choices=("fastapi", "flask"), default="fastapi")
    parser.add_argument("--outage", type=float, default=10.0, help="redis/smtp: seconds down")
    parser.add_argument("--drain", type=float, default=120.0, help="longest wait for the mail")
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs)")
    args = parser.parse_args()
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients must be >= 1 and --seconds > 0")

    workdir = Path(tempfile.mkdtemp(prefix="taskflow-soak-"))
    sink = MailSink()
    redis_server = RedisServer(workdir)
    ledger = Ledger()
    times = FaultTimes()
    sink.start()
    redis_server.start()
    try:
        with database(args, workdir) as database_url:
            env = environment(workdir, database_url, redis_server.url, sink.port)
            deployment = Deployment(args, env, workdir)
            deployment.start()
            try:
                print(
                    f"soak: {args.clients} clients, {args.seconds:.0f} s, fault {args.fault}, "
                    f"{args.app} on {args.database}; Redis :{redis_server.port}, "
                    f"SMTP :{sink.port}, logs in {workdir}",
                    flush=True,
                )
                started = time.monotonic()
                until = started + args.seconds
                clients = [
                    Client(n, deployment.base_url, ledger, sink, until) for n in range(args.clients)
                ]
                threads = [
                    threading.Thread(target=c.run, name=f"client-{c.number}") for c in clients
                ]
                for thread in threads:
                    thread.start()
                if args.fault != "none":
                    time.sleep(args.seconds / 3)
                    inject(
                        args.fault,
                        deployment=deployment,
                        redis_server=redis_server,
                        sink=sink,
                        outage=args.outage,
                        times=times,
                    )
                for thread in threads:
                    thread.join(args.seconds + 60)
                load_ended = time.monotonic()
                lost_writes = verify_writes(deployment.base_url, ledger)
                wait_for(lambda: not count_mails(sink, ledger)["lost"], args.drain, step=0.5)
                drained = time.monotonic() - load_ended
                time.sleep(3)  # a duplicate arriving late is counted too
                mails = count_mails(sink, ledger)
            finally:
                deployment.stop()
    finally:
        redis_server.stop()
        sink.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)

    return print_verdict(
        ledger,
        times=times,
        started=started,
        lost_writes=lost_writes,
        mails=mails,
        sink=sink,
        drained=drained,
    )


def print_verdict(
    ledger: Ledger,
    *,
    times: FaultTimes,
    started: float,
    lost_writes: list[str],
    mails: dict[str, Any],
    sink: MailSink,
    drained: float,
) -> int:
    report = outage_report(ledger, times, started)
    for name, value in report.items():
        print(f"  {name}: {value}")
    acknowledged = len(ledger.users) + len(ledger.teams) + len(ledger.tasks) + len(ledger.comments)
    print(
        f"  acknowledged writes checked: {acknowledged} creations (users {len(ledger.users)}, "
        f"teams {len(ledger.teams)}, tasks {len(ledger.tasks)}, comments "
        f"{len(ledger.comments)}) + memberships "
        f"{sum(len(m) for m in ledger.members.values())}; lost or changed: {len(lost_writes)}"
    )
    for line in lost_writes[:20]:
        print(f"    LOST {line}")
    if ledger.ack_mismatches:
        print(f"  answers that did not echo the write: {len(ledger.ack_mismatches)}")
        for line in ledger.ack_mismatches[:5]:
            print(f"    {line}")
    kinds = Counter(kind for kind, _, _ in ledger.expected_mails)
    print(
        f"  mails expected: {len(ledger.expected_mails)} ({dict(kinds)}), received "
        f"{len(sink.snapshot())}, refused with 451: {sink.refused}; all in "
        f"{drained:.1f} s after the load ended"
    )
    if times.repaired is not None:
        after = [mail.at for mail in sink.snapshot() if mail.at >= times.repaired]
        first = f"{min(after) - times.repaired:.1f} s" if after else "none"
        print(f"  first mail accepted after the repair: {first}")
    print(
        f"  mails lost: {len(mails['lost'])}, duplicated: {len(mails['duplicated'])}, "
        f"unexpected: {len(mails['unexpected'])}; duplicates with one Message-ID "
        f"(a resend): {len(mails['same_id'])}"
    )
    for label in ("lost", "duplicated", "unexpected"):
        for key in mails[label][:10]:
            print(f"    {label.upper()} {key}")
    failed = bool(lost_writes or mails["lost"] or mails["duplicated"])
    print("soak: FAILED" if failed else "soak: passed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
