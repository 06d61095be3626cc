"""The in-process queue: delivery, retries with backoff, dead letters, release."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.events import TASK_CREATED, make_event

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def test_published_events_are_received_in_order_and_settle_on_ack() -> None:
    queue = InProcessQueue()
    events = [make_event(TASK_CREATED, {"n": n}, NOW) for n in range(3)]
    queue.publish(events)
    messages = queue.receive(max_messages=10, timeout=0)
    assert [m.event for m in messages] == events
    assert all(m.attempt == 1 for m in messages)
    assert queue.drain_settled() == []
    for message in messages:
        queue.ack(message)
    assert queue.drain_settled() == [e.id for e in events]
    assert queue.drain_settled() == []


def test_receive_gives_up_after_its_timeout() -> None:
    queue = InProcessQueue()
    started = time.monotonic()
    assert queue.receive(max_messages=1, timeout=0.05) == []
    assert 0.04 <= time.monotonic() - started < 1.0


def test_receive_wakes_up_when_a_message_is_published() -> None:
    queue = InProcessQueue()
    event = make_event(TASK_CREATED, {}, NOW)
    threading.Timer(0.05, queue.publish, args=([event],)).start()
    messages = queue.receive(max_messages=1, timeout=5)
    assert [m.event for m in messages] == [event]


def test_a_failed_message_comes_back_after_a_delay_with_the_next_attempt() -> None:
    queue = InProcessQueue(retry_delay=0.05)
    queue.publish([make_event(TASK_CREATED, {}, NOW)])
    (first,) = queue.receive(max_messages=1, timeout=0)
    queue.retry(first, "boom")
    assert queue.receive(max_messages=1, timeout=0) == []  # not before the delay
    (second,) = queue.receive(max_messages=1, timeout=2)
    assert second.event == first.event
    assert second.attempt == 2
    assert queue.drain_settled() == []


def test_after_the_last_attempt_the_message_is_a_dead_letter() -> None:
    queue = InProcessQueue(max_attempts=2, retry_delay=0.01)
    event = make_event(TASK_CREATED, {}, NOW)
    queue.publish([event])
    for _ in range(2):
        (message,) = queue.receive(max_messages=1, timeout=2)
        queue.retry(message, "still broken")
    assert queue.receive(max_messages=1, timeout=0.05) == []
    (dead,) = queue.dead_letters
    assert dead.message.event == event
    assert dead.error == "still broken"
    assert queue.drain_settled() == [event.id]  # final: its outbox row may be marked
    assert queue.replay_dead_letters() == 1
    (again,) = queue.receive(max_messages=1, timeout=0)
    assert again.event == event
    assert again.attempt == 1


def test_a_released_message_is_delivered_next_with_the_same_attempt() -> None:
    queue = InProcessQueue()
    first, second = make_event(TASK_CREATED, {}, NOW), make_event(TASK_CREATED, {}, NOW)
    queue.publish([first, second])
    messages = queue.receive(max_messages=2, timeout=0)
    queue.release(messages[1])
    queue.release(messages[0])
    assert queue.receive(max_messages=2, timeout=0) == messages
