"""The outbox relay: publishes committed events, keeps them while the queue is down (on
every backend's outbox), never publishes an event twice when two relays run at once
(FOR UPDATE SKIP LOCKED; SQLite's single writer; the in-memory lock), and with the
in-process queue marks them only once they are settled."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from messaging_fakes import SwitchableDurableQueue

from ports_under_test import StorageUnderTest
from taskflow.adapters.memory import InMemoryStore, InMemoryUnitOfWorkFactory
from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.domain.models import Event
from taskflow.errors import StorageUnavailable
from taskflow.events import TASK_CREATED, make_event
from taskflow.messaging import OutboxRelay
from taskflow.ports.unit_of_work import UnitOfWorkFactory
from taskflow.testing import FakeClock

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def _commit(factory: UnitOfWorkFactory, count: int) -> list[Event]:
    events = [make_event(TASK_CREATED, {"n": n}, NOW) for n in range(count)]
    with factory() as uow:
        for event in events:
            uow.emit(event)
        uow.commit()
    return events


def _unpublished(factory: UnitOfWorkFactory) -> int:
    with factory() as uow:
        return uow.outbox.count_unpublished()


def test_committed_events_are_published_in_order_and_marked() -> None:
    factory, queue = InMemoryUnitOfWorkFactory(), SwitchableDurableQueue()
    events = _commit(factory, 5)
    relay = OutboxRelay(factory, queue, FakeClock(), batch_size=2)
    assert [relay.relay_once() for _ in range(4)] == [2, 2, 1, 0]
    assert queue.published == events
    assert _unpublished(factory) == 0


def test_while_the_queue_is_down_events_wait_and_go_out_when_it_is_back(
    storage: StorageUnderTest,
) -> None:
    factory, queue = storage.uow_factory, SwitchableDurableQueue()
    events = _commit(factory, 3)
    relay = OutboxRelay(factory, queue, FakeClock(NOW))
    queue.up = False
    with pytest.raises(StorageUnavailable):
        relay.relay_once()
    assert _unpublished(factory) == 3
    queue.up = True
    assert relay.relay_once() == 3
    assert relay.relay_once() == 0
    assert queue.published == events
    assert _unpublished(factory) == 0
    with factory() as uow:
        assert uow.outbox.purge_published(NOW + timedelta(seconds=1)) == 3


def test_two_relays_at_once_publish_every_event_exactly_once(storage: StorageUnderTest) -> None:
    events = _commit(storage.uow_factory, 300)
    queues = [SwitchableDurableQueue(), SwitchableDurableQueue()]
    relays = [
        OutboxRelay(storage.uow_factory, queue, FakeClock(NOW), batch_size=7) for queue in queues
    ]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def drain(relay: OutboxRelay) -> None:
        try:
            start.wait(5)
            idle = 0
            while idle < 3:  # the other relay may hold the last rows for a moment
                idle = idle + 1 if relay.relay_once() == 0 else 0
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=drain, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    published = Counter(event.id for queue in queues for event in queue.published)
    assert set(published) == {event.id for event in events}
    assert max(published.values()) == 1


def test_with_the_in_process_queue_an_event_is_marked_only_once_settled() -> None:
    factory, queue = InMemoryUnitOfWorkFactory(), InProcessQueue()
    (event,) = _commit(factory, 1)
    relay = OutboxRelay(factory, queue, FakeClock())
    assert relay.relay_once() == 1
    assert relay.relay_once() == 0  # in flight: not sent twice
    assert _unpublished(factory) == 1
    (message,) = queue.receive(max_messages=10, timeout=0)
    assert message.event == event
    queue.ack(message)
    relay.relay_once()
    assert _unpublished(factory) == 0
    assert relay.in_flight == 0


def test_after_a_crash_unsettled_in_process_events_are_sent_again() -> None:
    store = InMemoryStore()  # the database survives; the process and its queue do not
    factory = InMemoryUnitOfWorkFactory(store)
    events = _commit(factory, 2)
    crashed_queue = InProcessQueue()
    OutboxRelay(factory, crashed_queue, FakeClock()).relay_once()
    (done, _lost) = crashed_queue.receive(max_messages=2, timeout=0)
    crashed_queue.ack(done)  # the crash comes before the relay's next pass

    queue = InProcessQueue()
    OutboxRelay(InMemoryUnitOfWorkFactory(store), queue, FakeClock()).relay_once()
    assert [m.event for m in queue.receive(max_messages=10, timeout=0)] == events


def test_in_flight_is_bounded_and_later_events_go_out_as_earlier_ones_settle() -> None:
    factory, queue = InMemoryUnitOfWorkFactory(), InProcessQueue()
    events = _commit(factory, 5)
    relay = OutboxRelay(factory, queue, FakeClock(), max_in_flight=2)
    assert relay.relay_once() == 2
    assert relay.relay_once() == 0
    first = queue.receive(max_messages=1, timeout=0)[0]
    queue.ack(first)
    assert relay.relay_once() == 1
    received = [first.event] + [m.event for m in queue.receive(max_messages=10, timeout=0)]
    assert received == events[:3]


def test_the_relay_purges_old_published_events() -> None:
    factory, queue = InMemoryUnitOfWorkFactory(), SwitchableDurableQueue()
    _commit(factory, 2)
    clock = FakeClock(NOW)
    OutboxRelay(factory, queue, clock).relay_once()
    clock.advance(days=8)
    OutboxRelay(factory, queue, clock).relay_once()
    with factory() as uow:
        assert uow.outbox.purge_published(clock.now()) == 0  # already gone


def test_run_keeps_going_after_a_failure_and_stops_when_told() -> None:
    factory, queue = InMemoryUnitOfWorkFactory(), SwitchableDurableQueue()
    queue.up = False
    _commit(factory, 1)
    relay = OutboxRelay(factory, queue, FakeClock(), poll_interval=0.01, max_backoff=0.02)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    try:
        queue.up = True
        for _ in range(500):
            if queue.published:
                break
            relay.wake()
            threading.Event().wait(0.01)
    finally:
        stop.set()
        relay.wake()
        thread.join(timeout=5)
    assert not thread.is_alive()
    assert len(queue.published) == 1
