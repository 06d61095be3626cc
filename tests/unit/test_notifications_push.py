"""Web Push, end to end on the server side: events become push deliveries for the
devices a user subscribed; the real ``WebPushSender`` signs (VAPID) and encrypts
(aes128gcm) each message for a push service stand-in on loopback, which checks the
signature and decrypts the payload with the device's keys, so the tests read the
notification text a browser would show. Same rules as mail: retries with backoff, dead
and replay, quiet hours, the rate limit; a subscription the service says is gone is
removed; no payload carries a secret. On every backend of the unit suite."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from crew import Crew
from notifying import deliver, handle_last, text_of

from push_service import Device, PushServiceStandIn, running_push_service, with_push
from taskflow import InvalidInput, PushUnavailable, TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.adapters.webpush import WebPushSender
from taskflow.domain.notifications import NotificationType, PushSubscription
from taskflow.events import INVITE_CREATED, TASK_ASSIGNED, TASK_COMPLETED
from taskflow.notifications import Channel, Delivery, DeliveryStatus, NotificationConfig
from taskflow.notifications.push import PUSH_DONE, check_endpoint
from taskflow.settings import new_vapid_private_key
from taskflow.testing import (
    FakeClock,
    RecordingMailer,
    make_test_taskflow,
    one_time_token,
)

APP = "https://app.example.com"


@pytest.fixture
def sender() -> WebPushSender:
    return WebPushSender(private_key=new_vapid_private_key(), subject="mailto:ops@example.com")


@pytest.fixture
def service(sender: WebPushSender) -> Iterator[PushServiceStandIn]:
    with running_push_service(vapid_public_key=sender.public_key) as stand_in:
        yield stand_in
    assert stand_in.rejected == []  # every message had a valid VAPID JWT and decrypted


@pytest.fixture
def config() -> NotificationConfig:
    return NotificationConfig(
        app_url=APP, push_hosts=("127.0.0.1",), push_rate_limit=0, email_rate_limit=0
    )


@pytest.fixture
def tf(tf: TaskFlow, sender: WebPushSender, config: NotificationConfig) -> TaskFlow:
    """The suite's ``tf`` on each backend, with Web Push to the stand-in."""
    return with_push(tf, sender, config)


def subscribe(tf: TaskFlow, user_id: UUID, device: Device) -> PushSubscription:
    keys = device.subscription_json()["keys"]
    return tf.notifications.subscribe_push(
        user_id, endpoint=device.endpoint, p256dh=keys["p256dh"], auth=keys["auth"]
    )


def assign(tf: TaskFlow, events: RecordingEventPublisher, crew: Crew, title: str) -> Delivery:
    """A task assigned to the crew's assignee by the owner, handled; its push delivery."""
    tf.tasks.create(crew.owner, crew.team_id, title=title, assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)
    return push_of(tf, event.id)


def push_of(tf: TaskFlow, event_id: UUID) -> Delivery:
    [push] = [d for d in tf.notifications.event_deliveries(event_id) if d.channel is Channel.PUSH]
    return push


def test_an_assignment_reaches_each_device_with_the_real_text(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    crew: Crew,
    service: PushServiceStandIn,
    mailer: RecordingMailer,
) -> None:
    phone, laptop = service.device("phone"), service.device("laptop")
    subscribe(tf, crew.assignee, phone)
    subscribe(tf, crew.assignee, laptop)
    task = tf.tasks.create(
        crew.owner, crew.team_id, title="گزارش ماهانه", assignee_id=crew.assignee
    )
    event = handle_last(tf, events, TASK_ASSIGNED)
    push = push_of(tf, event.id)
    assert push.status is DeliveryStatus.PENDING

    assert deliver(tf) == 2  # the mail and the push
    assert len(mailer.messages) == 1
    assert sorted(d.device for d in service.received) == ["laptop", "phone"]
    message = service.received[0].message
    assert message == {
        "id": str(push.id),
        "type": "task.assigned",
        "title": "تسک به شما اختصاص داده شد",
        "body": "گزارش ماهانه (از طرف Owner)",
        "url": f"{APP}/tasks/{task.id}",
        "data": {
            "task_id": str(task.id),
            "team_id": str(crew.team_id),
            "title": "گزارش ماهانه",
            "due_date": None,
            "assigned_by": "Owner",
        },
    }
    headers = {k.lower(): v for k, v in service.received[0].headers.items()}
    assert headers["topic"] == push.id.hex  # a push service replaces an undelivered copy
    assert headers["ttl"] == str(24 * 3600)
    sent = tf.notifications.get_delivery(push.id)
    assert sent.status is DeliveryStatus.SENT
    assert sent.attempts == 1
    assert len(sent.context[PUSH_DONE]) == 2
    assert deliver(tf) == 0  # nothing more to send


