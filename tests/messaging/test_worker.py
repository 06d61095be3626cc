"""The worker: relay, consumer, delivery loop and jobs in threads; a stop finishes the
work in hand; everything committed reaches the handler."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from taskflow import TaskFlow
from taskflow.adapters.blinker import BlinkerEventPublisher
from taskflow.adapters.memory import InMemoryStore, InMemoryUnitOfWorkFactory
from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.bootstrap import build_worker
from taskflow.domain.models import Event
from taskflow.events import (
    INVITE_CREATED,
    TASK_ASSIGNED,
    TASK_CREATED,
    make_event,
)
from taskflow.messaging import OutboxRelay
from taskflow.messaging.worker import PeriodicJob, Worker
from taskflow.testing import FakeClock, RecordingMailer, make_test_taskflow, one_time_token

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def _wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


def _worker(
    factory: InMemoryUnitOfWorkFactory, handler: Callable[[Event], None], **kw: Any
) -> Worker:
    queue = InProcessQueue(retry_delay=0.01)
    relay = OutboxRelay(factory, queue, FakeClock(), poll_interval=0.01)
    kw.setdefault("receive_timeout", 0.05)
    return Worker(relay=relay, queue=queue, handler=handler, **kw)


def _ignore(event: Event) -> None:
    pass


def _unpublished(factory: InMemoryUnitOfWorkFactory) -> int:
    with factory() as uow:
        return uow.outbox.count_unpublished()


def test_a_task_assignment_reaches_the_handler_through_the_worker() -> None:
    tf = make_test_taskflow()
    owner = tf.auth.signup(email="owner@example.com", password="correct horse 1", name="Ali")
    team = tf.teams.create(owner.user.id, name="تیم")
    handled: list[Event] = []
    worker = _worker(tf.uow_factory, handled.append)  # type: ignore[arg-type]
    worker.start()
    try:
        tf.tasks.create(owner.user.id, team.id, title="نوشتن", assignee_id=owner.user.id)
        assert _wait_for(lambda: TASK_ASSIGNED in {e.name for e in handled})
    finally:
        assert worker.stop(timeout=5)
    assert {TASK_CREATED, TASK_ASSIGNED} <= {e.name for e in handled}
    assert _unpublished(tf.uow_factory) == 0  # type: ignore[arg-type]


def test_a_commit_in_this_process_wakes_the_relay_without_waiting_for_its_poll() -> None:
    publisher = BlinkerEventPublisher()
    factory = InMemoryUnitOfWorkFactory(InMemoryStore(), publisher)
    queue = InProcessQueue()
    handled: list[Event] = []
    relay = OutboxRelay(factory, queue, FakeClock(), poll_interval=60)  # a long poll
    worker = Worker(
        relay=relay,
        queue=queue,
        handler=handled.append,
        receive_timeout=0.05,
        events=publisher,
    )
    worker.start()
    try:
        time.sleep(0.05)  # the relay is now in its long wait
        event = make_event(TASK_CREATED, {}, NOW)
        with factory() as uow:
            uow.emit(event)
            uow.commit()
        assert _wait_for(lambda: handled == [event], seconds=5)
    finally:
        assert worker.stop(timeout=5)


def test_stop_finishes_the_event_in_hand_and_leaves_the_rest() -> None:
    factory = InMemoryUnitOfWorkFactory()
    started, release = threading.Event(), threading.Event()
    handled: list[Event] = []

    def slow(event: Event) -> None:
        started.set()
        release.wait(5)
        handled.append(event)

    events = [make_event(TASK_CREATED, {"n": n}, NOW) for n in range(3)]
    with factory() as uow:
        for event in events:
            uow.emit(event)
        uow.commit()
    worker = _worker(factory, slow)
    worker.start()
    assert started.wait(5)
    worker.request_stop()  # SIGTERM while the first event is being handled
    threading.Timer(0.1, release.set).start()
    assert worker.stop(timeout=5)
    assert handled == events[:1]
    assert _unpublished(factory) == 2  # the handled one is marked at the relay's stop


def test_the_delivery_loop_runs_after_each_handled_event() -> None:
    factory = InMemoryUnitOfWorkFactory()
    passes: list[int] = []

    async def deliver_due() -> int:
        passes.append(1)
        return 0

    worker = _worker(factory, _ignore, deliver_due=deliver_due, delivery_interval=60)
    worker.start()
    try:
        assert _wait_for(lambda: len(passes) == 1)  # the first pass, at start
        with factory() as uow:
            uow.emit(make_event(TASK_CREATED, {}, NOW))
            uow.commit()
        assert _wait_for(lambda: len(passes) == 2)  # woken by the event, not the 60 s
    finally:
        assert worker.stop(timeout=5)


def test_a_failing_job_or_delivery_keeps_the_worker_running() -> None:
    factory = InMemoryUnitOfWorkFactory()
    runs: list[int] = []

    def flaky_job() -> None:
        runs.append(1)
        raise RuntimeError("job bug")

    async def broken_delivery() -> int:
        raise ConnectionError("smtp down")

    worker = _worker(
        factory,
        _ignore,
        deliver_due=broken_delivery,
        jobs=[PeriodicJob("flaky", 0.01, flaky_job)],
        delivery_interval=0.01,
    )
    worker.start()
    try:
        assert _wait_for(lambda: len(runs) >= 3)
        assert worker.running
    finally:
        assert worker.stop(timeout=5)
    assert not worker.running


def _owner_and_sara(tf: TaskFlow) -> tuple[UUID, UUID, UUID]:
    """Ali owns a team Sara joined: (owner, sara, team)."""
    owner = tf.auth.signup(email="owner@example.com", password="correct horse 1", name="Ali")
    team = tf.teams.create(owner.user.id, name="تیم")
    tf.invites.create(owner.user.id, team.id, email="sara@example.com")
    token = one_time_token(tf, tf.publisher.named(INVITE_CREATED)[-1])  # type: ignore[attr-defined]
    sara = tf.auth.signup(email="sara@example.com", password="correct horse 2", name="Sara")
    tf.invites.accept(sara.user.id, token=token)
    return owner.user.id, sara.user.id, team.id


def test_build_worker_turns_an_assignment_into_a_mail_in_process() -> None:
    tf = make_test_taskflow()
    owner_id, sara_id, team_id = _owner_and_sara(tf)
    worker = build_worker(tf, receive_timeout=0.05)
    worker.start()
    try:
        tf.tasks.create(owner_id, team_id, title="<b>گزارش</b>", assignee_id=sara_id)
        mailer = tf.mailer
        assert isinstance(mailer, RecordingMailer)
        assert _wait_for(
            lambda: any("گزارش" in str(m["Subject"]) for m in mailer.to("sara@example.com"))
        )
    finally:
        assert worker.stop(timeout=5)


def test_build_worker_mails_a_data_export_and_a_mention_in_process() -> None:
    from taskflow.domain.mentions import mention_token  # noqa: PLC0415

    tf = make_test_taskflow()
    owner_id, sara_id, team_id = _owner_and_sara(tf)
    task = tf.tasks.create(owner_id, team_id, title="گزارش")
    mailer = tf.mailer
    assert isinstance(mailer, RecordingMailer)
    worker = build_worker(tf, receive_timeout=0.05)
    worker.start()
    try:
        tf.comments.add(owner_id, task.id, content=f"{mention_token(sara_id)} ببین")
        tf.exports.request(sara_id)

        def received() -> list[str]:
            return [str(m["Subject"]) for m in mailer.to("sara@example.com")]

        def exports() -> list[Any]:
            return [m for m in mailer.to("sara@example.com") if list(m.iter_attachments())]

        # Sara's mails: the invite, the welcome, the mention and the export, in the order
        # the worker gets to them: wait for the two this test is about.
        def mentioned() -> bool:
            return any("از شما نام برد" in subject for subject in received())

        assert _wait_for(lambda: len(exports()) == 1 and mentioned(), seconds=20), received()
        assert len(exports()) == 1
        assert [n.type.value for n in tf.notifications.list(sara_id).items] == ["comment.mentioned"]
    finally:
        assert worker.stop(timeout=5)
