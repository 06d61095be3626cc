"""The Redis Streams queue against the real Redis, what only it does: the stream and its
consumer group, reclaim of a dead consumer's messages, the dead letter stream. (What every
queue does is in tests/contract/test_queue_contract.py.)"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from ports_under_test import receive
from taskflow.adapters.redis import RedisStreamQueue
from taskflow.domain.models import Event
from taskflow.errors import StorageUnavailable
from taskflow.events import TASK_ASSIGNED, make_event

pytestmark = pytest.mark.redis

REDIS_URL = os.environ.get("TASKFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def _queue(client: Any, prefix: str, consumer: str, **options: Any) -> RedisStreamQueue:
    return RedisStreamQueue(client, stream=f"{prefix}events", consumer=consumer, **options)


def _event(n: int = 0) -> Event:
    return make_event(TASK_ASSIGNED, {"task_id": f"t{n}", "title": "تسک <b>"}, NOW)


def test_a_published_event_arrives_whole_and_ack_removes_it(
    redis_client: Any, redis_prefix: str
) -> None:
    queue = _queue(redis_client, redis_prefix, "a")
    event = _event()
    queue.publish([event])
    (message,) = receive(queue, 1)
    assert message.event == event
    assert message.attempt == 1
    assert queue.pending_count() == 1
    queue.ack(message)
    assert queue.pending_count() == 0
    assert redis_client.xlen(queue.stream) == 0
    assert queue.receive(max_messages=1, timeout=0.01) == []


def test_events_published_before_any_consumer_are_not_lost(
    redis_client: Any, redis_prefix: str
) -> None:
    publisher = _queue(redis_client, redis_prefix, "relay")
    events = [_event(n) for n in range(3)]
    publisher.publish(events)  # the consumer group does not exist yet
    consumer = _queue(redis_client, redis_prefix, "worker")
    assert [m.event for m in receive(consumer, 3)] == events


def test_each_message_goes_to_one_consumer_of_the_group(
    redis_client: Any, redis_prefix: str
) -> None:
    first = _queue(redis_client, redis_prefix, "w1")
    second = _queue(redis_client, redis_prefix, "w2")
    first.publish([_event(n) for n in range(10)])
    got_first = first.receive(max_messages=4, timeout=0.1)
    got_second = receive(second, 6)
    ids = [m.event.id for m in got_first + got_second]
    assert len(ids) == len(set(ids)) == 10


def test_a_dead_consumers_message_is_reclaimed_after_the_visibility_timeout(
    redis_client: Any, redis_prefix: str
) -> None:
    options = {"visibility_timeout": 0.3, "reclaim_interval": 0.05}
    dead = _queue(redis_client, redis_prefix, "dead", **options)
    alive = _queue(redis_client, redis_prefix, "alive", **options)
    event = _event()
    dead.publish([event])
    assert len(receive(dead, 1)) == 1  # ...and the worker dies without an ack
    assert alive.receive(max_messages=1, timeout=0.05) == []  # not before the timeout
    (message,) = receive(alive, 1, seconds=5)
    assert message.event == event
    assert message.attempt == 2
    alive.ack(message)
    assert alive.pending_count() == 0


def test_a_dead_letter_keeps_the_event_its_last_error_and_attempts_in_its_stream(
    redis_client: Any, redis_prefix: str
) -> None:
    options = {"max_attempts": 2, "retry_delay": 0.01, "reclaim_interval": 0.01}
    queue = _queue(redis_client, redis_prefix, "w", **options)
    event = _event(1)
    queue.publish([event])
    for attempt in (1, 2):
        (message,) = receive(queue, 1)
        queue.retry(message, f"boom {attempt}")
    assert queue.receive(max_messages=1, timeout=0.05) == []
    ((_, dead_event, error, attempts),) = queue.dead_letters()
    assert (dead_event, error, attempts) == (event, "boom 2", 2)
    assert queue.pending_count() == 0
    assert queue.replay_dead_letters() == 1
    assert queue.dead_letters() == []


def test_a_message_that_kills_every_consumer_is_dead_lettered(
    redis_client: Any, redis_prefix: str
) -> None:
    options = {"visibility_timeout": 0.05, "reclaim_interval": 0.01, "max_attempts": 2}
    event = _event()
    _queue(redis_client, redis_prefix, "w0", **options).publish([event])
    for n in range(2):  # two consumers take it and die without a word
        assert len(receive(_queue(redis_client, redis_prefix, f"w{n}", **options), 1)) == 1
        time.sleep(0.1)
    survivor = _queue(redis_client, redis_prefix, "w-last", **options)
    assert survivor.receive(max_messages=1, timeout=0.05) == []
    ((_, dead_event, error, attempts),) = survivor.dead_letters()
    assert dead_event == event
    assert attempts == 2
    assert "not acknowledged" in error


def test_an_undecodable_message_is_dead_lettered_not_retried(
    redis_client: Any, redis_prefix: str
) -> None:
    queue = _queue(redis_client, redis_prefix, "w")
    redis_client.xadd(queue.stream, {"event": "{not json"})
    assert queue.receive(max_messages=1, timeout=0.1) == []
    ((_, dead_event, error, _),) = queue.dead_letters()
    assert dead_event is None
    assert error.startswith("undecodable")
    assert queue.pending_count() == 0


def test_an_unreachable_redis_is_a_storage_error() -> None:
    queue = RedisStreamQueue.from_url("redis://127.0.0.1:1/0", consumer="x")
    with pytest.raises(StorageUnavailable):
        queue.publish([_event()])
    with pytest.raises(StorageUnavailable):
        queue.receive(max_messages=1, timeout=0.01)
    queue.close()


def test_a_batch_is_acknowledged_in_one_call(redis_client: Any, redis_prefix: str) -> None:
    queue = _queue(redis_client, redis_prefix, "w")
    queue.publish([_event(n) for n in range(3)])
    messages = receive(queue, 3)
    queue.ack_many(messages[:2])
    assert queue.pending_count() == 1
    assert redis_client.xlen(queue.stream) == 1
    queue.ack_many([])
    queue.ack_many(messages[2:])
    assert queue.pending_count() == 0


def test_a_closing_consumer_leaves_the_group_unless_it_holds_messages(
    redis_client: Any, redis_prefix: str
) -> None:
    holder = _queue(redis_client.__class__.from_url(REDIS_URL), redis_prefix, "holder")
    empty = _queue(redis_client.__class__.from_url(REDIS_URL), redis_prefix, "empty")
    holder.publish([_event(1), _event(2)])
    assert len(holder.receive(max_messages=1, timeout=1)) == 1  # never acknowledged
    empty.ack_many(empty.receive(max_messages=1, timeout=1))  # done: holds nothing

    def consumers() -> set[str]:
        return {
            c["name"].decode() for c in redis_client.xinfo_consumers(holder.stream, holder.group)
        }

    assert consumers() == {"holder", "empty"}
    empty.close()
    holder.close()  # its message would be lost if it left: it stays
    assert consumers() == {"holder"}