def test_the_users_language_is_the_push_language(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew, service: PushServiceStandIn
) -> None:
    tf.notifications.update_preferences(crew.creator, language="en")
    subscribe(tf, crew.creator, service.device("phone"))
    task = tf.tasks.create(crew.creator, crew.team_id, title="Ship it", assignee_id=crew.assignee)
    tf.tasks.complete(crew.assignee, task.id)
    handle_last(tf, events, TASK_COMPLETED)
    deliver(tf)
    [delivered] = service.received
    assert (delivered.message["title"], delivered.message["body"]) == (
        "Task completed",
        "Assignee completed Ship it",
    )


def test_no_device_or_push_turned_off_means_no_push_delivery(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew, service: PushServiceStandIn
) -> None:
    tf.tasks.create(crew.owner, crew.team_id, title="One", assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)
    channels = {d.channel for d in tf.notifications.event_deliveries(event.id)}
    assert channels == {Channel.EMAIL, Channel.IN_APP}  # not subscribed: no push row

    subscribe(tf, crew.assignee, service.device("phone"))
    tf.notifications.update_preferences(crew.assignee, push={"task.assigned": False})
    prefs = tf.notifications.get_preferences(crew.assignee)
    assert not prefs.wants_push(NotificationType.TASK_ASSIGNED)
    assert prefs.wants_push(NotificationType.TASK_DUE_SOON)
    tf.tasks.create(crew.owner, crew.team_id, title="Two", assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)
    channels = {d.channel for d in tf.notifications.event_deliveries(event.id)}
    assert channels == {Channel.EMAIL, Channel.IN_APP}  # turned off: no push, in-app still
    deliver(tf)
    assert service.received == []


def test_a_gone_subscription_is_removed_and_the_other_devices_still_get_it(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew, service: PushServiceStandIn
) -> None:
    old, new = service.device("old"), service.device("new")
    subscribe(tf, crew.assignee, old)
    subscribe(tf, crew.assignee, new)
    service.answer("old", 410)
    push = assign(tf, events, crew, "Renew")
    deliver(tf)
    assert [d.device for d in service.received] == ["new"]
    assert tf.notifications.get_delivery(push.id).status is DeliveryStatus.SENT
    assert [s.endpoint for s in tf.notifications.push_subscriptions(crew.assignee)] == [
        new.endpoint
    ]


@pytest.mark.parametrize(
    ("status", "error", "kept"),
    [
        (404, "every push subscription of the user has expired", False),  # gone: removed
        (413, "answered 413", True),  # refused for good, but the device is still there
    ],
)
def test_a_push_no_device_took_fails_at_once(  # noqa: PLR0917
    tf: TaskFlow,
    events: RecordingEventPublisher,
    crew: Crew,
    service: PushServiceStandIn,
    status: int,
    error: str,
    kept: bool,
) -> None:
    subscribe(tf, crew.assignee, service.device("phone"))
    service.answer("phone", status)
    push = assign(tf, events, crew, "Nobody home")
    deliver(tf)
    failed = tf.notifications.get_delivery(push.id)
    assert failed.status is DeliveryStatus.FAILED
    assert error in (failed.last_error or "")
    assert bool(tf.notifications.push_subscriptions(crew.assignee)) is kept


