"""The Celery adapter with a whole TaskFlow: a committed assignment becomes a mail through
the host app's own Celery worker (real worker, broker RabbitMQ); the beat schedule the host
merges; a broker that does not answer keeps the events in the outbox. (The consumer's
contract is in tests/contract/test_consumer_contract.py; a worker killed with SIGKILL in
tests/messaging/test_fault_worker_killed.py.)"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pytest
from celery import Celery

from celery_worker import running_celery_worker
from taskflow import TaskFlow
from taskflow.adapters.celery import TaskflowTasks, install
from taskflow.errors import StorageUnavailable
from taskflow.events import INVITE_CREATED
from taskflow.testing import RecordingMailer, make_test_taskflow, one_time_token


def _wait_for(condition: Callable[[], bool], seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _host_app(broker: str, queue: str) -> Celery:
    app = Celery("host", broker=broker, set_as_current=False)
    app.conf.update(
        task_default_queue=queue,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"confirm_publish": True},
        worker_hijack_root_logger=False,
        task_ignore_result=True,
    )
    return app


def _team_with_member(tf: TaskFlow) -> tuple[Any, Any, Any]:
    owner = tf.auth.signup(email="owner@example.com", password="correct horse 1", name="Ali")
    team = tf.teams.create(owner.user.id, name="تیم")
    tf.invites.create(owner.user.id, team.id, email="sara@example.com")
    token = one_time_token(tf, tf.publisher.named(INVITE_CREATED)[-1])  # type: ignore[attr-defined]
    sara = tf.auth.signup(email="sara@example.com", password="correct horse 2", name="Sara")
    tf.invites.accept(sara.user.id, token=token)
    return owner, team, sara


@pytest.fixture
def host(rabbitmq_url: str, rabbitmq_prefix: str) -> Iterator[tuple[TaskFlow, TaskflowTasks]]:
    """A TaskFlow, and its tasks on a host app whose worker runs in this process."""
    tf = make_test_taskflow()
    app = _host_app(rabbitmq_url, rabbitmq_prefix)
    tasks = install(app, lambda: tf)
    with running_celery_worker(app):
        yield tf, tasks
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    channel.queue_delete(rabbitmq_prefix)
    channel.exchange_delete(rabbitmq_prefix)
    connection.close()


@pytest.mark.rabbitmq
@pytest.mark.slow
def test_an_assignment_becomes_a_mail_through_the_hosts_celery_worker(
    host: tuple[TaskFlow, TaskflowTasks],
) -> None:
    tf, tasks = host
    owner, team, sara = _team_with_member(tf)
    disconnect = tasks.connect_wake_up(tf)  # the commit sends relay_outbox: no beat here
    try:
        tf.tasks.create(owner.user.id, team.id, title="<b>گزارش</b>", assignee_id=sara.user.id)
    finally:
        disconnect()
    mailer = tf.mailer
    assert isinstance(mailer, RecordingMailer)
    assert _wait_for(
        lambda: any("گزارش" in str(m["Subject"]) for m in mailer.to("sara@example.com"))
    )
    with tf.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 0
    assert [d.status for d in tf.notifications.deliveries().items if d.channel == "email"]


def test_the_periodic_jobs_run_as_tasks_on_this_process_taskflow() -> None:
    built: list[TaskFlow] = []

    def factory() -> TaskFlow:
        built.append(make_test_taskflow())
        return built[-1]

    app = Celery("host", broker="memory://", set_as_current=False)
    tasks = install(app, factory)
    assert built == []  # built on first use, in the worker process
    assert tasks.due_soon.apply(throw=True).get() == 0  # no task due soon
    assert tasks.deliver_mail.apply(throw=True).get() == 0  # nothing to send
    tasks.purge_expired.apply(throw=True)
    assert tasks.relay_outbox.apply(throw=True).get() == 0  # nothing waiting
    assert len(built) == 1  # one TaskFlow per process
    tasks.close()


def test_the_beat_schedule_the_host_merges() -> None:
    app = Celery("host", broker="memory://", set_as_current=False)
    tasks = install(app, make_test_taskflow, relay_interval=2.0, delivery_interval=10.0)
    schedule = tasks.beat_schedule()
    assert {name: (e["task"], e["schedule"]) for name, e in schedule.items()} == {
        "taskflow.relay-outbox": ("taskflow.relay_outbox", 2.0),
        "taskflow.deliver-mail": ("taskflow.deliver_mail", 10.0),
        "taskflow.due-soon": ("taskflow.due_soon", 900.0),
        "taskflow.purge-expired": ("taskflow.purge_expired", 3600.0),
    }
    # The frequent ones expire: a backlog of them is dropped, not run late one by one.
    assert schedule["taskflow.relay-outbox"]["options"] == {"expires": 10.0}
    assert "options" not in schedule["taskflow.due-soon"]
    assert set(schedule) <= {f"{t}" for t in schedule}
    for entry in schedule.values():
        assert entry["task"] in app.tasks
    # Registered on this app only: another app made later does not get them.
    assert "taskflow.handle_event" not in Celery("other", set_as_current=False).tasks


def test_a_broker_that_does_not_answer_keeps_the_events_in_the_outbox() -> None:
    tf = make_test_taskflow()
    app = Celery("host", broker="amqp://guest:guest@127.0.0.1:1//", set_as_current=False)
    app.conf.update(
        broker_connection_retry_on_startup=False,
        task_publish_retry_policy={"max_retries": 0},
        broker_connection_timeout=1,
    )
    tasks = install(app, lambda: tf)
    _team_with_member(tf)
    with tf.uow_factory() as uow:
        waiting = uow.outbox.count_unpublished()
    assert waiting > 0
    with pytest.raises(StorageUnavailable):
        tasks.relay_outbox.apply(throw=True)
    with tf.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == waiting
