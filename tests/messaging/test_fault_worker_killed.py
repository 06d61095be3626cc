"""Fault: a worker is killed with SIGKILL in the middle of a batch of hundreds of mails
and as many Web Push messages.

Real parts only: a database shared by the processes (a SQLite file, PostgreSQL, MariaDB),
a queue (a redis-server of the test's own, or a queue of the test's own on the shared
RabbitMQ), aiosmtpd on loopback, a push service stand-in on loopback (VAPID checked,
payloads decrypted), and ``taskflow worker`` processes. After a second worker starts,
every mail arrives at the SMTP server and every push at the device; the only duplicate
allowed is the one message in flight at the kill (the server had accepted it, the worker
died before recording it: neither SMTP nor Web Push can close that window; see
docs/events.md and docs/notifications.md)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from messaging_fakes import RecordingSmtpServer

from push_service import PushServiceStandIn, running_push_service
from redis_server import RedisServer
from taskflow import TaskFlow
from taskflow.domain.models import Event
from taskflow.events import INVITE_CREATED
from taskflow.settings import Settings, env_name, new_vapid_private_key
from taskflow.testing import one_time_token

pytestmark = pytest.mark.slow

TASKS = 300
MEMBERS = 4


@pytest.fixture
def smtp() -> Iterator[RecordingSmtpServer]:
    server = RecordingSmtpServer(delay=0.004)  # ~250 mails/s at most: the kill lands mid-batch
    server.start()
    yield server
    server.stop()


@pytest.fixture(
    params=[
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("rabbitmq", marks=pytest.mark.rabbitmq),
    ]
)
def queue_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The variables that point the workers at a queue of this test's own."""
    if request.param == "redis":
        server = RedisServer(tmp_path)
        server.start()
        yield {"REDIS_URL": server.url}
        server.stop()
        return
    from taskflow.adapters.rabbitmq import RabbitMQQueue  # noqa: PLC0415

    url: str = request.getfixturevalue("rabbitmq_url")
    name: str = request.getfixturevalue("rabbitmq_prefix")
    yield {"TASKFLOW_QUEUE_URL": url, "TASKFLOW_QUEUE_NAME": name}
    RabbitMQQueue(url, queue=name).delete()


