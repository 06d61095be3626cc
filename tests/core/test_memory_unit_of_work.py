"""The in-memory unit of work keeps the port's promises: rollback unless committed,
events published only after a commit, one unit at a time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from taskflow.adapters.memory import (
    InMemoryUnitOfWorkFactory,
    RecordingEventPublisher,
)
from taskflow.domain.models import Team
from taskflow.events import make_event
from taskflow.ids import new_id

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def _team() -> Team:
    return Team(id=new_id(), name="تیم من", owner_id=new_id(), created_at=NOW)


@pytest.fixture
def publisher() -> RecordingEventPublisher:
    return RecordingEventPublisher()


@pytest.fixture
def uow_factory(publisher: RecordingEventPublisher) -> InMemoryUnitOfWorkFactory:
    return InMemoryUnitOfWorkFactory(publisher=publisher)


def test_changes_are_rolled_back_unless_committed(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    team = _team()
    with uow_factory() as uow:
        uow.teams.add(team)
    with uow_factory() as uow:
        assert uow.teams.get(team.id) is None


def test_committed_changes_stay(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    team = _team()
    with uow_factory() as uow:
        uow.teams.add(team)
        uow.commit()
    with uow_factory() as uow:
        assert uow.teams.get(team.id) == team


def test_an_exception_rolls_back(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    team = _team()
    with pytest.raises(RuntimeError), uow_factory() as uow:  # noqa: PT012
        uow.teams.add(team)
        raise RuntimeError
    with uow_factory() as uow:
        assert uow.teams.get(team.id) is None


def test_changes_after_a_commit_are_rolled_back(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    first, second = _team(), _team()
    with uow_factory() as uow:
        uow.teams.add(first)
        uow.commit()
        uow.teams.add(second)
    with uow_factory() as uow:
        assert uow.teams.get(first.id) == first
        assert uow.teams.get(second.id) is None


def test_events_are_published_after_commit_only(
    uow_factory: InMemoryUnitOfWorkFactory, publisher: RecordingEventPublisher
) -> None:
    event = make_event("task.created", {"task_id": "x"}, NOW)
    with uow_factory() as uow:
        uow.emit(event)
        uow.commit()
        assert publisher.events == [], "published before the unit ended"
    assert publisher.events == [event]

    with uow_factory() as uow:
        uow.emit(make_event("task.created", {"task_id": "y"}, NOW))
    assert publisher.events == [event], "a rolled-back event was published"


def test_units_run_one_at_a_time(uow_factory: InMemoryUnitOfWorkFactory) -> None:
    inside = threading.Event()
    release = threading.Event()
    second_entered = threading.Event()

    def first() -> None:
        with uow_factory():
            inside.set()
            release.wait(5)

    def second() -> None:
        with uow_factory():
            second_entered.set()

    t1 = threading.Thread(target=first)
    t1.start()
    assert inside.wait(5)
    t2 = threading.Thread(target=second)
    t2.start()
    assert not second_entered.wait(0.2)
    release.set()
    t1.join(5)
    t2.join(5)
    assert second_entered.is_set()
