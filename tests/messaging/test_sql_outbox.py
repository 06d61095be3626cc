"""The outbox on every SQL backend (SQLite, PostgreSQL, MariaDB): events written with
the commit, relayed in order, kept while the queue is down, and never published twice
by two relays running at once (FOR UPDATE SKIP LOCKED; SQLite's single writer)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from messaging_fakes import SwitchableDurableQueue

from taskflow.errors import StorageUnavailable
from taskflow.events import INVITE_CREATED, TASK_ASSIGNED, TASK_CREATED, make_event
from taskflow.messaging import OutboxRelay
from taskflow.testing import FakeClock

NOW = datetime(2024, 2, 1, 10, tzinfo=UTC)


def _commit(storage: Any, events: list[Any]) -> None:
    with storage.uow_factory() as uow:
        for event in events:
            uow.emit(event)
        uow.commit()


def test_events_round_trip_through_the_outbox_in_order(sql_storage: Any) -> None:
    events = [
        make_event(TASK_ASSIGNED, {"task_id": "t1", "title": "گزارش <b>"}, NOW),
        make_event(INVITE_CREATED, {"email": "a@example.com", "n": 2}, NOW),
        make_event(TASK_CREATED, {"assignee_id": None}, NOW + timedelta(seconds=1)),
    ]
    _commit(sql_storage, events)
    with sql_storage.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 3
        claimed = uow.outbox.claim_unpublished(10)
    assert claimed == events
    assert all(event.occurred_at.tzinfo is not None for event in claimed)


def test_a_rolled_back_unit_writes_no_event(sql_storage: Any) -> None:
    with sql_storage.uow_factory() as uow:
        uow.emit(make_event(TASK_CREATED, {}, NOW))
    with sql_storage.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 0


def test_the_relay_keeps_events_while_the_queue_is_down(sql_storage: Any) -> None:
    events = [make_event(TASK_CREATED, {"n": n}, NOW) for n in range(3)]
    _commit(sql_storage, events)
    queue = SwitchableDurableQueue()
    relay = OutboxRelay(sql_storage.uow_factory, queue, FakeClock(NOW))
    queue.up = False
    with pytest.raises(StorageUnavailable):
        relay.relay_once()
    queue.up = True
    assert relay.relay_once() == 3
    assert relay.relay_once() == 0
    assert queue.published == events
    with sql_storage.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 0
        assert uow.outbox.purge_published(NOW + timedelta(seconds=1)) == 3


def test_two_relays_at_once_publish_every_event_exactly_once(sql_storage: Any) -> None:
    events = [make_event(TASK_CREATED, {"n": n}, NOW) for n in range(300)]
    _commit(sql_storage, events)
    queues = [SwitchableDurableQueue(), SwitchableDurableQueue()]
    relays = [
        OutboxRelay(sql_storage.uow_factory, queue, FakeClock(NOW), batch_size=7)
        for queue in queues
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