def test_429_and_5xx_are_retried_with_backoff_and_retry_after(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    crew: Crew,
    service: PushServiceStandIn,
    clock: FakeClock,
) -> None:
    subscribe(tf, crew.assignee, service.device("phone"))
    service.answer("phone", (429, "600"), 503)
    push = assign(tf, events, crew, "Later")
    start = clock.now()

    deliver(tf)
    first = tf.notifications.get_delivery(push.id)
    assert first.status is DeliveryStatus.DEFERRED
    assert first.attempts == 1
    assert "429" in (first.last_error or "")
    assert first.next_attempt_at >= start + timedelta(seconds=600)  # Retry-After: 600

    clock.advance(timedelta(seconds=601))
    deliver(tf)
    second = tf.notifications.get_delivery(push.id)
    assert second.status is DeliveryStatus.DEFERRED
    assert "503" in (second.last_error or "")

    clock.advance(timedelta(hours=1))
    deliver(tf)
    assert tf.notifications.get_delivery(push.id).status is DeliveryStatus.SENT
    assert service.texts() == ["Later (از طرف Owner)"]  # the device had it once


def test_a_retry_goes_only_to_the_devices_that_did_not_take_it(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    crew: Crew,
    service: PushServiceStandIn,
    clock: FakeClock,
) -> None:
    subscribe(tf, crew.assignee, service.device("phone"))
    subscribe(tf, crew.assignee, service.device("laptop"))
    service.answer("laptop", 500)
    push = assign(tf, events, crew, "Twice?")
    deliver(tf)
    assert tf.notifications.get_delivery(push.id).status is DeliveryStatus.DEFERRED
    clock.advance(timedelta(hours=1))
    deliver(tf)
    assert tf.notifications.get_delivery(push.id).status is DeliveryStatus.SENT
    assert sorted(d.device for d in service.received) == ["laptop", "phone"]  # once each


def test_every_attempt_failing_is_dead_then_replayable(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    crew: Crew,
    service: PushServiceStandIn,
    clock: FakeClock,
) -> None:
    subscribe(tf, crew.assignee, service.device("phone"))
    service.answer("phone", *([502] * tf.notifications.config.max_attempts))
    push = assign(tf, events, crew, "Down")
    for _ in range(tf.notifications.config.max_attempts):
        deliver(tf)
        clock.advance(timedelta(hours=2))
    dead = tf.notifications.get_delivery(push.id)
    assert dead.status is DeliveryStatus.DEAD
    assert dead.attempts == tf.notifications.config.max_attempts
    tf.notifications.replay(push.id)
    deliver(tf)
    assert tf.notifications.get_delivery(push.id).status is DeliveryStatus.SENT
    assert len(service.received) == 1


