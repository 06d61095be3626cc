"""Preferences: email on/off per type (in-app always on), quiet hours in the user's time
zone (held, never dropped), language; and their validation."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from crew import Crew
from notifying import deliver, handle_last

from taskflow import InvalidInput, TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import TASK_ASSIGNED
from taskflow.notifications import Channel, DeliveryStatus, NotificationType
from taskflow.testing import FakeClock, RecordingMailer


def test_the_defaults_are_persian_utc_every_mail_on_no_quiet_hours(
    tf: TaskFlow, crew: Crew
) -> None:
    prefs = tf.notifications.get_preferences(crew.member)
    assert prefs.language == "fa"
    assert prefs.timezone == "UTC"
    assert prefs.email_off == frozenset()
    assert prefs.quiet_hours_start is None
    assert prefs.quiet_hours_end is None


def test_an_update_changes_only_what_it_names(tf: TaskFlow, crew: Crew) -> None:
    tf.notifications.update_preferences(
        crew.member, timezone="Asia/Tehran", quiet_hours_start="22:00", quiet_hours_end="07:00"
    )
    tf.notifications.update_preferences(crew.member, email={"task.due_soon": False})
    tf.notifications.update_preferences(crew.member, language="en")
    prefs = tf.notifications.get_preferences(crew.member)
    assert prefs.timezone == "Asia/Tehran"
    assert (prefs.quiet_hours_start, prefs.quiet_hours_end) == (time(22), time(7))
    assert prefs.email_off == {NotificationType.TASK_DUE_SOON}
    assert prefs.language == "en"

    tf.notifications.update_preferences(crew.member, email={"task.due_soon": True})
    tf.notifications.update_preferences(crew.member, quiet_hours_start=None, quiet_hours_end=None)
    prefs = tf.notifications.get_preferences(crew.member)
    assert prefs.email_off == frozenset()
    assert prefs.quiet_hours_start is None
    assert prefs.timezone == "Asia/Tehran"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"language": "de"}, "language"),
        ({"email": {"task.nonsense": False}}, "email"),
        ({"email": {"user.password_reset": False}}, "email"),
        ({"quiet_hours_start": "22:00"}, "body"),
        ({"quiet_hours_start": "22:00", "quiet_hours_end": "22:00"}, "body"),
        ({"quiet_hours_start": "25:00", "quiet_hours_end": "07:00"}, "quiet_hours_start"),
        ({"sms": True}, "sms"),
    ],
)
def test_bad_preferences_are_refused_naming_the_field(
    tf: TaskFlow, crew: Crew, changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        tf.notifications.update_preferences(crew.member, **changes)
    assert field in {error["field"] for error in raised.value.errors}
    assert tf.notifications.get_preferences(crew.member).updated_at is None


def test_a_mail_turned_off_is_not_sent_but_the_in_app_notification_is(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.notifications.update_preferences(crew.assignee, email={"task.assigned": False})
    tf.tasks.create(crew.owner, crew.team_id, title="Quiet", assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)

    assert deliver(tf) == 0
    assert mailer.messages == []
    assert [d.channel for d in tf.notifications.event_deliveries(event.id)] == [Channel.IN_APP]
    assert tf.notifications.unread_count(crew.assignee) == 1


def test_the_23h_assignment_mail_goes_out_at_7h_when_quiet_hours_end(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    clock: FakeClock,
    crew: Crew,
) -> None:
    tf.notifications.update_preferences(
        crew.assignee,
        timezone="Asia/Tehran",  # UTC+03:30
        quiet_hours_start="22:00",
        quiet_hours_end="07:00",
    )
    clock.set(datetime(2024, 2, 1, 19, 30, tzinfo=UTC))  # 23:00 in Tehran
    tf.tasks.create(crew.owner, crew.team_id, title="شبانه", assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)

    assert deliver(tf) == 0
    [mail] = [d for d in tf.notifications.event_deliveries(event.id) if d.channel == "email"]
    assert mail.status is DeliveryStatus.DEFERRED
    seven_in_tehran = datetime(2024, 2, 2, 3, 30, tzinfo=UTC)
    assert mail.next_attempt_at == seven_in_tehran
    assert tf.notifications.unread_count(crew.assignee) == 1  # in-app: not held

    clock.set(seven_in_tehran - timedelta(minutes=1))  # 06:59 in Tehran
    assert deliver(tf) == 0
    assert mailer.messages == []

    clock.set(seven_in_tehran)
    assert deliver(tf) == 1
    assert len(mailer.messages) == 1
    [mail] = [d for d in tf.notifications.event_deliveries(event.id) if d.channel == "email"]
    assert mail.status is DeliveryStatus.SENT
    assert mail.sent_at == seven_in_tehran
    assert mail.attempts == 1  # waiting is not a failed attempt


def test_a_mail_outside_quiet_hours_goes_at_once(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    clock: FakeClock,
    crew: Crew,
) -> None:
    tf.notifications.update_preferences(
        crew.assignee, timezone="Asia/Tehran", quiet_hours_start="22:00", quiet_hours_end="07:00"
    )
    clock.set(datetime(2024, 2, 1, 3, 30, tzinfo=UTC))  # 07:00 in Tehran
    tf.tasks.create(crew.owner, crew.team_id, title="Morning", assignee_id=crew.assignee)
    handle_last(tf, events, TASK_ASSIGNED)
    assert deliver(tf) == 1
