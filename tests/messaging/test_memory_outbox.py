"""The in-memory outbox: written with the commit, claimed oldest first, marked, purged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from taskflow.adapters.memory import InMemoryUnitOfWorkFactory
from taskflow.events import TASK_CREATED, make_event

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def test_committed_events_wait_in_the_outbox_oldest_first() -> None:
    factory = InMemoryUnitOfWorkFactory()
    events = [make_event(TASK_CREATED, {"n": n}, NOW) for n in range(3)]
    with factory() as uow:
        for event in events:
            uow.emit(event)
        uow.commit()
    with factory() as uow:
        assert uow.outbox.count_unpublished() == 3
        assert uow.outbox.claim_unpublished(2) == events[:2]


def test_uncommitted_events_never_reach_the_outbox() -> None:
    factory = InMemoryUnitOfWorkFactory()
    with factory() as uow:
        uow.emit(make_event(TASK_CREATED, {}, NOW))
    with factory() as uow:
        assert uow.outbox.claim_unpublished(10) == []


def test_published_events_are_not_claimed_again() -> None:
    factory = InMemoryUnitOfWorkFactory()
    first, second = make_event(TASK_CREATED, {}, NOW), make_event(TASK_CREATED, {}, NOW)
    with factory() as uow:
        uow.emit(first)
        uow.emit(second)
        uow.commit()
    with factory() as uow:
        uow.outbox.mark_published([first.id], NOW)
        uow.commit()
    with factory() as uow:
        assert uow.outbox.claim_unpublished(10) == [second]
        assert uow.outbox.count_unpublished() == 1


def test_a_mark_that_is_rolled_back_leaves_the_event_unpublished() -> None:
    factory = InMemoryUnitOfWorkFactory()
    event = make_event(TASK_CREATED, {}, NOW)
    with factory() as uow:
        uow.emit(event)
        uow.commit()
    with factory() as uow:
        uow.outbox.mark_published([event.id], NOW)  # no commit: the publish failed
    with factory() as uow:
        assert uow.outbox.claim_unpublished(10) == [event]


def test_purge_deletes_only_events_published_before_the_limit() -> None:
    factory = InMemoryUnitOfWorkFactory()
    old, recent, waiting = (make_event(TASK_CREATED, {}, NOW) for _ in range(3))
    with factory() as uow:
        for event in (old, recent, waiting):
            uow.emit(event)
        uow.commit()
    with factory() as uow:
        uow.outbox.mark_published([old.id], NOW - timedelta(days=10))
        uow.outbox.mark_published([recent.id], NOW)
        assert uow.outbox.purge_published(NOW - timedelta(days=7)) == 1
        uow.commit()
    with factory() as uow:
        assert uow.outbox.claim_unpublished(10) == [waiting]
        assert uow.outbox.purge_published(NOW + timedelta(days=1)) == 1
