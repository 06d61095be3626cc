"""Events in-process: unique ids, and blinker signals sent only after a commit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from taskflow.adapters.memory import InMemoryUnitOfWorkFactory
from taskflow.domain.models import Event, Team
from taskflow.events import (
    EVENT_NAMES,
    TASK_CREATED,
    BlinkerEventPublisher,
    make_event,
    signal,
)
from taskflow.ids import new_id

NOW = datetime(2024, 2, 1, tzinfo=UTC)


@pytest.fixture
def received() -> list[Event]:
    return []


@pytest.fixture
def uow_factory() -> InMemoryUnitOfWorkFactory:
    return InMemoryUnitOfWorkFactory(publisher=BlinkerEventPublisher())


def test_every_event_has_its_own_id() -> None:
    ids = {make_event(TASK_CREATED, {}, NOW).id for _ in range(10_000)}
    assert len(ids) == 10_000


def test_event_ids_follow_creation_order() -> None:
    events = [make_event(TASK_CREATED, {}, NOW) for _ in range(1000)]
    assert [e.id for e in events] == sorted(e.id for e in events)


def test_the_issue_events_all_have_names() -> None:
    assert {
        "task.created",
        "task.completed",
        "task.assigned",
        "task.due_soon",
        "user.signup",
        "user.verify_email",
        "user.password_reset",
        "invite.created",
    } == EVENT_NAMES


def test_a_connected_receiver_gets_the_committed_event(
    uow_factory: InMemoryUnitOfWorkFactory, received: list[Event]
) -> None:
    def on_created(sender: object, event: Event) -> None:
        received.append(event)

    signal(TASK_CREATED).connect(on_created)
    try:
        event = make_event(TASK_CREATED, {"task_id": "t"}, NOW)
        with uow_factory() as uow:
            uow.emit(event)
            uow.commit()
            assert received == []  # not yet: the unit has not ended
        assert received == [event]
    finally:
        signal(TASK_CREATED).disconnect(on_created)


def test_a_rolled_back_unit_sends_nothing(
    uow_factory: InMemoryUnitOfWorkFactory, received: list[Event]
) -> None:
    def on_created(sender: object, event: Event) -> None:
        received.append(event)

    signal(TASK_CREATED).connect(on_created)
    try:
        with uow_factory() as uow:
            uow.emit(make_event(TASK_CREATED, {}, NOW))  # never committed
        with pytest.raises(RuntimeError), uow_factory() as uow:  # noqa: PT012
            uow.emit(make_event(TASK_CREATED, {}, NOW))
            raise RuntimeError  # fails before the commit
    finally:
        signal(TASK_CREATED).disconnect(on_created)
    assert received == []


def test_an_emit_after_a_failed_unit_is_not_in_the_outbox(
    uow_factory: InMemoryUnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.emit(make_event(TASK_CREATED, {}, NOW))
        uow.teams.add(Team(id=new_id(), name="x", owner_id=new_id(), created_at=NOW))
    with uow_factory() as uow:
        assert uow.outbox.count_unpublished() == 0


def test_a_failing_receiver_does_not_stop_the_others(
    uow_factory: InMemoryUnitOfWorkFactory, received: list[Event]
) -> None:
    def broken(sender: object, event: Event) -> None:
        raise ValueError("receiver bug")

    def on_created(sender: object, event: Event) -> None:
        received.append(event)

    signal(TASK_CREATED).connect(broken)
    try:
        with uow_factory() as uow:
            uow.emit(make_event(TASK_CREATED, {}, NOW))
            uow.commit()
        signal(TASK_CREATED).connect(on_created)
        with uow_factory() as uow:
            uow.emit(make_event(TASK_CREATED, {}, NOW))
            uow.commit()
    finally:
        signal(TASK_CREATED).disconnect(broken)
        signal(TASK_CREATED).disconnect(on_created)
    assert len(received) == 1
