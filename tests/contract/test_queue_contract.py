"""The Queue port's contract, on every queue: the in-process one, Redis Streams and
RabbitMQ.
Delivery in order, acknowledgement, retries with the next attempt after a delay, dead
letters after the last attempt and their replay, release at shutdown. (Redis-only
behaviour, consumer groups, reclaiming a dead consumer's messages, the streams' contents,
is in tests/messaging/test_redis_queue.py; RabbitMQ's in tests/messaging/test_rabbitmq_queue.py.)"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest

from ports_under_test import receive
from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.domain.models import Event
from taskflow.events import TASK_ASSIGNED, make_event
from taskflow.ports.messaging import Queue

NOW = datetime(2024, 2, 1, tzinfo=UTC)


class RepairableQueue(Queue, Protocol):
    def replay_dead_letters(self) -> int:
        """Deliver the dead letters again, from a first attempt; returns how many."""


MakeQueue = Callable[..., RepairableQueue]
"""``make_queue(consumer="w", *, max_attempts=5, retry_delay=1.0)``: a consumer of the
queue under test; every consumer of one test shares the same messages."""


@pytest.fixture(
    params=[
        pytest.param("in_process", id="in_process"),
        pytest.param("redis", marks=pytest.mark.redis, id="redis"),
        pytest.param("rabbitmq", marks=pytest.mark.rabbitmq, id="rabbitmq"),
    ]
)
def make_queue(request: pytest.FixtureRequest) -> Iterator[MakeQueue]:
    made: list[RepairableQueue] = []
    if request.param == "in_process":

        def in_process(consumer: str = "w", **options: Any) -> RepairableQueue:
            del consumer  # one process: its consumers share the one queue
            if not made:
                made.append(InProcessQueue(**options))
            return made[0]

        yield in_process
    elif request.param == "rabbitmq":
        from taskflow.adapters.rabbitmq import RabbitMQQueue  # noqa: PLC0415

        url: str = request.getfixturevalue("rabbitmq_url")
        name: str = request.getfixturevalue("rabbitmq_prefix")

        def on_rabbitmq(consumer: str = "w", **options: Any) -> RepairableQueue:
            del consumer  # each queue object is a consumer of its own
            queue = RabbitMQQueue(url, queue=name, **options)
            made.append(queue)
            return queue

        yield on_rabbitmq
        for queue in made:  # the test's queues and exchanges (each knows its retry queues)
            queue.delete()
    else:
        from taskflow.adapters.redis import RedisStreamQueue  # noqa: PLC0415

        client = request.getfixturevalue("redis_client")
        prefix: str = request.getfixturevalue("redis_prefix")

        def on_redis(consumer: str = "w", **options: Any) -> RepairableQueue:
            options.setdefault("reclaim_interval", 0.01)  # retries are reclaimed: look often
            queue = RedisStreamQueue(client, stream=f"{prefix}events", consumer=consumer, **options)
            made.append(queue)
            return queue

        yield on_redis
    for queue in made:
        queue.close()


def _event(n: int = 0) -> Event:
    return make_event(TASK_ASSIGNED, {"task_id": f"t{n}", "title": "تسک <b>"}, NOW)


def test_published_events_arrive_whole_in_order_and_stay_away_once_acknowledged(
    make_queue: MakeQueue,
) -> None:
    queue = make_queue()
    events = [_event(n) for n in range(3)]
    queue.publish(events)
    messages = receive(queue, 3)
    assert [m.event for m in messages] == events
    assert [m.attempt for m in messages] == [1, 1, 1]
    queue.ack(messages[0])
    queue.ack_many(messages[1:])
    queue.ack_many([])
    assert queue.receive(max_messages=3, timeout=0.05) == []
    # A queue that is not durable says which events reached a final state (the relay
    # marks their outbox rows then); a durable one had them marked on publish.
    assert queue.drain_settled() == ([] if queue.durable else [e.id for e in events])
    assert queue.drain_settled() == []


def test_receive_gives_up_after_its_timeout(make_queue: MakeQueue) -> None:
    queue = make_queue()
    started = time.monotonic()
    assert queue.receive(max_messages=1, timeout=0.05) == []
    assert 0.04 <= time.monotonic() - started < 1.0


def test_receive_wakes_up_when_a_message_is_published(make_queue: MakeQueue) -> None:
    consumer, publisher = make_queue("worker"), make_queue("relay")
    consumer.receive(max_messages=1, timeout=0.01)  # ready (a Redis group exists)
    event = _event()
    timer = threading.Timer(0.05, publisher.publish, args=([event],))
    timer.start()
    started = time.monotonic()
    messages = consumer.receive(max_messages=1, timeout=5)
    timer.join()
    assert [m.event for m in messages] == [event]
    assert time.monotonic() - started < 4


def test_a_retried_message_comes_back_after_a_delay_with_the_next_attempt(
    make_queue: MakeQueue,
) -> None:
    queue = make_queue(retry_delay=0.3)
    queue.publish([_event()])
    (first,) = receive(queue, 1)
    queue.retry(first, "SMTP 451")
    assert queue.receive(max_messages=1, timeout=0.01) == []  # not before the delay
    (second,) = receive(queue, 1)
    assert second.event == first.event
    assert second.attempt == 2
    assert queue.drain_settled() == []  # not final


def test_after_the_last_attempt_a_message_is_a_dead_letter_until_replayed(
    make_queue: MakeQueue,
) -> None:
    queue = make_queue(max_attempts=2, retry_delay=0.01)
    poison, healthy = _event(1), _event(2)
    queue.publish([poison])
    for attempt in (1, 2):
        (message,) = receive(queue, 1)
        assert (message.event, message.attempt) == (poison, attempt)
        queue.retry(message, f"boom {attempt}")
    queue.publish([healthy])
    (next_message,) = receive(queue, 1)
    assert next_message.event == healthy  # the poison one no longer blocks anything
    queue.ack(next_message)
    assert queue.receive(max_messages=1, timeout=0.05) == []
    # Final too: a queue that is not durable reports it settled.
    assert queue.drain_settled() == ([] if queue.durable else [poison.id, healthy.id])
    assert queue.replay_dead_letters() == 1
    (again,) = receive(queue, 1)
    assert (again.event, again.attempt) == (poison, 1)


def test_a_released_message_is_delivered_next_with_the_same_attempt(
    make_queue: MakeQueue,
) -> None:
    stopping = make_queue("stopping")
    other = make_queue("other")
    event = _event()
    stopping.publish([event])
    (message,) = receive(stopping, 1)
    stopping.release(message)
    (taken,) = receive(other, 1)
    assert taken.event == event
    assert taken.attempt == 1


def _depth_follows_the_messages(queue: RepairableQueue) -> None:
    assert queue.depth() == 0
    queue.publish([_event(n) for n in range(4)])
    assert queue.depth() == 4  # waiting
    first, second, third = receive(queue, 3)
    assert queue.depth() == 4  # in a consumer's hands: not done yet
    queue.ack(first)
    assert queue.depth() == 3
    queue.retry(second, "SMTP 451")  # waits for its retry: still to do
    queue.release(third)
    assert queue.depth() == 3
    rest = receive(queue, 3)
    queue.ack_many(rest)
    assert queue.depth() == 0


def test_depth_counts_what_is_published_and_not_settled(
    make_queue: MakeQueue, request: pytest.FixtureRequest
) -> None:
    queue = make_queue(retry_delay=0.01, max_attempts=2)
    _depth_follows_the_messages(queue)
    # A dead letter is out of the backlog (it waits for an operator, not a worker).
    queue.publish([_event(9)])
    for _attempt in (1, 2):
        (message,) = receive(queue, 1)
        queue.retry(message, "boom")
    assert queue.depth() == 0
    if _backend(request) == "redis":  # keeping acknowledged entries: lag + pending
        _depth_follows_the_messages(
            make_queue("keeper", retry_delay=0.01, delete_acknowledged=False)
        )


def test_depth_is_one_number_for_every_consumer(
    make_queue: MakeQueue, request: pytest.FixtureRequest
) -> None:
    relay, worker = make_queue("relay"), make_queue("worker")
    relay.publish([_event(n) for n in range(2)])
    receive(worker, 1)
    if _backend(request) == "redis":  # another process's view (in-process has no other)
        assert relay.depth() == 2
    elif _backend(request) == "rabbitmq":
        # AMQP shows other consumers only the ready messages: the worker prefetched both.
        assert relay.depth() == 0
    assert worker.depth() == 2


def _backend(request: pytest.FixtureRequest) -> str:
    return str(request.node.callspec.params["make_queue"])
