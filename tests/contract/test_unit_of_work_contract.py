"""The UnitOfWork port's contract, on every backend (memory, SQLite, PostgreSQL, MariaDB):
changes stay only when committed, events go to the outbox with the change and are
published only after the commit."""

from __future__ import annotations

import pytest
from builders import NOW, a_team, a_user

from ports_under_test import StorageUnderTest
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import make_event


def test_changes_are_rolled_back_unless_committed(storage: StorageUnderTest) -> None:
    user = a_user()
    with storage.uow_factory() as uow:
        uow.users.add(user)
    with storage.uow_factory() as uow:
        assert uow.users.get(user.id) is None


def test_committed_changes_stay(storage: StorageUnderTest) -> None:
    user = a_user()
    with storage.uow_factory() as uow:
        uow.users.add(user)
        uow.commit()
    with storage.uow_factory(read_only=True) as uow:
        assert uow.users.get(user.id) == user


def test_changes_after_a_commit_are_rolled_back(storage: StorageUnderTest) -> None:
    owner = a_user()
    with storage.uow_factory() as uow:
        uow.users.add(owner)
        uow.commit()
        team = a_team(owner.id)
        uow.teams.add(team)
    with storage.uow_factory() as uow:
        assert uow.users.get(owner.id) == owner
        assert uow.teams.get(team.id) is None


def test_events_are_written_to_the_outbox_with_the_change_and_published_after_commit(
    storage: StorageUnderTest, events: RecordingEventPublisher
) -> None:
    user = a_user()
    with storage.uow_factory() as uow:
        uow.users.add(user)
        uow.emit(make_event("user.signup", {"user_id": str(user.id)}, NOW))
        uow.commit()
        assert events.events == []  # not before the unit ends
    assert [e.name for e in events.events] == ["user.signup"]
    with storage.uow_factory(read_only=True) as uow:
        claimed = uow.outbox.claim_unpublished(10)
    assert claimed == events.events  # same id, name, payload and time


def test_a_unit_left_by_an_exception_writes_nothing_and_publishes_nothing(
    storage: StorageUnderTest, events: RecordingEventPublisher
) -> None:
    user = a_user()

    def failing_service() -> None:
        with storage.uow_factory() as uow:
            uow.users.add(user)
            uow.emit(make_event("user.signup", {"user_id": str(user.id)}, NOW))
            raise RuntimeError("the service failed half-way")

    with pytest.raises(RuntimeError):
        failing_service()
    with storage.uow_factory() as uow:
        assert uow.users.get(user.id) is None
        assert uow.outbox.count_unpublished() == 0
    assert events.events == []


def test_a_rolled_back_event_is_never_published(
    storage: StorageUnderTest, events: RecordingEventPublisher
) -> None:
    with storage.uow_factory() as uow:
        uow.emit(make_event("task.created", {"task_id": "y"}, NOW))
        uow.rollback()
    with storage.uow_factory() as uow:
        uow.emit(make_event("task.created", {"task_id": "z"}, NOW))
    assert events.events == []
