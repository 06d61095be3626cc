"""The data export and the comment mails, through the SMTP adapter to a real aiosmtpd on
loopback: what the server received (the JSON attachment, the quoted comment with its
mentions shown as names) and a server refusing a mail too large."""

from __future__ import annotations

import asyncio
import json
from uuid import UUID

from smtp_server import SmtpServer, smtp_taskflow
from taskflow import TaskFlow
from taskflow.domain.mentions import mention_token
from taskflow.events import COMMENT_ADDED, USER_DATA_EXPORT
from taskflow.notifications import DeliveryStatus
from taskflow.testing import FakeClock, RecordingEventPublisher, one_time_token


def _pair(tf: TaskFlow) -> tuple[UUID, UUID, UUID]:
    """Sara owns a team Ali joined: (sara, ali, team)."""
    sara = tf.auth.signup(email="sara@example.com", password="correct horse 1", name="سارا")
    ali = tf.auth.signup(email="ali@example.com", password="correct horse 2", name="Ali")
    team = tf.teams.create(sara.user.id, name="تیم طراحی")
    tf.invites.create(sara.user.id, team.id, email="ali@example.com")
    token = one_time_token(tf, _publisher(tf).named("invite.created")[-1])
    tf.invites.accept(ali.user.id, token=token)
    return sara.user.id, ali.user.id, team.id


def _publisher(tf: TaskFlow) -> RecordingEventPublisher:
    publisher = tf.publisher
    assert isinstance(publisher, RecordingEventPublisher)
    return publisher


def _deliver(tf: TaskFlow) -> int:
    return asyncio.run(tf.notifications.deliver_due())


def test_the_server_receives_the_export_with_its_json_attachment(
    smtp_server: SmtpServer,
) -> None:
    tf = smtp_taskflow(smtp_server.port, FakeClock())
    sara, _, team = _pair(tf)
    tf.tasks.create(sara, team, title="گزارش ماهانه")
    tf.exports.request(sara)
    event = _publisher(tf).named(USER_DATA_EXPORT)[-1]
    tf.notifications.handle_event(event)
    assert _deliver(tf) == 1

    [received] = smtp_server.received
    assert received.rcpt_tos == ["sara@example.com"]
    message = received.message
    assert message.get_content_type() == "multipart/mixed"
    assert message["Content-Language"] == "fa"
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "سلام سارا،" in text.get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/json"
    assert str(attachment.get_filename()).endswith(".json")
    document = json.loads(attachment.get_content())
    assert document["profile"]["email"] == "sara@example.com"
    assert [t["title"] for t in document["tasks"]] == ["گزارش ماهانه"]
    assert [m["team_name"] for m in document["memberships"]] == ["تیم طراحی"]


def test_an_export_the_server_refuses_as_too_large_ends_failed(smtp_server: SmtpServer) -> None:
    tf = smtp_taskflow(smtp_server.port, FakeClock())
    sara, _, _ = _pair(tf)
    smtp_server.handler.answers = ["552 5.3.4 Message size exceeds fixed limit"]
    tf.exports.request(sara)
    event = _publisher(tf).named(USER_DATA_EXPORT)[-1]
    tf.notifications.handle_event(event)
    assert _deliver(tf) == 0
    [delivery] = tf.notifications.event_deliveries(event.id)
    assert delivery.status is DeliveryStatus.FAILED
    assert delivery.last_error is not None
    assert "552" in delivery.last_error
    assert smtp_server.received == []


def test_the_server_receives_the_mention_with_names_not_tokens(smtp_server: SmtpServer) -> None:
    tf = smtp_taskflow(smtp_server.port, FakeClock())
    sara, ali, team = _pair(tf)
    tf.notifications.update_preferences(ali, language="en")
    task = tf.tasks.create(sara, team, title="Report")
    tf.comments.add(sara, task.id, content=f"{mention_token(ali)} <b>check</b> this")
    tf.notifications.handle_event(_publisher(tf).named(COMMENT_ADDED)[-1])
    assert _deliver(tf) == 1

    [received] = smtp_server.received
    assert received.rcpt_tos == ["ali@example.com"]
    message = received.message
    assert message["Subject"] == "سارا mentioned you on task Report"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    assert "@Ali <b>check</b> this" in text.get_content()
    assert "@Ali &lt;b&gt;check&lt;/b&gt; this" in html.get_content()
    assert "@[user:" not in text.get_content()
