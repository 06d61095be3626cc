"""Sending: retries with backoff on transient failures, permanent failures at once, dead
after the last attempt and replayable, a dead worker's mail taken over, the rate limit."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from uuid import UUID

import pytest
from crew import Crew
from notifying import deliver, handle_last

from taskflow import (
    Conflict,
    DeliveryNotFound,
    PermanentMailError,
    TaskFlow,
    TransientMailError,
)
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import INVITE_CREATED, TASK_ASSIGNED
from taskflow.ids import new_id
from taskflow.notifications import Channel, Delivery, DeliveryStatus, NotificationConfig
from taskflow.testing import FakeClock, RecordingMailer, make_test_taskflow


class WorkerKilled(BaseException):
    """Stands for the process dying in the middle of a send."""


def assign(tf: TaskFlow, events: RecordingEventPublisher, crew: Crew, title: str) -> Delivery:
    """Assign a new task to the assignee, handle the event; returns its email delivery."""
    tf.tasks.create(crew.owner, crew.team_id, title=title, assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)
    return mail_of(tf, event.id)


def mail_of(tf: TaskFlow, event_id: UUID) -> Delivery:
    deliveries = tf.notifications.event_deliveries(event_id)
    [mail] = [d for d in deliveries if d.channel is Channel.EMAIL]
    return mail


def test_transient_failures_are_retried_with_backoff_until_the_mail_goes(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    clock: FakeClock,
    crew: Crew,
) -> None:
    mailer.fail_with(TransientMailError("451 try later"), TransientMailError("451 try later"))
    mail = assign(tf, events, crew, "Retry me")

    start = clock.now()
    assert deliver(tf) == 0
    mail = tf.notifications.get_delivery(mail.id)
    assert (mail.status, mail.attempts) == (DeliveryStatus.DEFERRED, 1)
    assert "451" in (mail.last_error or "")
    # 30 s after the first failure, jittered down to half of it.
    assert start + timedelta(seconds=15) <= mail.next_attempt_at <= start + timedelta(seconds=30)
    assert deliver(tf) == 0  # not due yet: nothing tried
    assert mailer.attempts == 1

    clock.advance(seconds=30)
    assert deliver(tf) == 0
    second = tf.notifications.get_delivery(mail.id)
    assert (second.status, second.attempts) == (DeliveryStatus.DEFERRED, 2)
    assert second.next_attempt_at - clock.now() >= timedelta(seconds=30)  # it grew

    clock.advance(seconds=60)
    assert deliver(tf) == 1
    sent = tf.notifications.get_delivery(mail.id)
    assert (sent.status, sent.attempts) == (DeliveryStatus.SENT, 3)
    assert sent.sent_at == clock.now()
    assert len(mailer.messages) == 1
    assert mailer.attempts == 3


def test_a_permanent_refusal_fails_at_once_and_a_replay_sends_it(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    clock: FakeClock,
    crew: Crew,
) -> None:
    mailer.fail_with(PermanentMailError("550 mailbox unavailable"))
    mail = assign(tf, events, crew, "Refused")
    assert deliver(tf) == 0
    failed = tf.notifications.get_delivery(mail.id)
    assert (failed.status, failed.attempts) == (DeliveryStatus.FAILED, 1)
    assert failed.last_error is not None
    assert "550" in failed.last_error

    clock.advance(hours=2)
    assert deliver(tf) == 0  # never retried by itself
    assert [d.id for d in tf.notifications.deliveries(status="failed").items] == [mail.id]

    replayed = tf.notifications.replay(mail.id)
    assert (replayed.status, replayed.attempts) == (DeliveryStatus.PENDING, 0)
    assert deliver(tf) == 1
    assert tf.notifications.get_delivery(mail.id).status is DeliveryStatus.SENT


def test_after_the_last_attempt_the_mail_is_dead_visible_and_replayable(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    clock: FakeClock,
    crew: Crew,
) -> None:
    attempts = tf.notifications.config.max_attempts
    mailer.fail_with(*[TransientMailError("connection refused")] * attempts)
    mail = assign(tf, events, crew, "Doomed")
    for _ in range(attempts):
        assert deliver(tf) == 0
        clock.advance(tf.notifications.config.retry_max)

    dead = tf.notifications.get_delivery(mail.id)
    assert (dead.status, dead.attempts) == (DeliveryStatus.DEAD, attempts)
    assert dead.last_error == "connection refused"
    assert [d.id for d in tf.notifications.deliveries(status="dead").items] == [mail.id]
    clock.advance(days=1)
    assert deliver(tf) == 0
    assert mailer.attempts == attempts

    tf.notifications.replay(mail.id)
    assert deliver(tf) == 1
    assert len(mailer.messages) == 1


def test_only_a_failed_or_dead_mail_can_be_replayed(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    mail = assign(tf, events, crew, "Fine")
    with pytest.raises(Conflict):
        tf.notifications.replay(mail.id)  # pending
    deliver(tf)
    with pytest.raises(Conflict):
        tf.notifications.replay(mail.id)  # sent
    with pytest.raises(DeliveryNotFound):
        tf.notifications.replay(new_id())


def test_an_unexpected_mailer_error_is_retried_not_lost(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    clock: FakeClock,
    crew: Crew,
) -> None:
    mailer.fail_with(RuntimeError("bug in a custom mailer"))
    mail = assign(tf, events, crew, "Oops")
    assert deliver(tf) == 0
    assert tf.notifications.get_delivery(mail.id).status is DeliveryStatus.DEFERRED
    clock.advance(minutes=1)
    assert deliver(tf) == 1


def test_the_mail_of_a_worker_that_died_mid_send_is_taken_over_after_its_claim(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    clock: FakeClock,
    crew: Crew,
) -> None:
    mailer.fail_with(WorkerKilled())
    mail = assign(tf, events, crew, "In flight")
    with pytest.raises(WorkerKilled):
        deliver(tf)
    held = tf.notifications.get_delivery(mail.id)
    assert held.status is DeliveryStatus.SENDING

    assert deliver(tf) == 0  # another worker: the claim still holds
    clock.advance(tf.notifications.config.claim_timeout)
    assert deliver(tf) == 1
    assert len(mailer.messages) == 1
    assert tf.notifications.get_delivery(mail.id).status is DeliveryStatus.SENT


def test_mails_over_the_rate_limit_wait_for_the_window_and_none_is_dropped(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    clock: FakeClock,
    crew: Crew,
) -> None:
    limit = tf.notifications.config.email_rate_limit
    window = tf.notifications.config.email_rate_window
    mails = [assign(tf, events, crew, f"Task {n}") for n in range(limit + 2)]

    assert deliver(tf) == limit
    waiting = [tf.notifications.get_delivery(m.id) for m in mails]
    deferred = [m for m in waiting if m.status is DeliveryStatus.DEFERRED]
    assert len(deferred) == 2
    assert all(m.next_attempt_at == clock.now() + window for m in deferred)
    assert all((m.last_error or "").startswith("rate limit") for m in deferred)
    assert tf.notifications.unread_count(crew.assignee) == limit + 2  # in-app is not limited

    clock.advance(window - timedelta(seconds=1))
    assert deliver(tf) == 0
    clock.advance(seconds=1)
    assert deliver(tf) == 2
    assert len(mailer.messages) == limit + 2
    assert len({m["Message-ID"] for m in mailer.messages}) == limit + 2


def test_the_rate_limit_is_per_recipient(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    crew: Crew,
) -> None:
    limit = tf.notifications.config.email_rate_limit
    for n in range(limit):
        assign(tf, events, crew, f"Task {n}")
    tf.tasks.create(crew.owner, crew.team_id, title="Other", assignee_id=crew.member)
    handle_last(tf, events, TASK_ASSIGNED)
    assert deliver(tf) == limit + 1


class SlowMailer(RecordingMailer):
    """Each send takes ``seconds`` on the fake clock."""

    def __init__(self, clock: FakeClock, seconds: float) -> None:
        super().__init__()
        self._clock, self._seconds = clock, seconds

    async def send(self, message: EmailMessage) -> None:
        self._clock.advance(seconds=self._seconds)
        await super().send(message)


def test_a_slow_pass_gives_back_what_it_cannot_send_within_its_claim(
    events: RecordingEventPublisher, clock: FakeClock
) -> None:
    """A pass never sends past half its claim: the rest goes back to pending at once, so
    no other worker can take a mail this one is still about to send."""
    mailer = SlowMailer(clock, seconds=60)  # the claim is 5 minutes: 2.5 minutes of sends
    tf = make_test_taskflow(clock=clock, publisher=events, mailer=mailer)
    owner = tf.auth.signup(email="o@example.com", password="correct horse 1", name="O").user
    team = tf.teams.create(owner.id, name="T")
    for n in range(6):
        tf.invites.create(owner.id, team.id, email=f"guest{n}@example.com")
        tf.notifications.handle_event(events.named(INVITE_CREATED)[-1])

    assert deliver(tf) == 3  # at 0, 1 and 2 minutes; at 3 minutes it stops
    statuses = sorted(d.status for d in tf.notifications.deliveries().items)
    assert statuses == ["pending"] * 3 + ["sent"] * 3
    assert deliver(tf) == 3
    assert len(mailer.messages) == 6


def test_a_broken_template_fails_the_mail_visibly_and_a_replay_after_the_fix_sends_it(
    events: RecordingEventPublisher, tmp_path: Path
) -> None:
    subject = tmp_path / "fa" / "invite.created" / "subject.txt"
    subject.parent.mkdir(parents=True)
    subject.write_text("{{ no_such_variable }}", encoding="utf-8")
    mailer = RecordingMailer()
    tf = make_test_taskflow(
        publisher=events,
        mailer=mailer,
        notification_config=NotificationConfig(template_dir=tmp_path),
    )
    owner = tf.auth.signup(email="o@example.com", password="correct horse 1", name="O").user
    team = tf.teams.create(owner.id, name="T")
    tf.invites.create(owner.id, team.id, email="guest@example.com")
    event = events.named(INVITE_CREATED)[-1]
    tf.notifications.handle_event(event)  # the event itself is not blocked

    assert deliver(tf) == 0
    [mail] = tf.notifications.event_deliveries(event.id)
    failed = tf.notifications.get_delivery(mail.id)
    assert failed.status is DeliveryStatus.FAILED
    assert "no_such_variable" in (failed.last_error or "")

    subject.write_text("دعوت به {{ team }}", encoding="utf-8")
    tf.notifications.replay(mail.id)
    assert deliver(tf) == 1
    assert mailer.messages[0]["Subject"] == "دعوت به T"


def test_a_broken_subject_template_does_not_block_the_in_app_notification(
    events: RecordingEventPublisher, tmp_path: Path
) -> None:
    subject = tmp_path / "fa" / "task.assigned" / "subject.txt"
    subject.parent.mkdir(parents=True)
    subject.write_text("{% if %}", encoding="utf-8")  # does not even compile
    tf = make_test_taskflow(
        publisher=events, notification_config=NotificationConfig(template_dir=tmp_path)
    )
    owner = tf.auth.signup(email="o@example.com", password="correct horse 1", name="O").user
    sara = tf.auth.signup(email="s@example.com", password="correct horse 2", name="S").user
    team = tf.teams.create(owner.id, name="T")
    tf.invites.create(owner.id, team.id, email="s@example.com")
    tf.invites.accept(sara.id, token=events.named(INVITE_CREATED)[-1].payload["token"])
    tf.tasks.create(owner.id, team.id, title="Report", assignee_id=sara.id)
    tf.notifications.handle_event(events.named(TASK_ASSIGNED)[-1])
    assert [n.text for n in tf.notifications.list(sara.id).items] == ["task.assigned: Report"]