def test_quiet_hours_hold_a_push_until_they_end(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    crew: Crew,
    service: PushServiceStandIn,
    clock: FakeClock,
) -> None:
    subscribe(tf, crew.assignee, service.device("phone"))
    now = clock.now()
    start = (now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    tf.notifications.update_preferences(
        crew.assignee, quiet_hours_start=start, quiet_hours_end=end, timezone="UTC"
    )
    push = assign(tf, events, crew, "Tonight")
    deliver(tf)
    held = tf.notifications.get_delivery(push.id)
    assert held.status is DeliveryStatus.DEFERRED
    assert held.last_error == "quiet hours"
    assert held.next_attempt_at.time() == time(end.hour, end.minute)
    assert service.received == []
    clock.advance(timedelta(hours=2, minutes=1))
    deliver(tf)
    assert tf.notifications.get_delivery(push.id).status is DeliveryStatus.SENT
    assert service.texts() == ["Tonight (از طرف Owner)"]


def _completions_to_the_owner(
    config: NotificationConfig,
    *,
    clock: FakeClock,
    events: RecordingEventPublisher,
    sender: WebPushSender,
    service: PushServiceStandIn,
    titles: tuple[str, ...],
) -> tuple[TaskFlow, list[Delivery]]:
    """A taskflow of ``config``; an owner with a device and a member who completes a task
    per title; returns it and the (handled) push deliveries to the owner."""
    tf = make_test_taskflow(clock=clock, publisher=events, push=sender, notification_config=config)
    owner = tf.auth.signup(email="o@example.com", password="correct horse", name="O").user.id
    team = tf.teams.create(owner, name="T").id
    subscribe(tf, owner, service.device("phone"))
    other = tf.auth.signup(email="x@example.com", password="correct horse", name="X").user.id
    tf.invites.create(owner, team, email="x@example.com")
    tf.invites.accept(other, token=one_time_token(tf, events.named(INVITE_CREATED)[-1]))
    pushes = []
    for title in titles:
        task = tf.tasks.create(owner, team, title=title, assignee_id=other)
        tf.tasks.complete(other, task.id)
        pushes.append(push_of(tf, handle_last(tf, events, TASK_COMPLETED).id))
    return tf, pushes


def test_the_push_rate_limit_defers_the_excess(
    clock: FakeClock,
    events: RecordingEventPublisher,
    sender: WebPushSender,
    service: PushServiceStandIn,
) -> None:
    config = NotificationConfig(
        push_hosts=("127.0.0.1",), push_rate_limit=1, push_rate_window=timedelta(hours=1)
    )
    tf, pushes = _completions_to_the_owner(
        config, clock=clock, events=events, sender=sender, service=service, titles=("a", "b")
    )
    deliver(tf)
    statuses = [tf.notifications.get_delivery(p.id) for p in pushes]
    assert [s.status for s in statuses] == [DeliveryStatus.SENT, DeliveryStatus.DEFERRED]
    assert (statuses[1].last_error or "").startswith("rate limit: 1 push notifications per")
    clock.advance(timedelta(hours=1, seconds=1))
    deliver(tf)
    assert service.texts() == ["X تسک a را تکمیل کرد", "X تسک b را تکمیل کرد"]


def test_an_invite_push_carries_no_token_and_opens_the_app(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    crew: Crew,
    service: PushServiceStandIn,
    mailer: RecordingMailer,
) -> None:
    subscribe(tf, crew.outsider, service.device("phone"))
    email = tf.auth.me(crew.outsider).email
    tf.invites.create(crew.owner, crew.team_id, email=email)
    event = handle_last(tf, events, INVITE_CREATED)
    token = one_time_token(tf, event)
    push = push_of(tf, event.id)
    assert token not in json.dumps(push.context)
    assert "sealed_token" not in push.context
    deliver(tf)
    [delivered] = service.received
    assert token not in delivered.raw_text
    assert delivered.message["url"] == f"{APP}/"
    assert delivered.message["body"] == "به تیم Crew دعوت شدید (از طرف Owner)"
    assert any(token in text_of(m) for m in mailer.messages)  # the mail has the link


def test_an_overriding_template_changes_the_push_text(
    clock: FakeClock,
    events: RecordingEventPublisher,
    sender: WebPushSender,
    service: PushServiceStandIn,
    tmp_path: Path,
) -> None:
    (tmp_path / "task.completed").mkdir()
    (tmp_path / "task.completed" / "push_body.txt").write_text("✔ {{ title }}", encoding="utf-8")
    config = NotificationConfig(push_hosts=("127.0.0.1",), template_dir=tmp_path)
    tf, _ = _completions_to_the_owner(
        config, clock=clock, events=events, sender=sender, service=service, titles=("Done deal",)
    )
    deliver(tf)
    assert service.texts() == ["✔ Done deal"]


# --- Subscriptions ---------------------------------------------------------------------


def test_subscriptions_are_per_device_and_an_endpoint_moves_to_its_last_user(
    tf: TaskFlow, crew: Crew, service: PushServiceStandIn
) -> None:
    phone, laptop = service.device("phone"), service.device("laptop")
    first = subscribe(tf, crew.member, phone)
    subscribe(tf, crew.member, laptop)
    assert [s.endpoint for s in tf.notifications.push_subscriptions(crew.member)] == [
        phone.endpoint,
        laptop.endpoint,
    ]
    again = subscribe(tf, crew.member, phone)  # the browser subscribes again: one row
    assert again.id == first.id
    moved = subscribe(tf, crew.admin, phone)  # another user signs in on that browser
    assert moved.id == first.id
    assert moved.user_id == crew.admin
    assert [s.endpoint for s in tf.notifications.push_subscriptions(crew.member)] == [
        laptop.endpoint
    ]
    assert tf.notifications.unsubscribe_push_endpoint(crew.member, phone.endpoint) is False
    assert tf.notifications.unsubscribe_push_endpoint(crew.admin, phone.endpoint) is True
    assert tf.notifications.push_subscriptions(crew.admin) == []


def test_a_subscription_is_checked(tf: TaskFlow, crew: Crew, service: PushServiceStandIn) -> None:
    device = service.device("phone")
    keys = device.subscription_json()["keys"]
    cases = [
        ({"endpoint": "https://evil.example/push/1"}, "endpoint"),
        ({"endpoint": "http://fcm.googleapis.com/x/y"}, "endpoint"),
        ({"p256dh": keys["auth"] * 5}, "p256dh"),
        ({"p256dh": "A" + keys["p256dh"][1:]}, "p256dh"),  # not an uncompressed point
        ({"auth": "not base64!!!!!!!!"}, "auth"),
    ]
    for change, field in cases:
        given = {"endpoint": device.endpoint, **keys, **change}
        with pytest.raises(InvalidInput) as caught:
            tf.notifications.subscribe_push(crew.member, **given)
        assert field in str(caught.value.to_dict()) + str(getattr(caught.value, "errors", ""))
    assert tf.notifications.push_subscriptions(crew.member) == []


def test_without_a_push_sender_push_is_unavailable_and_nothing_is_written(
    events: RecordingEventPublisher,
) -> None:
    tf = make_test_taskflow(publisher=events)
    user = tf.auth.signup(email="u@example.com", password="correct horse", name="U").user.id
    with pytest.raises(PushUnavailable):
        tf.notifications.push_public_key()
    with pytest.raises(PushUnavailable):
        tf.notifications.subscribe_push(
            user, endpoint="https://fcm.googleapis.com/x", p256dh="x" * 87, auth="y" * 22
        )


MOZILLA = ("*.push.services.mozilla.com",)


@pytest.mark.parametrize(
    ("endpoint", "hosts", "allowed"),
    [
        ("https://fcm.googleapis.com/fcm/send/abc", ("fcm.googleapis.com",), True),
        ("https://updates.push.services.mozilla.com/wpush/v2/x", MOZILLA, True),
        ("https://push.services.mozilla.com.evil.example/x", MOZILLA, False),
        ("http://fcm.googleapis.com/x", ("fcm.googleapis.com",), False),
        ("https://anything.example/x", ("*",), True),
        ("https://10.0.0.5/x", ("*",), False),
        ("https://169.254.169.254/latest", ("*",), False),
        ("http://127.0.0.1:9000/push/a", ("127.0.0.1",), True),
        ("http://127.0.0.1:9000/push/a", ("*",), False),
        ("https://user:pw@fcm.googleapis.com/x", ("fcm.googleapis.com",), False),
        ("ftp://fcm.googleapis.com/x", ("fcm.googleapis.com",), False),
    ],
)  # fmt: skip
def test_the_server_posts_only_to_the_push_services_it_allows(
    endpoint: str, hosts: tuple[str, ...], allowed: bool
) -> None:
    if allowed:
        assert check_endpoint(endpoint, hosts) == endpoint
    else:
        with pytest.raises(ValueError):
            check_endpoint(endpoint, hosts)
