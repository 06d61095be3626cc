"""The OutboxRepository port's contract, on every backend (memory, SQLite, PostgreSQL,
MariaDB): events written with the commit and only with it, claimed oldest first, marked,
purged. (The relay over every outbox, two relays at once included, is in
tests/messaging/test_relay.py.)"""

from __future__ import annotations

from datetime import timedelta

from builders import NOW

from ports_under_test import StorageUnderTest
from taskflow.domain.models import Event
from taskflow.events import INVITE_CREATED, TASK_ASSIGNED, TASK_CREATED, make_event


def _commit(storage: StorageUnderTest, events: list[Event]) -> None:
    with storage.uow_factory() as uow:
        for event in events:
            uow.emit(event)
        uow.commit()


def test_committed_events_come_back_whole_oldest_first(storage: StorageUnderTest) -> None:
    events = [
        make_event(TASK_ASSIGNED, {"task_id": "t1", "title": "گزارش <b>"}, NOW),
        make_event(INVITE_CREATED, {"email": "a@example.com", "n": 2}, NOW),
        make_event(TASK_CREATED, {"assignee_id": None}, NOW + timedelta(seconds=1)),
    ]
    _commit(storage, events)
    with storage.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 3
        assert uow.outbox.claim_unpublished(2) == events[:2]
        claimed = uow.outbox.claim_unpublished(10)
    assert claimed == events
    assert all(event.occurred_at.tzinfo is not None for event in claimed)


def test_uncommitted_events_never_reach_the_outbox(storage: StorageUnderTest) -> None:
    with storage.uow_factory() as uow:
        uow.emit(make_event(TASK_CREATED, {}, NOW))
    with storage.uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 0
        assert uow.outbox.claim_unpublished(10) == []


def test_published_events_are_not_claimed_again(storage: StorageUnderTest) -> None:
    first, second = make_event(TASK_CREATED, {}, NOW), make_event(TASK_CREATED, {}, NOW)
    _commit(storage, [first, second])
    with storage.uow_factory() as uow:
        uow.outbox.mark_published([first.id], NOW)
        uow.commit()
    with storage.uow_factory() as uow:
        assert uow.outbox.claim_unpublished(10) == [second]
        assert uow.outbox.count_unpublished() == 1


def test_a_mark_that_is_rolled_back_leaves_the_event_unpublished(
    storage: StorageUnderTest,
) -> None:
    event = make_event(TASK_CREATED, {}, NOW)
    _commit(storage, [event])
    with storage.uow_factory() as uow:
        uow.outbox.mark_published([event.id], NOW)  # no commit: the publish failed
    with storage.uow_factory() as uow:
        assert uow.outbox.claim_unpublished(10) == [event]


def test_purge_deletes_only_events_published_before_the_limit(
    storage: StorageUnderTest,
) -> None:
    old, recent, waiting = (make_event(TASK_CREATED, {}, NOW) for _ in range(3))
    _commit(storage, [old, recent, waiting])
    with storage.uow_factory() as uow:
        uow.outbox.mark_published([old.id], NOW - timedelta(days=10))
        uow.outbox.mark_published([recent.id], NOW)
        assert uow.outbox.purge_published(NOW - timedelta(days=7)) == 1
        uow.commit()
    with storage.uow_factory() as uow:
        assert uow.outbox.claim_unpublished(10) == [waiting]
        assert uow.outbox.purge_published(NOW + timedelta(days=1)) == 1
