"""Comments reach people: the task's creator and assignee hear of a comment, and the
members it mentions (``@[user:<uuid>]``) hear that they were mentioned; never the author,
never anyone outside the task's team; in-app and by mail, as their preferences say."""

from __future__ import annotations

from uuid import UUID, uuid4

from crew import Crew
from notifying import deliver, email_of, handle_last, html_of, subject, text_of

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.domain.mentions import mention_token
from taskflow.events import COMMENT_ADDED, COMMENT_EDITED
from taskflow.notifications import Channel, NotificationType
from taskflow.notifications.routing import COMMENT_EXCERPT_LENGTH
from taskflow.testing import RecordingMailer


def _task(tf: TaskFlow, crew: Crew, title: str = "Report") -> UUID:
    return tf.tasks.create(crew.creator, crew.team_id, title=title, assignee_id=crew.assignee).id


def _told(tf: TaskFlow, user_id: UUID) -> list[tuple[NotificationType, str]]:
    return [(n.type, n.text) for n in tf.notifications.list(user_id).items]


def test_a_comment_reaches_the_creator_and_the_assignee_not_the_author(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    for user in (crew.creator, crew.assignee):
        tf.notifications.update_preferences(user, language="en")
    task_id = _task(tf, crew)
    comment = tf.comments.add(crew.member, task_id, content="Numbers for March are in.")
    event = handle_last(tf, events, COMMENT_ADDED)

    expected = [(NotificationType.COMMENT_ADDED, "Member commented on task Report")]
    assert _told(tf, crew.creator) == expected
    assert _told(tf, crew.assignee) == expected
    assert _told(tf, crew.member) == []
    [notification] = tf.notifications.list(crew.creator).items
    assert notification.data["comment_id"] == str(comment.id)
    assert notification.data["task_id"] == str(task_id)
    channels = sorted((d.recipient, d.channel) for d in tf.notifications.event_deliveries(event.id))
    assert channels == sorted(
        (str(user), channel)
        for user in (crew.creator, crew.assignee)
        for channel in (Channel.EMAIL, Channel.IN_APP)
    )

    assert deliver(tf) == 2
    by_recipient = {str(m["To"]): m for m in mailer.messages}
    message = by_recipient[email_of(tf, crew.assignee)]
    assert subject(message) == "Member commented on task Report"
    assert "Numbers for March are in." in text_of(message)
    assert f"/tasks/{task_id}" in html_of(message)


def test_the_authors_own_task_tells_only_the_other_party(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task_id = _task(tf, crew)
    tf.comments.add(crew.assignee, task_id, content="Done on my side")
    handle_last(tf, events, COMMENT_ADDED)
    assert [kind for kind, _ in _told(tf, crew.creator)] == [NotificationType.COMMENT_ADDED]
    assert _told(tf, crew.assignee) == []


def test_a_comment_on_ones_own_unassigned_task_tells_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    task_id = tf.tasks.create(crew.creator, crew.team_id, title="Solo").id
    tf.comments.add(crew.creator, task_id, content="Note to self")
    event = handle_last(tf, events, COMMENT_ADDED)
    assert tf.notifications.event_deliveries(event.id) == []
    assert deliver(tf) == 0


def test_a_mention_tells_the_member_once_with_the_names_shown(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.notifications.update_preferences(crew.admin, language="en")
    task_id = _task(tf, crew)
    content = f"{mention_token(crew.admin)} can you check? cc {mention_token(crew.admin)}"
    comment = tf.comments.add(crew.member, task_id, content=content)
    event = handle_last(tf, events, COMMENT_ADDED)
    assert event.payload["mentioned_ids"] == [str(crew.admin)]
    assert event.payload["comment_id"] == str(comment.id)

    assert _told(tf, crew.admin) == [
        (NotificationType.COMMENT_MENTIONED, "Member mentioned you on task Report")
    ]
    deliver(tf)
    [message] = [m for m in mailer.messages if m["To"] == email_of(tf, crew.admin)]
    assert subject(message) == "Member mentioned you on task Report"
    assert "@Admin can you check? cc @Admin" in text_of(message)
    assert "@[user:" not in text_of(message)


def test_a_mentioned_creator_hears_of_the_mention_only(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task_id = _task(tf, crew)
    tf.comments.add(crew.member, task_id, content=f"{mention_token(crew.creator)} see this")
    handle_last(tf, events, COMMENT_ADDED)
    assert [kind for kind, _ in _told(tf, crew.creator)] == [NotificationType.COMMENT_MENTIONED]
    assert [kind for kind, _ in _told(tf, crew.assignee)] == [NotificationType.COMMENT_ADDED]


def test_mentions_outside_the_team_unknown_or_of_oneself_tell_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    task_id = tf.tasks.create(crew.member, crew.team_id, title="Quiet").id
    content = " ".join(
        [
            mention_token(crew.outsider),  # not in the task's team
            mention_token(uuid4()),  # nobody
            mention_token(crew.member),  # the author
            f"@[user:{str(crew.admin).upper()}]",  # not the canonical token: plain text
            "@Admin",  # a name is never parsed
            f"@[user:{crew.owner}",  # malformed
        ]
    )
    tf.comments.add(crew.member, task_id, content=content)
    event = handle_last(tf, events, COMMENT_ADDED)
    assert event.payload["mentioned_ids"] == []
    assert tf.notifications.event_deliveries(event.id) == []
    for user in (crew.outsider, crew.admin, crew.owner, crew.member):
        assert _told(tf, user) == []


def test_the_team_is_checked_again_when_the_worker_handles_the_comment(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task_id = _task(tf, crew)
    tf.comments.add(crew.member, task_id, content=f"{mention_token(crew.admin)} hi")
    tf.teams.remove_member(crew.owner, crew.team_id, crew.admin)
    tf.teams.leave(crew.creator, crew.team_id)
    handle_last(tf, events, COMMENT_ADDED)
    assert _told(tf, crew.admin) == []
    assert _told(tf, crew.creator) == []


def test_a_comment_deleted_before_the_worker_handles_it_tells_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task_id = _task(tf, crew)
    comment = tf.comments.add(crew.member, task_id, content=f"{mention_token(crew.admin)} oops")
    tf.comments.delete(crew.member, comment.id)
    event = handle_last(tf, events, COMMENT_ADDED)
    assert tf.notifications.event_deliveries(event.id) == []


def test_an_edit_tells_only_the_newly_mentioned(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task_id = _task(tf, crew)
    comment = tf.comments.add(crew.member, task_id, content=f"{mention_token(crew.admin)} hi")
    handle_last(tf, events, COMMENT_ADDED)
    tf.comments.edit(
        crew.member,
        comment.id,
        content=f"{mention_token(crew.admin)} and {mention_token(crew.owner)}: hi",
    )
    event = handle_last(tf, events, COMMENT_EDITED)
    assert event.payload["mentioned_ids"] == [str(crew.owner)]
    assert [kind for kind, _ in _told(tf, crew.owner)] == [NotificationType.COMMENT_MENTIONED]
    assert len(_told(tf, crew.admin)) == 1  # the first mention only
    assert len(_told(tf, crew.creator)) == 1  # an edit is not a new comment
    assert len(_told(tf, crew.assignee)) == 1


def test_an_edit_that_mentions_nobody_new_tells_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task_id = _task(tf, crew)
    comment = tf.comments.add(crew.member, task_id, content="first")
    tf.comments.edit(crew.member, comment.id, content="second")
    event = handle_last(tf, events, COMMENT_EDITED)
    assert tf.notifications.event_deliveries(event.id) == []


def test_the_mail_can_be_turned_off_per_type_and_the_inbox_still_gets_it(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.notifications.update_preferences(crew.creator, email={"comment.added": False})
    tf.notifications.update_preferences(crew.admin, email={"comment.mentioned": False})
    task_id = _task(tf, crew)
    tf.comments.add(crew.member, task_id, content=f"{mention_token(crew.admin)} look")
    handle_last(tf, events, COMMENT_ADDED)
    deliver(tf)
    assert sorted(str(m["To"]) for m in mailer.messages) == [email_of(tf, crew.assignee)]
    assert len(_told(tf, crew.creator)) == 1
    assert len(_told(tf, crew.admin)) == 1
    preferences = tf.notifications.get_preferences(crew.admin)
    assert not preferences.wants_email(NotificationType.COMMENT_MENTIONED)
    assert preferences.wants_email(NotificationType.COMMENT_ADDED)


def test_persian_by_default_and_a_long_comment_is_quoted_in_part(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    task_id = _task(tf, crew, title="گزارش")
    tf.comments.add(crew.member, task_id, content="سلام " + "ب" * 2000)
    handle_last(tf, events, COMMENT_ADDED)
    expected = "Member روی تسک گزارش نظر داد"
    assert _told(tf, crew.creator) == [(NotificationType.COMMENT_ADDED, expected)]
    deliver(tf)
    message = mailer.messages[0]
    text = text_of(message)
    assert "سلام ب" in text
    assert "ب" * (COMMENT_EXCERPT_LENGTH - 10) in text
    assert "ب" * COMMENT_EXCERPT_LENGTH not in text
    assert "…" in text
    assert 'dir="rtl"' in html_of(message)


def test_a_redelivered_comment_event_notifies_once(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task_id = _task(tf, crew)
    tf.comments.add(crew.member, task_id, content=f"{mention_token(crew.admin)} once")
    event = handle_last(tf, events, COMMENT_ADDED)
    tf.notifications.handle_event(event)
    assert len(_told(tf, crew.admin)) == 1
    assert len(_told(tf, crew.creator)) == 1
