"""End to end through a real SMTP server on loopback: event → delivery → the SMTP
adapter → aiosmtpd, reading what the server received; and its failures."""

from __future__ import annotations

import asyncio

from smtp_server import SmtpServer, free_port, smtp_taskflow
from taskflow import TaskFlow
from taskflow.events import TASK_ASSIGNED
from taskflow.notifications import Channel, Delivery, DeliveryStatus
from taskflow.testing import FakeClock, RecordingEventPublisher, one_time_token


def assign_script_task(tf: TaskFlow) -> Delivery:
    """Sara assigns Ali a task titled ``<script>…``; returns the email delivery."""
    sara = tf.auth.signup(email="sara@example.com", password="correct horse 1", name="سارا")
    ali = tf.auth.signup(email="ali@example.com", password="correct horse 2", name="علی")
    team = tf.teams.create(sara.user.id, name="تیم طراحی")
    tf.invites.create(sara.user.id, team.id, email="ali@example.com")
    publisher = tf.publisher
    assert isinstance(publisher, RecordingEventPublisher)
    token = one_time_token(tf, publisher.named("invite.created")[-1])
    tf.invites.accept(ali.user.id, token=token)
    tf.tasks.create(
        sara.user.id, team.id, title="<script>alert(1)</script> گزارش", assignee_id=ali.user.id
    )
    event = publisher.named(TASK_ASSIGNED)[-1]
    tf.notifications.handle_event(event)
    [mail] = [d for d in tf.notifications.event_deliveries(event.id) if d.channel is Channel.EMAIL]
    return mail


def deliver(tf: TaskFlow) -> int:
    return asyncio.run(tf.notifications.deliver_due())


def test_the_server_receives_the_persian_mail_for_the_assignee_escaped_in_html(
    smtp_server: SmtpServer,
) -> None:
    tf = smtp_taskflow(smtp_server.port, FakeClock())
    mail = assign_script_task(tf)
    assert deliver(tf) == 1

    [received] = smtp_server.received
    assert received.rcpt_tos == ["ali@example.com"]
    assert received.mail_from == "no-reply@taskflow.test"
    message = received.message
    assert message["To"] == "ali@example.com"
    assert message["Subject"] == "تسک <script>alert(1)</script> گزارش به شما اختصاص داده شد"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "سلام علی،" in text.get_content()
    assert "<script>alert(1)</script> گزارش" in text.get_content()
    html_text = html.get_content()
    assert '<html lang="fa" dir="rtl">' in html_text
    assert message["Message-ID"] == f"<{mail.id}@taskflow.test>"
    assert "&lt;script&gt;alert(1)&lt;/script&gt; گزارش" in html_text
    assert "<script>" not in html_text


def test_451_twice_then_250_is_one_mail_after_three_attempts(smtp_server: SmtpServer) -> None:
    clock = FakeClock()
    tf = smtp_taskflow(smtp_server.port, clock)
    smtp_server.handler.answers = ["451 4.3.0 try again later"] * 2
    mail = assign_script_task(tf)

    for _ in range(3):
        deliver(tf)
        clock.advance(minutes=2)  # past any backoff of the first attempts

    assert smtp_server.handler.data_commands == 3
    assert len(smtp_server.received) == 1
    logged = tf.notifications.get_delivery(mail.id)
    assert logged.status is DeliveryStatus.SENT
    assert logged.attempts == 3
    assert logged.last_error is not None
    assert "451" in logged.last_error  # the log keeps why it had to retry
    clock.advance(hours=1)
    assert deliver(tf) == 0
    assert len(smtp_server.received) == 1


def test_a_5xx_answer_fails_the_mail_at_once(smtp_server: SmtpServer) -> None:
    clock = FakeClock()
    tf = smtp_taskflow(smtp_server.port, clock)
    smtp_server.handler.answers = ["554 5.7.1 rejected: spam"]
    mail = assign_script_task(tf)
    assert deliver(tf) == 0
    clock.advance(hours=1)
    assert deliver(tf) == 0
    logged = tf.notifications.get_delivery(mail.id)
    assert (logged.status, logged.attempts) == (DeliveryStatus.FAILED, 1)
    assert "554" in (logged.last_error or "")
    assert smtp_server.handler.data_commands == 1


def test_smtp_down_for_good_makes_the_mail_dead_and_a_replay_delivers_it() -> None:
    clock = FakeClock()
    port = free_port()  # nothing listens there: connection refused
    tf = smtp_taskflow(port, clock, max_attempts=4)
    mail = assign_script_task(tf)

    for _ in range(6):
        assert deliver(tf) == 0
        clock.advance(tf.notifications.config.retry_max)
    dead = tf.notifications.get_delivery(mail.id)
    assert (dead.status, dead.attempts) == (DeliveryStatus.DEAD, 4)
    assert "cannot reach the SMTP server" in (dead.last_error or "")

    server = SmtpServer(port)
    server.start()
    try:
        assert deliver(tf) == 0  # dead stays dead...
        tf.notifications.replay(mail.id)  # ...until someone replays it
        assert deliver(tf) == 1
        assert [r.rcpt_tos for r in server.received] == [["ali@example.com"]]
    finally:
        server.stop()
    assert tf.notifications.get_delivery(mail.id).status is DeliveryStatus.SENT
