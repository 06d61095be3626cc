"""A user's data export: asked for with ``tf.exports.request``, made by the worker (the
``user.data_export`` event becomes a mail whose attachment is built when it is sent),
holding the user's own data and nobody else's, once per interval."""

from __future__ import annotations

import json
from datetime import date, timedelta
from email.message import EmailMessage
from typing import Any
from uuid import uuid4

import pytest
from crew import Crew
from notifying import deliver, email_of, handle_last, subject, text_of

from taskflow import DataExportTooSoon, RateLimited, TaskFlow, UserNotFound
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.domain.mentions import mention_token
from taskflow.events import COMMENT_ADDED, TASK_ASSIGNED, USER_DATA_EXPORT
from taskflow.notifications import Channel, DeliveryStatus, NotificationType
from taskflow.services.exports import DOCUMENT_FORMAT, DOCUMENT_VERSION
from taskflow.testing import FakeClock, RecordingMailer


def _attachment(message: EmailMessage) -> tuple[str, dict[str, Any]]:
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/json"
    content = part.get_content()
    assert isinstance(content, bytes)
    return str(part.get_filename()), json.loads(content.decode("utf-8"))


def _exported(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, user_id: Any
) -> tuple[EmailMessage, str, dict[str, Any]]:
    tf.exports.request(user_id)
    handle_last(tf, events, USER_DATA_EXPORT)
    deliver(tf)
    [message] = [
        m
        for m in mailer.messages
        if m["To"] == email_of(tf, user_id) and list(m.iter_attachments())
    ]
    name, document = _attachment(message)
    return message, name, document


def test_the_export_is_mailed_to_the_user_as_one_json_attachment(
    tf: TaskFlow,
    events: RecordingEventPublisher,
    mailer: RecordingMailer,
    crew: Crew,
    clock: FakeClock,
) -> None:
    tf.notifications.update_preferences(crew.creator, language="en", timezone="Asia/Tehran")
    accepted = tf.exports.request(crew.creator)
    assert accepted.requested_at == clock.now()
    assert accepted.next_request_at == clock.now() + timedelta(hours=24)
    event = handle_last(tf, events, USER_DATA_EXPORT)
    assert event.payload == {"user_id": str(crew.creator), "requested_at": clock.now().isoformat()}
    [delivery] = tf.notifications.event_deliveries(event.id)
    assert (delivery.channel, delivery.type) == (Channel.EMAIL, NotificationType.USER_DATA_EXPORT)
    assert tf.notifications.list(crew.creator).items == []  # mail only

    assert deliver(tf) == 1
    [message] = mailer.messages
    assert message["To"] == email_of(tf, crew.creator)
    assert subject(message) == "Your TaskFlow data export"
    assert "JSON" in text_of(message)
    name, document = _attachment(message)
    assert name == f"data-export-{clock.now().date().isoformat()}.json"
    assert document["format"] == DOCUMENT_FORMAT
    assert document["version"] == DOCUMENT_VERSION
    assert document["generated_at"] == clock.now().isoformat()
    assert document["profile"]["id"] == str(crew.creator)
    assert document["profile"]["email"] == email_of(tf, crew.creator)
    assert document["profile"]["name"] == "Creator"
    assert document["preferences"]["timezone"] == "Asia/Tehran"
    assert document["preferences"]["language"] == "en"
    assert [m["team_name"] for m in document["memberships"]] == ["Crew"]
    assert document["memberships"][0]["role"] == "member"
    assert document["memberships"][0]["joined_at"] is not None
    # Nothing of the document stays in the notification log once sent.
    [sent] = tf.notifications.event_deliveries(event.id)
    assert sent.status is DeliveryStatus.SENT
    assert "profile" not in json.dumps(sent.context)


