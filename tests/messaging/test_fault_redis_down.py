"""Fault: Redis is down while a task is created. The task is saved, its events wait in
the outbox, and they are delivered once Redis is back (a real redis-server of the test's
own, stopped and started again)."""

from __future__ import annotations

import time

import pytest

from redis_server import RedisServer
from taskflow.adapters.redis import RedisStreamQueue
from taskflow.errors import StorageUnavailable
from taskflow.events import TASK_ASSIGNED, TASK_CREATED
from taskflow.messaging import OutboxRelay
from taskflow.ports.messaging import Message
from taskflow.testing import make_test_taskflow

pytestmark = pytest.mark.redis


def test_events_wait_in_the_outbox_while_redis_is_down(own_redis: RedisServer) -> None:
    tf = make_test_taskflow()
    owner = tf.auth.signup(email="owner@example.com", password="correct horse 1", name="Ali")
    team = tf.teams.create(owner.user.id, name="تیم")
    queue = RedisStreamQueue.from_url(own_redis.url, consumer="w", stream="tf:events")
    relay = OutboxRelay(tf.uow_factory, queue, tf.clock)
    relay.relay_once()  # the sign-up's events: Redis works

    own_redis.stop()
    task = tf.tasks.create(owner.user.id, team.id, title="گزارش", assignee_id=owner.user.id)
    assert tf.tasks.get(owner.user.id, task.id).title == "گزارش"  # the task is saved
    with pytest.raises(StorageUnavailable):
        relay.relay_once()
    with tf.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 2  # task.created and task.assigned wait

    own_redis.start()  # an empty Redis: nothing survived in it, the outbox has it all
    deadline = time.monotonic() + 10
    while True:
        try:
            assert relay.relay_once() == 2
            break
        except StorageUnavailable:  # the client reconnects on the next call
            if time.monotonic() > deadline:
                raise
    received: list[Message] = []
    while len(received) < 2 and time.monotonic() < deadline:
        received += queue.receive(max_messages=10, timeout=0.1)
    assert {m.event.name for m in received} == {TASK_CREATED, TASK_ASSIGNED}
    assert {m.event.payload["task_id"] for m in received} == {str(task.id)}
    with tf.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 0
    queue.close()
