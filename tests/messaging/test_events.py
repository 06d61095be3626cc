"""Events in-process: unique ids; receivers hear their own TaskFlow's events, only after a
commit, and are kept alive until disconnected."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from taskflow import TaskFlow
from taskflow.adapters.blinker import BlinkerEventPublisher
from taskflow.adapters.memory import InMemoryUnitOfWorkFactory
from taskflow.bootstrap import build_worker
from taskflow.domain.models import Event, Team
from taskflow.events import EVENT_NAMES, TASK_CREATED, USER_SIGNUP, make_event
from taskflow.ids import new_id
from taskflow.settings import Settings
from taskflow.testing import make_test_taskflow

NOW = datetime(2024, 2, 1, tzinfo=UTC)


@pytest.fixture
def received() -> list[Event]:
    return []


@pytest.fixture
def publisher() -> BlinkerEventPublisher:
    return BlinkerEventPublisher()


@pytest.fixture
def uow_factory(publisher: BlinkerEventPublisher) -> InMemoryUnitOfWorkFactory:
    return InMemoryUnitOfWorkFactory(publisher=publisher)


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
        "user.email_change",
        "user.email_changed",
        "user.email_change_undone",
        "user.deletion_requested",
        "user.deletion_cancelled",
        "user.erased",
        "comment.added",
        "comment.edited",
        "user.data_export",
    } == EVENT_NAMES


def test_a_connected_receiver_gets_the_committed_event(
    publisher: BlinkerEventPublisher, uow_factory: InMemoryUnitOfWorkFactory, received: list[Event]
) -> None:
    publisher.connect(TASK_CREATED, received.append)
    event = make_event(TASK_CREATED, {"task_id": "t"}, NOW)
    with uow_factory() as uow:
        uow.emit(event)
        uow.commit()
        assert received == []  # not yet: the unit has not ended
    assert received == [event]


def test_a_rolled_back_unit_sends_nothing(
    publisher: BlinkerEventPublisher, uow_factory: InMemoryUnitOfWorkFactory, received: list[Event]
) -> None:
    publisher.connect(TASK_CREATED, received.append)
    with uow_factory() as uow:
        uow.emit(make_event(TASK_CREATED, {}, NOW))  # never committed
    with pytest.raises(RuntimeError), uow_factory() as uow:  # noqa: PT012
        uow.emit(make_event(TASK_CREATED, {}, NOW))
        raise RuntimeError  # fails before the commit
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
    publisher: BlinkerEventPublisher, uow_factory: InMemoryUnitOfWorkFactory, received: list[Event]
) -> None:
    def broken(event: Event) -> None:
        raise ValueError("receiver bug")

    publisher.connect(TASK_CREATED, broken)
    with uow_factory() as uow:
        uow.emit(make_event(TASK_CREATED, {}, NOW))
        uow.commit()
    publisher.connect(TASK_CREATED, received.append)
    with uow_factory() as uow:
        uow.emit(make_event(TASK_CREATED, {}, NOW))
        uow.commit()
    assert len(received) == 1


def _signup(tf: TaskFlow, email: str) -> None:
    tf.auth.signup(email=email, password="correct horse 1", name="Ali")


def test_a_lambda_receiver_keeps_working_until_disconnected(received: list[Event]) -> None:
    tf = make_test_taskflow()
    # A lambda on purpose: only a strong reference keeps it alive.
    keep = lambda event: received.append(event)  # noqa: E731, PLW0108
    receiver = tf.events.connect(USER_SIGNUP, keep)
    del keep
    gc.collect()  # a weakly held lambda would be gone now
    _signup(tf, "ali@example.com")
    assert [e.payload["email"] for e in received] == ["ali@example.com"]
    tf.events.disconnect(USER_SIGNUP, receiver)
    _signup(tf, "sara@example.com")
    assert len(received) == 1


def test_the_receiver_decorator_connects_the_function(received: list[Event]) -> None:
    tf = make_test_taskflow()

    @tf.events.receiver(USER_SIGNUP)
    def on_signup(event: Event) -> None:
        received.append(event)

    _signup(tf, "ali@example.com")
    assert [e.name for e in received] == [USER_SIGNUP]
    tf.events.disconnect(USER_SIGNUP, on_signup)


def test_two_taskflows_in_one_process_do_not_feed_each_others_receivers() -> None:
    settings = Settings(database_url="memory://", _env_file=None)
    with TaskFlow.from_settings(settings) as first, TaskFlow.from_settings(settings) as second:
        heard_first: list[str] = []
        heard_second: list[str] = []
        first.events.connect(USER_SIGNUP, lambda e: heard_first.append(e.payload["email"]))
        second.events.connect(USER_SIGNUP, lambda e: heard_second.append(e.payload["email"]))
        _signup(first, "ali@example.com")
        _signup(second, "sara@example.com")
    assert heard_first == ["ali@example.com"]
    assert heard_second == ["sara@example.com"]


def test_two_taskflows_in_one_process_do_not_wake_each_others_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mine, other = make_test_taskflow(), make_test_taskflow()
    worker = build_worker(mine, receive_timeout=0.05)
    wakes: list[None] = []
    wake = worker.relay.wake
    monkeypatch.setattr(worker.relay, "wake", lambda: (wakes.append(None), wake()))
    worker.start()
    try:
        _signup(other, "sara@example.com")
        assert wakes == []  # the other TaskFlow's commit
        _signup(mine, "ali@example.com")
        assert len(wakes) == 1  # its own TaskFlow's commit: at once, in the same thread
    finally:
        assert worker.stop(timeout=5)