def test_the_export_holds_the_users_own_data_and_nobody_elses(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    created = tf.tasks.create(
        crew.member, crew.team_id, title="Mine", description="notes", due_date=date(2024, 3, 1)
    )
    assigned = tf.tasks.create(crew.owner, crew.team_id, title="Given", assignee_id=crew.member)
    tf.tasks.create(crew.owner, crew.team_id, title="Not hers", assignee_id=crew.admin)
    deleted = tf.tasks.create(crew.member, crew.team_id, title="Gone")
    tf.tasks.delete(crew.member, deleted.id)
    own = tf.comments.add(crew.member, assigned.id, content=f"On it {mention_token(crew.owner)}")
    tf.comments.add(crew.owner, assigned.id, content="Someone else's words")
    for event in events.named(TASK_ASSIGNED):  # crew.member is told of the assignment
        tf.notifications.handle_event(event)
    tf.comments.add(crew.owner, created.id, content="A comment on her task")
    handle_last(tf, events, COMMENT_ADDED)  # ... and of this comment
    newest = tf.notifications.list(crew.member).items[0]
    tf.notifications.archive(crew.member, newest.id)

    _, _, document = _exported(tf, events, mailer, crew.member)

    tasks = {task["title"]: task for task in document["tasks"]}
    assert list(tasks) == ["Mine", "Given", "Gone"]  # oldest first; not "Not hers"
    assert tasks["Mine"]["involvement"] == ["creator"]
    assert tasks["Mine"]["description"] == "notes"
    assert tasks["Mine"]["due_date"] == "2024-03-01"
    assert tasks["Given"]["involvement"] == ["assignee"]
    assert tasks["Given"]["created_by"] == str(crew.owner)
    assert tasks["Gone"]["deleted_at"] is not None
    assert [c["id"] for c in document["comments"]] == [str(own.id)]
    assert document["comments"][0]["content"] == f"On it {mention_token(crew.owner)}"
    types = [n["type"] for n in document["notifications"]]
    assert types == ["task.assigned", "comment.added"]  # oldest first, the archived one too
    assert document["notifications"][0]["archived_at"] is None
    assert document["notifications"][1]["archived_at"] is not None
    assert document["notifications"][1]["id"] == str(newest.id)
    assert document["preferences"] is None  # never changed: the defaults apply
    text = json.dumps(document, ensure_ascii=False)
    assert "Someone else's words" not in text
    assert "password" not in text
    assert email_of(tf, crew.owner) not in text


def test_the_document_is_read_when_the_mail_is_sent_not_when_asked(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.exports.request(crew.member)
    handle_last(tf, events, USER_DATA_EXPORT)
    tf.tasks.create(crew.member, crew.team_id, title="Made meanwhile")
    deliver(tf)
    _, document = _attachment(mailer.messages[0])
    assert [t["title"] for t in document["tasks"]] == ["Made meanwhile"]


def test_a_second_request_within_the_interval_is_refused_with_retry_after(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew, clock: FakeClock
) -> None:
    tf.exports.request(crew.member)
    clock.advance(hours=23)
    with pytest.raises(DataExportTooSoon) as refused:
        tf.exports.request(crew.member)
    assert isinstance(refused.value, RateLimited)
    assert (refused.value.status, refused.value.code) == (429, "data_export_too_soon")
    assert refused.value.retry_after == 3600
    assert len(events.named(USER_DATA_EXPORT)) == 1
    tf.exports.request(crew.admin)  # per user
    clock.advance(hours=1)
    tf.exports.request(crew.member)
    assert len(events.named(USER_DATA_EXPORT)) == 3


def test_a_refused_request_does_not_push_the_next_one_back(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    tf.exports.request(crew.member)
    clock.advance(hours=12)
    with pytest.raises(DataExportTooSoon):
        tf.exports.request(crew.member)
    clock.advance(hours=12)
    assert tf.exports.request(crew.member).requested_at == clock.now()


def test_the_interval_is_a_setting(clock: FakeClock) -> None:
    from taskflow.config import ExportConfig  # noqa: PLC0415
    from taskflow.services.exports import DataExportService  # noqa: PLC0415
    from taskflow.testing import make_test_taskflow  # noqa: PLC0415

    tf = make_test_taskflow(clock=clock)
    tf.exports = DataExportService(tf.uow_factory, clock, ExportConfig(timedelta(minutes=5)))
    user = tf.auth.signup(email="sara@example.com", password="correct horse battery", name="S")
    tf.exports.request(user.user.id)
    with pytest.raises(DataExportTooSoon) as refused:
        tf.exports.request(user.user.id)
    assert refused.value.retry_after == 300
    clock.advance(minutes=5)
    tf.exports.request(user.user.id)


def test_an_unknown_user_cannot_ask(tf: TaskFlow) -> None:
    with pytest.raises(UserNotFound):
        tf.exports.request(uuid4())
    with pytest.raises(UserNotFound):
        tf.exports.build(uuid4())


def test_the_export_mail_cannot_be_turned_off_and_speaks_persian_by_default(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    assert not NotificationType.USER_DATA_EXPORT.email_can_be_turned_off
    message, _, document = _exported(tf, events, mailer, crew.member)
    assert subject(message) == "خروجی داده\u200cهای شما در TaskFlow"  # noqa: RUF001 - Persian
    assert message["Content-Language"] == "fa"
    assert document["profile"]["name"] == "Member"


def test_build_gives_the_same_document_as_the_mail(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.tasks.create(crew.member, crew.team_id, title="Mine")
    _, _, mailed = _exported(tf, events, mailer, crew.member)
    assert tf.exports.build(crew.member) == mailed
