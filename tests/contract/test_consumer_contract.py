"""The event consumer's contract, on every way taskflow runs its consumers: the worker's
``EventConsumer`` (on the in-process queue and on RabbitMQ), and the Celery adapter's
``handle_event`` task in a real Celery worker (broker: RabbitMQ).

Every event reaches the handler and is acknowledged once handled (never handled again);
a handler that raises gets the event again after a backoff, and after the last attempt
the event is a dead letter with its last error; events the handler does not want are
acknowledged without it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

import pytest

from celery_worker import running_celery_worker
from taskflow.domain.models import Event
from taskflow.events import TASK_ASSIGNED, TASK_CREATED, make_event
from taskflow.messaging import EventConsumer, EventHandler

NOW = datetime(2024, 2, 1, tzinfo=UTC)
WANTED = frozenset({TASK_ASSIGNED})


class ConsumerUnderTest(Protocol):
    def start(self, handler: EventHandler, *, max_attempts: int) -> None:
        """Consume with ``handler`` (wanting only ``WANTED``), retries 10 ms apart."""

    def publish(self, events: list[Event]) -> None: ...

    def dead_letters(self) -> list[tuple[Event | None, str, int]]:
        """``(event, last error, attempts)`` of each dead letter."""


class _QueueConsumer:
    """``EventConsumer.run`` in a thread, on a ``Queue``."""

    def __init__(self, make_queue: Callable[..., Any], dead: Callable[[Any], list[Any]]) -> None:
        self._make_queue = make_queue
        self._dead = dead
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.queue: Any = None

    def start(self, handler: EventHandler, *, max_attempts: int) -> None:
        self.queue = self._make_queue(max_attempts=max_attempts, retry_delay=0.01)
        consumer = EventConsumer(self.queue, handler, receive_timeout=0.1, event_names=WANTED)
        self._thread = threading.Thread(target=consumer.run, args=(self._stop,))
        self._thread.start()

    def publish(self, events: list[Event]) -> None:
        self.queue.publish(events)

    def dead_letters(self) -> list[tuple[Event | None, str, int]]:
        return self._dead(self.queue)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        if self.queue is not None:
            self.queue.close()


class _CeleryConsumer:
    """The Celery adapter's tasks in a real Celery worker (solo pool, in a thread)."""

    def __init__(self, broker_url: str, queue_name: str) -> None:
        from celery import Celery  # noqa: PLC0415

        self.app = Celery("taskflow-contract", broker=broker_url, set_as_current=False)
        self.app.conf.update(
            task_default_queue=queue_name,
            broker_connection_retry_on_startup=True,
            broker_transport_options={"confirm_publish": True},
            worker_hijack_root_logger=False,
            task_ignore_result=True,
        )
        self._dead: list[tuple[Event | None, str, int]] = []
        self._worker: Any = None
        self.tasks: Any = None
        self._logging = _logging_state()

    def start(self, handler: EventHandler, *, max_attempts: int) -> None:
        from taskflow.adapters.celery import install  # noqa: PLC0415

        def no_taskflow() -> Any:
            raise AssertionError("the consumer needs no TaskFlow when given a handler")

        self.tasks = install(
            self.app,
            no_taskflow,
            max_attempts=max_attempts,
            retry_delay=0.01,
            event_names=WANTED,
            handler=handler,
            on_dead_letter=lambda event, error, attempts: self._dead.append(
                (event, error, attempts)
            ),
        )
        self._worker = running_celery_worker(self.app)
        self._worker.__enter__()

    def publish(self, events: list[Event]) -> None:
        self.tasks.publisher.publish(events)

    def dead_letters(self) -> list[tuple[Event | None, str, int]]:
        return list(self._dead)

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.__exit__(None, None, None)
        # Celery's worker set up logging for the process (the root logger's level, at
        # least): the tests after this one must find it as it was.
        _restore_logging(self._logging)


def _logging_state() -> dict[str, tuple[int, bool, bool]]:
    loggers = {name: logging.getLogger(name) for name in list(logging.root.manager.loggerDict)}
    state = {name: (lg.level, lg.disabled, lg.propagate) for name, lg in loggers.items()}
    state[""] = (logging.root.level, logging.root.disabled, logging.root.propagate)
    return state


def _restore_logging(state: dict[str, tuple[int, bool, bool]]) -> None:
    for name, (level, disabled, propagate) in state.items():
        logger = logging.getLogger(name) if name else logging.root
        logger.setLevel(level)
        logger.disabled = disabled
        logger.propagate = propagate


