"""RabbitMQ-only behaviour of ``RabbitMQQueue`` on the real broker (the Queue contract is
in tests/contract/test_queue_contract.py): the quorum queue and its arguments, a dead
consumer's messages back at once, the broker's delivery limit, publisher confirms,
prefetch, the dead letters and the settings that pick the queue."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pika
import pytest

from ports_under_test import receive
from taskflow.adapters.rabbitmq import RabbitMQQueue
from taskflow.adapters.rabbitmq.queue import ERROR
from taskflow.bootstrap import build_queue
from taskflow.domain.models import Event
from taskflow.errors import ConfigurationError, StorageUnavailable
from taskflow.events import TASK_ASSIGNED, make_event
from taskflow.settings import Settings, env_name

pytestmark = pytest.mark.rabbitmq

NOW = datetime(2024, 2, 1, tzinfo=UTC)
MakeQueue = Callable[..., RabbitMQQueue]


@pytest.fixture
def make_queue(rabbitmq_url: str, rabbitmq_prefix: str) -> Iterator[MakeQueue]:
    made: list[RabbitMQQueue] = []

    def make(**options: Any) -> RabbitMQQueue:
        queue = RabbitMQQueue(rabbitmq_url, queue=rabbitmq_prefix, **options)
        made.append(queue)
        return queue

    yield make
    for queue in made:  # each knows the retry queues of its own delays
        queue.delete()


@pytest.fixture
def channel(rabbitmq_url: str) -> Iterator[Any]:
    """A plain pika channel, to look at the broker from outside."""
    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    yield connection.channel()
    connection.close()


def _event(n: int = 0) -> Event:
    return make_event(TASK_ASSIGNED, {"task_id": f"t{n}", "title": "تسک"}, NOW)


def _eventually(condition: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def _crash(queue: RabbitMQQueue) -> None:
    """What the broker sees of a consumer killed with SIGKILL: its connection drops."""
    connection = queue._consumer.connection
    connection._impl._transport._sock.shutdown(socket.SHUT_RDWR)
    with pytest.raises(pika.exceptions.AMQPConnectionError):
        connection.process_data_events(time_limit=1)  # pika notices, and cleans up
    queue._consumer.reset()


def test_the_queue_is_a_durable_quorum_queue_with_a_delivery_limit_and_dead_letters(
    make_queue: MakeQueue, channel: Any
) -> None:
    queue = make_queue(max_attempts=4)
    queue.publish([_event()])
    # Declaring a queue again succeeds only with the arguments it has: these.
    declared = channel.queue_declare(
        queue.queue,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": 3,
            "x-dead-letter-exchange": queue.dead_letter_exchange,
            "x-dead-letter-routing-key": queue.queue,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )
    assert declared.method.message_count == 1
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        channel.queue_declare(queue.queue, durable=True, arguments={"x-queue-type": "classic"})
    assert refused.value.reply_code == 406


def test_another_max_attempts_on_the_same_queue_is_a_configuration_error(
    make_queue: MakeQueue,
) -> None:
    make_queue(max_attempts=5).publish([_event()])
    with pytest.raises(ConfigurationError, match="max_attempts"):
        make_queue(max_attempts=3).publish([_event()])


def test_a_dead_consumers_messages_come_back_at_once_with_the_next_attempt(
    make_queue: MakeQueue,
) -> None:
    relay, dying, survivor = make_queue(), make_queue(), make_queue()
    events = [_event(n) for n in range(3)]
    relay.publish(events)
    held = receive(dying, 3)
    assert [m.event for m in held] == events
    _crash(dying)
    again = receive(survivor, 3)
    assert sorted((m.event.id, m.attempt) for m in again) == sorted((e.id, 2) for e in events)
    survivor.ack_many(again)
    assert survivor.receive(max_messages=1, timeout=0.1) == []


def test_a_message_that_kills_every_consumer_is_dead_lettered_by_the_broker(
    make_queue: MakeQueue,
) -> None:
    relay = make_queue(max_attempts=3)
    poison, healthy = _event(1), _event(2)
    relay.publish([poison])
    for attempt in (1, 2, 3):
        consumer = make_queue(max_attempts=3)
        (message,) = receive(consumer, 1)
        assert (message.event, message.attempt) == (poison, attempt)
        _crash(consumer)
    relay.publish([healthy])
    last = make_queue(max_attempts=3)
    (message,) = receive(last, 1)
    assert message.event == healthy
    last.ack(message)
    # The broker moves it to the dead letters on its own time (at least once).
    assert _eventually(lambda: relay.dead_letter_count() == 1)
    ((event, error, attempts),) = relay.dead_letters()
    assert (event, attempts) == (poison, 3)
    assert "delivered too many times" in error
    assert _eventually(lambda: relay.dead_letter_count() == 1)  # reading left it there


def test_a_retried_copy_whose_consumers_die_is_still_bounded_by_max_attempts(
    make_queue: MakeQueue,
) -> None:
    relay = make_queue(max_attempts=3, retry_delay=0.01)
    relay.publish([_event()])
    first = make_queue(max_attempts=3, retry_delay=0.01)
    (message,) = receive(first, 1)
    first.retry(message, "SMTP 451")  # a copy, whose broker count starts again
    first.close()  # or the copy may come back to it
    for attempt in (2, 3):
        consumer = make_queue(max_attempts=3, retry_delay=0.01)
        (message,) = receive(consumer, 1)
        assert message.attempt == attempt
        _crash(consumer)
    late = make_queue(max_attempts=3, retry_delay=0.01)

    def dead_lettered() -> bool:  # the broker hands it back when it noticed the crash
        assert late.receive(max_messages=1, timeout=0.1) == []  # never as a 4th attempt
        return relay.dead_letter_count() == 1

    assert _eventually(dead_lettered)
    ((_, error, attempts),) = relay.dead_letters()
    assert (attempts, error) == (3, "not acknowledged in time (consumer died?)")


def test_a_dead_letter_keeps_its_last_error(make_queue: MakeQueue, channel: Any) -> None:
    queue = make_queue(max_attempts=1)
    queue.publish([_event()])
    (message,) = receive(queue, 1)
    queue.retry(message, "SMTPDataError: 554 refused")
    method, properties, _body = channel.basic_get(queue.dead_letter_queue)
    assert properties.headers[ERROR] == "SMTPDataError: 554 refused"
    channel.basic_nack(method.delivery_tag, requeue=True)
    letters: list[Any] = []

    def read() -> bool:
        letters.extend(queue.dead_letters())
        return bool(letters)

    assert _eventually(read)
    ((_, error, attempts),) = letters
    assert (error, attempts) == ("SMTPDataError: 554 refused", 1)


def test_an_undecodable_message_is_dead_lettered_not_retried(
    make_queue: MakeQueue, channel: Any
) -> None:
    queue = make_queue()
    queue.publish([_event()])  # declares the queue
    channel.basic_publish(queue.exchange, queue.queue, b"not json")
    (message,) = receive(queue, 1)
    queue.ack(message)
    assert queue.receive(max_messages=1, timeout=0.2) == []
    assert _eventually(lambda: queue.dead_letter_count() == 1)  # moved by the broker
    ((event, error, _attempts),) = queue.dead_letters()
    assert event is None
    assert error == "dead-lettered by RabbitMQ: rejected"


def test_a_consumer_holds_at_most_its_prefetch(make_queue: MakeQueue) -> None:
    relay = make_queue()
    relay.publish([_event(n) for n in range(10)])
    greedy, other = make_queue(prefetch=4), make_queue(prefetch=100)
    assert len(greedy.receive(max_messages=1, timeout=1)) == 1
    assert len(receive(other, 6)) == 6  # the 3 greedy prefetched stay greedy's
    assert len(receive(greedy, 3)) == 3


def test_closing_gives_back_what_was_received_but_not_handed_out(
    make_queue: MakeQueue,
) -> None:
    relay, closing, next_one = make_queue(), make_queue(prefetch=10), make_queue()
    events = [_event(n) for n in range(5)]
    relay.publish(events)
    (first,) = closing.receive(max_messages=1, timeout=1)
    receive(closing, 0)
    closing.ack(first)
    closing.close()  # the other 4 were prefetched: they go back with their attempt
    rest = receive(next_one, 4)
    assert sorted(m.event.id for m in rest) == sorted(e.id for e in events[1:])
    # Those in its buffer go back with their attempt; one the broker was still delivering
    # when the channel closed is requeued by the broker, which counts a delivery.
    assert {m.attempt for m in rest} <= {1, 2}


def test_an_unroutable_publish_is_not_confirmed(make_queue: MakeQueue, channel: Any) -> None:
    queue = make_queue()
    queue.publish([_event()])
    channel.queue_unbind(queue.queue, queue.exchange, queue.queue)
    with pytest.raises(StorageUnavailable):
        queue.publish([_event(1)])  # the broker returned it: not published
    queue.publish([_event(2)])  # a new connection declared (and bound) it again
    assert len(receive(queue, 2)) == 2


def test_an_unreachable_broker_is_a_storage_error() -> None:
    queue = RabbitMQQueue.from_url("amqp://guest:guest@127.0.0.1:1/%2F")
    with pytest.raises(StorageUnavailable):
        queue.publish([_event()])
    with pytest.raises(StorageUnavailable):
        queue.receive(max_messages=1, timeout=0.1)
    queue.close()


def test_replayed_dead_letters_start_again_from_a_first_attempt(make_queue: MakeQueue) -> None:
    queue = make_queue(max_attempts=1)
    events = [_event(1), _event(2)]
    queue.publish(events)
    for message in receive(queue, 2):
        queue.retry(message, "boom")
    assert queue.dead_letter_count() == 2
    assert queue.replay_dead_letters(count=1) == 1
    (again,) = receive(queue, 1)
    assert (again.event, again.attempt) == (events[0], 1)
    assert queue.dead_letter_count() == 1


# --- Which queue the settings pick -----------------------------------------------------


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for field in Settings.model_fields:
        monkeypatch.delenv(env_name(field), raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.usefixtures("clean_environment")
def test_an_amqp_queue_url_picks_rabbitmq_even_with_redis_url(
    rabbitmq_url: str, rabbitmq_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKFLOW_QUEUE_URL", rabbitmq_url)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")  # kept for the rest
    settings = Settings()
    assert settings.queue_kind == "rabbitmq"
    queue = build_queue(settings, queue=rabbitmq_prefix, max_attempts=2)
    assert isinstance(queue, RabbitMQQueue)
    try:
        queue.publish([_event()])
        (message,) = receive(queue, 1)
        queue.ack(message)
    finally:
        queue.delete()


@pytest.mark.usefixtures("clean_environment")
@pytest.mark.parametrize(
    ("variables", "kind"),
    [
        ({}, "in_process"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "redis"),
        ({"TASKFLOW_QUEUE_URL": "redis://127.0.0.1:6379/1"}, "redis"),
        ({"TASKFLOW_QUEUE_URL": "amqps://u:p@mq.example.com/vhost"}, "rabbitmq"),
    ],
)
def test_the_queue_kind_follows_the_settings(
    variables: dict[str, str], kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    assert Settings().queue_kind == kind


@pytest.mark.usefixtures("clean_environment")
def test_another_scheme_is_refused_without_echoing_the_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKFLOW_QUEUE_URL", "kafka://user:s3cret@broker:9092")
    with pytest.raises(ConfigurationError, match="TASKFLOW_QUEUE_URL: use amqp://") as refused:
        Settings()
    assert "s3cret" not in str(refused.value)


def test_the_messages_of_a_consumer_killed_with_sigkill_go_to_the_next_one(
    make_queue: MakeQueue, rabbitmq_url: str, rabbitmq_prefix: str
) -> None:
    relay = make_queue()
    events = [_event(n) for n in range(5)]
    relay.publish(events)
    holder = subprocess.Popen(  # takes every message, acknowledges none, waits to be killed
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from taskflow.adapters.rabbitmq import RabbitMQQueue\n"
            "queue = RabbitMQQueue(sys.argv[1], queue=sys.argv[2])\n"
            "held = []\n"
            "while len(held) < 5:\n"
            "    held += queue.receive(max_messages=5, timeout=1)\n"
            "print('holding', flush=True)\n"
            "time.sleep(60)\n",
            rabbitmq_url,
            rabbitmq_prefix,
        ],
        stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == b"holding\n"
        survivor = make_queue()
        assert survivor.receive(max_messages=5, timeout=0.3) == []  # held by the other
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    finally:
        holder.kill()
        if holder.stdout is not None:
            holder.stdout.close()
    again = receive(survivor, 5)  # at once: no visibility timeout to wait for
    assert sorted((m.event.id, m.attempt) for m in again) == sorted((e.id, 2) for e in events)


def test_a_publisher_connection_the_broker_dropped_is_replaced_once(
    make_queue: MakeQueue,
) -> None:
    queue = make_queue()
    queue.publish([_event(1)])
    # What a connection idle past its heartbeat looks like: the broker closed it.
    queue._publisher._connection._impl._transport._sock.shutdown(socket.SHUT_RDWR)
    queue.publish([_event(2)])  # no StorageUnavailable: a new connection
    assert len(receive(queue, 2)) == 2
