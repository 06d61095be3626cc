"""The consumer: ack after the handler returned, retry when it raised, and at a stop
finish the message in hand and give back the rest of the batch."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.domain.models import Event
from taskflow.events import TASK_ASSIGNED, TASK_CREATED, make_event
from taskflow.messaging import EventConsumer

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def test_a_handled_message_is_acknowledged() -> None:
    queue, handled = InProcessQueue(), list[Event]()
    event = make_event(TASK_CREATED, {}, NOW)
    queue.publish([event])
    assert EventConsumer(queue, handled.append, receive_timeout=0).consume_once() == 1
    assert handled == [event]
    assert queue.drain_settled() == [event.id]


def test_a_failing_handler_gets_the_message_again_then_it_is_dead() -> None:
    queue = InProcessQueue(max_attempts=3, retry_delay=0.01)
    event = make_event(TASK_CREATED, {}, NOW)
    queue.publish([event])
    attempts: list[Event] = []

    def broken(event: Event) -> None:
        attempts.append(event)
        raise ConnectionError("database down")

    consumer = EventConsumer(queue, broken, receive_timeout=1)
    for _ in range(3):
        consumer.consume_once()
    assert attempts == [event] * 3
    (dead,) = queue.dead_letters
    assert dead.error == "ConnectionError: database down"
    assert dead.message.attempt == 3


def test_a_handler_that_fails_once_succeeds_on_the_retry() -> None:
    queue = InProcessQueue(retry_delay=0.01)
    event = make_event(TASK_CREATED, {}, NOW)
    queue.publish([event])
    calls: list[int] = []

    def flaky(event: Event) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise TimeoutError

    consumer = EventConsumer(queue, flaky, receive_timeout=1)
    consumer.consume_once()
    assert queue.drain_settled() == []
    consumer.consume_once()
    assert queue.drain_settled() == [event.id]
    assert queue.dead_letters == []


def test_a_stop_finishes_the_message_in_hand_and_gives_back_the_rest() -> None:
    queue = InProcessQueue()
    events = [make_event(TASK_CREATED, {"n": n}, NOW) for n in range(3)]
    queue.publish(events)
    stop = threading.Event()
    handled: list[Event] = []

    def handle_then_stop(event: Event) -> None:
        handled.append(event)
        stop.set()  # SIGTERM arrives while the first message is being handled

    consumer = EventConsumer(queue, handle_then_stop, batch_size=3, receive_timeout=0)
    assert consumer.consume_once(stop) == 1
    assert handled == events[:1]
    assert queue.drain_settled() == [events[0].id]
    assert [m.event for m in queue.receive(max_messages=10, timeout=0)] == events[1:]


def test_events_the_handler_does_not_want_are_acknowledged_without_it() -> None:
    queue, handled = InProcessQueue(), list[Event]()
    wanted = make_event(TASK_ASSIGNED, {}, NOW)
    unwanted = make_event(TASK_CREATED, {}, NOW)
    queue.publish([unwanted, wanted])
    consumer = EventConsumer(queue, handled.append, receive_timeout=0, event_names={TASK_ASSIGNED})
    assert consumer.consume_once() == 2
    assert handled == [wanted]
    assert queue.drain_settled() == [unwanted.id, wanted.id]