@pytest.fixture(
    params=[
        pytest.param("in_process", id="in_process"),
        pytest.param("rabbitmq", marks=pytest.mark.rabbitmq, id="rabbitmq"),
        pytest.param("celery", marks=[pytest.mark.rabbitmq, pytest.mark.slow], id="celery"),
    ]
)
def consumer(request: pytest.FixtureRequest) -> Iterator[ConsumerUnderTest]:
    if request.param == "in_process":
        from taskflow.adapters.memory.queue import InProcessQueue  # noqa: PLC0415

        in_process = _QueueConsumer(
            InProcessQueue,
            lambda queue: [
                (d.message.event, d.error, d.message.attempt) for d in queue.dead_letters
            ],
        )
        yield in_process
        in_process.stop()
        return
    url: str = request.getfixturevalue("rabbitmq_url")
    name: str = request.getfixturevalue("rabbitmq_prefix")
    if request.param == "rabbitmq":
        from taskflow.adapters.rabbitmq import RabbitMQQueue  # noqa: PLC0415

        on_rabbitmq = _QueueConsumer(
            lambda **options: RabbitMQQueue(url, queue=name, **options),
            lambda queue: queue.dead_letters(),
        )
        yield on_rabbitmq
        on_rabbitmq.stop()
        on_rabbitmq.queue.delete()  # with the retry queues it used
        return
    on_celery = _CeleryConsumer(url, name)
    yield on_celery
    on_celery.stop()
    _delete_celery_queue(url, name)


def _delete_celery_queue(url: str, name: str) -> None:
    import pika  # noqa: PLC0415

    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.queue_delete(name)
    channel.exchange_delete(name)
    connection.close()


def _event(n: int = 0, name: str = TASK_ASSIGNED) -> Event:
    return make_event(name, {"task_id": f"t{n}", "title": "تسک"}, NOW)


def _wait_for(condition: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class _Recorder:
    def __init__(self, fail: Callable[[Event, int], bool] | None = None) -> None:
        self.calls: list[Event] = []
        self._fail = fail
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self.calls.append(event)
            call = sum(1 for e in self.calls if e.id == event.id)
        if self._fail is not None and self._fail(event, call):
            raise ConnectionError(f"database down (call {call})")

    def count(self, event: Event) -> int:
        with self._lock:
            return sum(1 for e in self.calls if e.id == event.id)


def test_every_event_is_handled_and_once_handled_never_again(
    consumer: ConsumerUnderTest,
) -> None:
    handler = _Recorder()
    consumer.start(handler, max_attempts=3)
    events = [_event(n) for n in range(5)]
    consumer.publish(events)
    assert _wait_for(lambda: all(handler.count(e) >= 1 for e in events))
    time.sleep(0.5)  # acknowledged: nothing comes again
    assert sorted(e.id for e in handler.calls) == sorted(e.id for e in events)
    assert consumer.dead_letters() == []


def test_a_failing_handler_gets_the_event_again_then_it_is_a_dead_letter(
    consumer: ConsumerUnderTest,
) -> None:
    poison, healthy = _event(1), _event(2)
    handler = _Recorder(fail=lambda event, _call: event.id == poison.id)
    consumer.start(handler, max_attempts=3)
    consumer.publish([poison, healthy])
    assert _wait_for(lambda: len(consumer.dead_letters()) == 1)
    ((event, error, attempts),) = consumer.dead_letters()
    assert (event, attempts) == (poison, 3)
    assert error == "ConnectionError: database down (call 3)"
    time.sleep(0.3)  # a dead letter is final
    assert handler.count(poison) == 3
    assert handler.count(healthy) == 1  # the poison one blocked nothing


def test_a_handler_that_fails_once_succeeds_on_the_retry(consumer: ConsumerUnderTest) -> None:
    event = _event()
    handler = _Recorder(fail=lambda _event, call: call == 1)
    consumer.start(handler, max_attempts=3)
    consumer.publish([event])
    assert _wait_for(lambda: handler.count(event) == 2)
    time.sleep(0.3)
    assert handler.count(event) == 2
    assert consumer.dead_letters() == []


def test_events_the_handler_does_not_want_are_acknowledged_without_it(
    consumer: ConsumerUnderTest,
) -> None:
    unwanted, wanted = _event(1, TASK_CREATED), _event(2)
    handler = _Recorder()
    consumer.start(handler, max_attempts=3)
    consumer.publish([unwanted, wanted])
    assert _wait_for(lambda: handler.count(wanted) == 1)
    time.sleep(0.3)
    assert handler.calls == [wanted]