def _environment(
    tmp_path: Path, database_url: str, queue_settings: dict[str, str], smtp_port: int
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKFLOW_")}
    for field in Settings.model_fields:
        env.pop(env_name(field), None)
    env.update(
        {
            "DATABASE_URL": database_url,
            **queue_settings,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(smtp_port),
            "SMTP_TLS": "none",
            "SMTP_FROM": "TaskFlow <no-reply@example.com>",
            "JWT_SECRET": "j" * 40,
            "REFRESH_SECRET": "r" * 40,
            "TASKFLOW_DATA_DIR": str(tmp_path / "data"),
            "TASKFLOW_MAIL_RATE_LIMIT": "0",
            "TASKFLOW_MAIL_CLAIM_TIMEOUT": "4s",
            "TASKFLOW_MAIL_RETRY_BASE": "1s",
            "TASKFLOW_ARGON2_MEMORY_KIB": "1024",
            "TASKFLOW_ARGON2_TIME_COST": "1",
            "TASKFLOW_LOG_LEVEL": "WARNING",
            "TASKFLOW_PUSH": "on",
            "TASKFLOW_VAPID_PRIVATE_KEY": new_vapid_private_key(),
            "TASKFLOW_VAPID_SUBJECT": "mailto:ops@example.com",
            "TASKFLOW_PUSH_HOSTS": "127.0.0.1",
            "TASKFLOW_PUSH_RATE_LIMIT": "0",
        }
    )
    return env


def _start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "taskflow", "worker", "--visibility-timeout", "2"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def _populate(tf: TaskFlow, push: PushServiceStandIn | None = None) -> None:
    """An owner, MEMBERS members (each with a device subscribed to ``push``, if given),
    and TASKS tasks assigned round-robin to the members."""
    tokens: list[str] = []

    def keep_token(event: Event) -> None:
        tokens.append(one_time_token(tf, event))

    tf.events.connect(INVITE_CREATED, keep_token)
    try:
        password = "correct horse battery"
        owner = tf.auth.signup(email="owner@example.com", password=password, name="Owner")
        team = tf.teams.create(owner.user.id, name="تیم")
        members = []
        for n in range(MEMBERS):
            email = f"member{n}@example.com"
            tf.invites.create(owner.user.id, team.id, email=email)
            member = tf.auth.signup(email=email, password=password, name=f"Member {n}")
            tf.invites.accept(member.user.id, token=tokens[-1])
            members.append(member.user.id)
            if push is None:
                continue
            device = push.device(f"member{n}").subscription_json()
            tf.notifications.subscribe_push(
                member.user.id, endpoint=device["endpoint"], **device["keys"]
            )
    finally:
        tf.events.disconnect(INVITE_CREATED, keep_token)
    for n in range(TASKS):
        tf.tasks.create(
            owner.user.id, team.id, title=f"task-{n:03d}", assignee_id=members[n % MEMBERS]
        )


def _deliveries(tf: TaskFlow, channel: str) -> list[Any]:
    found, cursor = [], None
    while True:
        page = tf.notifications.deliveries(limit=100, cursor=cursor)
        found += [d for d in page.items if d.channel == channel]
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor


def test_a_killed_worker_loses_no_mail_and_no_push(
    tmp_path: Path,
    sql_storage: Any,
    queue_settings: dict[str, str],
    smtp: RecordingSmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On each SQL backend: a SQLite file, or this run's PostgreSQL schema / MariaDB
    database (empty and migrated), shared by this process and the workers; on each
    durable queue."""
    database_url = sql_storage.databases.auth.url.render_as_string(hide_password=False)
    env = _environment(tmp_path, database_url, queue_settings, smtp.port)
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    tf = TaskFlow.from_settings(Settings())  # the same database as the workers
    assert tf.push is not None
    with tf, running_push_service(vapid_public_key=tf.push.public_key) as push:
        push.delay = 0.004  # as slow as the SMTP server: the kill lands mid-batch
        _populate(tf, push)
        log = tmp_path / "worker.log"

        first = _start_worker(env, log)
        try:
            assert _wait_for(lambda: len(smtp.received()) >= 100, 60), log.read_text()
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            first.kill()
        at_kill = len(smtp.received())
        pushed_at_kill = len(push.received)
        assert at_kill < TASKS, "the first worker finished before the kill: no fault tested"
        assert pushed_at_kill < TASKS, "every push went before the kill: no fault tested"

        second = _start_worker(env, log)
        try:

            def all_sent() -> bool:
                mails, pushes = _deliveries(tf, "email"), _deliveries(tf, "push")
                return (
                    len(mails) >= TASKS
                    and len(pushes) >= TASKS
                    and all(d.status == "sent" for d in [*mails, *pushes])
                )

            assert _wait_for(all_sent, 90), log.read_text()
            second.send_signal(signal.SIGTERM)
            assert second.wait(30) == 0, log.read_text()  # a clean stop on SIGTERM
        finally:
            second.kill()

        deliveries = _deliveries(tf, "email")
        received = Counter(str(m["X-Taskflow-Delivery"]) for m in smtp.received())
        expected = {str(d.id) for d in deliveries}
        assert set(received) == expected  # every mail arrived, and nothing else
        pushes = _deliveries(tf, "push")
        pushed = Counter(d.message["id"] for d in push.received)
        assert set(pushed) == {str(d.id) for d in pushes}  # every push too
        assert push.rejected == []  # each one signed (VAPID) and decrypted by its device
        assigned = {
            d.message["data"]["title"] for d in push.received if "title" in d.message["data"]
        }
        assert len(assigned) == TASKS  # and the invites, by push too
        duplicates = {key: count for key, count in (received + pushed).items() if count > 1}
        # One worker sends one message at a time, mail or push: one in flight at the kill.
        assert sum(count - 1 for count in duplicates.values()) <= 1, duplicates
        print(
            f"killed after {at_kill} mails and {pushed_at_kill} pushes; {len(expected)} mails "
            f"and {len(pushed)} pushes sent; duplicates: {duplicates}"
        )
        titles = {
            subject
            for m in smtp.received()
            for subject in [str(m["Subject"])]
            if "task-" in subject
        }
        assert len({t[t.index("task-") : t.index("task-") + 8] for t in titles}) == TASKS


@pytest.fixture
def celery_broker(rabbitmq_url: str, rabbitmq_prefix: str) -> Iterator[dict[str, str]]:
    """The host's variables naming its Celery broker (RabbitMQ) and a queue of this test's
    own, deleted afterwards."""
    yield {"HOST_CELERY_BROKER": rabbitmq_url, "HOST_CELERY_QUEUE": rabbitmq_prefix}
    import pika  # noqa: PLC0415

    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    channel.queue_delete(rabbitmq_prefix)
    channel.exchange_delete(rabbitmq_prefix)  # Celery's default exchange: the queue's name
    connection.close()


@pytest.mark.rabbitmq
def test_a_killed_celery_worker_loses_no_mail(
    tmp_path: Path,
    sql_storage: Any,
    celery_broker: dict[str, str],
    smtp: RecordingSmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same fault with the Celery adapter: taskflow's tasks in the host's Celery
    worker (prefork, embedded beat), broker RabbitMQ; the worker and all its processes
    are killed with SIGKILL mid-batch, then a second worker starts."""
    database_url = sql_storage.databases.auth.url.render_as_string(hide_password=False)
    env = _environment(tmp_path, database_url, {}, smtp.port)
    here = str(Path(__file__).parent)
    env.update(celery_broker, PYTHONPATH=os.pathsep.join([here, *sys.path]))
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    for key, value in env.items():
        if key.startswith(("TASKFLOW_", "DATABASE_", "SMTP_", "JWT_", "REFRESH_")):
            monkeypatch.setenv(key, value)
    tf = TaskFlow.from_settings(Settings())
    log = tmp_path / "celery.log"

    def start_celery() -> subprocess.Popen[bytes]:
        with log.open("ab") as output:
            return subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "celery", "-A", "celery_host", "worker", "--beat"),
                    *("--pool", "prefork", "--concurrency", "1", "--loglevel", "WARNING"),
                    *("--schedule", str(tmp_path / "beat-schedule")),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                env=env,
                cwd=tmp_path,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: the pool and beat too
            )

    with tf:
        _populate(tf)
        first = start_celery()
        try:
            assert _wait_for(lambda: len(smtp.received()) >= 100, 90), log.read_text()
            os.killpg(first.pid, signal.SIGKILL)  # the worker, its pool and its beat
            first.wait(10)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(first.pid, signal.SIGKILL)
            first.wait(10)
        at_kill = len(smtp.received())
        assert at_kill < TASKS, "the first worker finished before the kill: no fault tested"

        second = start_celery()
        try:

            def all_sent() -> bool:
                deliveries = _deliveries(tf, "email")
                return len(deliveries) >= TASKS and all(d.status == "sent" for d in deliveries)

            assert _wait_for(all_sent, 120), log.read_text()
            second.send_signal(signal.SIGTERM)  # a warm shutdown
            assert second.wait(60) == 0, log.read_text()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(second.pid, signal.SIGKILL)
            second.wait(10)

        deliveries = _deliveries(tf, "email")
        received = Counter(str(m["X-Taskflow-Delivery"]) for m in smtp.received())
        assert set(received) == {str(d.id) for d in deliveries}  # all, and nothing else
        duplicates = {key: count for key, count in received.items() if count > 1}
        assert sum(count - 1 for count in duplicates.values()) <= 1, duplicates
        print(f"celery: killed after {at_kill} mails; duplicates: {duplicates}")
