"""The seed's routing table (section 7): which event reaches whom, on which channel, in
Persian by default, and only once however often the event is delivered."""

from __future__ import annotations

from datetime import date

from crew import Crew
from notifying import deliver, email_of, handle_last, html_of, subject, text_of

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import (
    INVITE_CREATED,
    TASK_ASSIGNED,
    TASK_COMPLETED,
    TASK_CREATED,
    USER_PASSWORD_RESET,
    USER_SIGNUP,
    USER_VERIFY_EMAIL,
)
from taskflow.notifications import Channel, DeliveryStatus, NotificationType
from taskflow.testing import RecordingMailer


def test_an_assignment_reaches_the_assignee_in_app_and_by_mail_in_persian(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    task = tf.tasks.create(
        crew.owner, crew.team_id, title="گزارش ماهانه", assignee_id=crew.assignee,
        due_date=date(2024, 2, 10),
    )  # fmt: skip
    event = handle_last(tf, events, TASK_ASSIGNED)

    inbox = tf.notifications.list(crew.assignee).items
    assert [n.text for n in inbox] == ["تسک گزارش ماهانه به شما اختصاص داده شد"]
    assert inbox[0].type is NotificationType.TASK_ASSIGNED
    assert inbox[0].data["task_id"] == str(task.id)
    deliveries = tf.notifications.event_deliveries(event.id)
    assert sorted(d.channel for d in deliveries) == [Channel.EMAIL, Channel.IN_APP]

    assert deliver(tf) == 1
    [message] = mailer.messages
    assert message["To"] == email_of(tf, crew.assignee)
    assert subject(message) == "تسک گزارش ماهانه به شما اختصاص داده شد"
    assert "گزارش ماهانه" in text_of(message)
    assert f"/tasks/{task.id}" in html_of(message)
    assert tf.notifications.list(crew.owner).items == []


def test_assigning_a_task_to_yourself_notifies_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.tasks.create(crew.assignee, crew.team_id, title="Mine", assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)
    assert tf.notifications.event_deliveries(event.id) == []
    assert deliver(tf) == 0
    assert tf.notifications.unread_count(crew.assignee) == 0


def test_a_completion_reaches_the_creator_in_app_only(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="طراحی", assignee_id=crew.assignee)
    tf.tasks.complete(crew.assignee, task.id)
    event = handle_last(tf, events, TASK_COMPLETED)

    [notification] = tf.notifications.list(crew.creator).items
    assert notification.text == "Assignee تسک طراحی را تکمیل کرد"
    assert [d.channel for d in tf.notifications.event_deliveries(event.id)] == [Channel.IN_APP]
    assert deliver(tf) == 0
    assert mailer.messages == []


def test_completing_your_own_task_notifies_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="Solo")
    tf.tasks.complete(crew.creator, task.id)
    event = handle_last(tf, events, TASK_COMPLETED)
    assert tf.notifications.event_deliveries(event.id) == []
    assert tf.notifications.unread_count(crew.creator) == 0


def test_a_created_task_alone_notifies_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    tf.tasks.create(crew.creator, crew.team_id, title="Unassigned")
    event = handle_last(tf, events, TASK_CREATED)
    assert tf.notifications.event_deliveries(event.id) == []


def test_an_invite_mails_the_invited_address_with_its_link(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.invites.create(crew.owner, crew.team_id, email="new.person@example.com")
    event = handle_last(tf, events, INVITE_CREATED)
    token = event.payload["token"]

    assert deliver(tf) == 1
    [message] = mailer.to("new.person@example.com")
    assert subject(message) == "به تیم Crew دعوت شدید"
    assert f"/invites/accept?token={token}" in text_of(message)
    # The link is a secret: once the mail went, the log no longer keeps it.
    [delivery] = tf.notifications.event_deliveries(event.id)
    assert delivery.status is DeliveryStatus.SENT
    assert token not in str(delivery.context)


def test_a_signup_gets_the_welcome_mail(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer
) -> None:
    tf.auth.signup(email="sara@example.com", password="correct horse battery", name="سارا")
    handle_last(tf, events, USER_SIGNUP)
    assert deliver(tf) == 1
    [message] = mailer.to("sara@example.com")
    assert subject(message) == "به TaskFlow خوش آمدید"
    assert "سلام سارا،" in text_of(message)


def test_verification_and_reset_mails_carry_their_token_link(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer
) -> None:
    user = tf.auth.signup(email="ali@example.com", password="correct horse battery", name="Ali")
    tf.auth.request_email_verification(user.user.id)
    verify = handle_last(tf, events, USER_VERIFY_EMAIL)
    tf.auth.request_password_reset(email="ali@example.com")
    reset = handle_last(tf, events, USER_PASSWORD_RESET)

    assert deliver(tf) == 2
    verify_mail, reset_mail = mailer.to("ali@example.com")
    assert f"/verify-email?token={verify.payload['token']}" in text_of(verify_mail)
    assert f"/reset-password?token={reset.payload['token']}" in html_of(reset_mail)


def test_security_mails_go_out_even_with_every_optional_mail_turned_off(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer
) -> None:
    user = tf.auth.signup(email="ali@example.com", password="correct horse battery", name="Ali")
    tf.notifications.update_preferences(
        user.user.id, email={kind.value: False for kind in NotificationType
                             if kind.email_can_be_turned_off},
    )  # fmt: skip
    tf.auth.request_password_reset(email="ali@example.com")
    handle_last(tf, events, USER_PASSWORD_RESET)
    assert deliver(tf) == 1


def test_a_redelivered_event_adds_nothing_and_sends_nothing_twice(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.tasks.create(crew.owner, crew.team_id, title="Once", assignee_id=crew.assignee)
    event = handle_last(tf, events, TASK_ASSIGNED)
    assert deliver(tf) == 1

    for _ in range(3):  # the queue gives it again: after a crash, a lost ack...
        tf.notifications.handle_event(event)
    assert deliver(tf) == 0

    assert len(mailer.messages) == 1
    assert tf.notifications.unread_count(crew.assignee) == 1
    assert len(tf.notifications.event_deliveries(event.id)) == 2  # email + in-app
