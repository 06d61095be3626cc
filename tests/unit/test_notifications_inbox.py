"""The in-app inbox: newest first with cursors, unread count, read one / all, archive;
one user never sees or touches another's notifications."""

from __future__ import annotations

import pytest
from crew import Crew
from notifying import handle_last

from taskflow import InvalidInput, NotificationNotFound, TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import TASK_ASSIGNED
from taskflow.notifications import Notification
from taskflow.testing import FakeClock


@pytest.fixture
def inbox(
    tf: TaskFlow, events: RecordingEventPublisher, clock: FakeClock, crew: Crew
) -> list[Notification]:
    """Five notifications of the assignee, one second apart; newest first."""
    for n in range(5):
        tf.tasks.create(crew.owner, crew.team_id, title=f"T{n}", assignee_id=crew.assignee)
        handle_last(tf, events, TASK_ASSIGNED)
        clock.advance(seconds=1)
    return list(tf.notifications.list(crew.assignee).items)


def test_the_inbox_is_newest_first_and_pages_with_a_cursor(
    tf: TaskFlow, crew: Crew, inbox: list[Notification]
) -> None:
    assert [n.data["title"] for n in inbox] == ["T4", "T3", "T2", "T1", "T0"]
    seen: list[Notification] = []
    cursor = None
    while True:
        page = tf.notifications.list(crew.assignee, limit=2, cursor=cursor)
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [n.id for n in seen] == [n.id for n in inbox]
    assert tf.notifications.list(crew.owner).items == []


def test_reading_one_and_all(tf: TaskFlow, crew: Crew, inbox: list[Notification]) -> None:
    assert tf.notifications.unread_count(crew.assignee) == 5
    read = tf.notifications.mark_read(crew.assignee, inbox[0].id)
    assert read.is_read
    assert tf.notifications.unread_count(crew.assignee) == 4
    tf.notifications.mark_read(crew.assignee, inbox[0].id)  # again: no change
    assert tf.notifications.unread_count(crew.assignee) == 4
    unread = tf.notifications.list(crew.assignee, unread_only=True).items
    assert [n.id for n in unread] == [n.id for n in inbox[1:]]

    assert tf.notifications.mark_all_read(crew.assignee) == 4
    assert tf.notifications.unread_count(crew.assignee) == 0
    assert tf.notifications.mark_all_read(crew.assignee) == 0


def test_archived_notifications_leave_the_inbox_and_the_count(
    tf: TaskFlow, crew: Crew, inbox: list[Notification]
) -> None:
    tf.notifications.archive(crew.assignee, inbox[1].id)
    assert [n.id for n in tf.notifications.list(crew.assignee).items] == [
        inbox[0].id,
        *[n.id for n in inbox[2:]],
    ]
    assert tf.notifications.unread_count(crew.assignee) == 4
    everything = tf.notifications.list(crew.assignee, include_archived=True).items
    archived = next(n for n in everything if n.id == inbox[1].id)
    assert archived.archived_at is not None


def test_another_users_notification_is_not_found(
    tf: TaskFlow, crew: Crew, inbox: list[Notification]
) -> None:
    with pytest.raises(NotificationNotFound):
        tf.notifications.mark_read(crew.owner, inbox[0].id)
    with pytest.raises(NotificationNotFound):
        tf.notifications.archive(crew.owner, inbox[0].id)
    assert tf.notifications.mark_all_read(crew.owner) == 0
    assert tf.notifications.unread_count(crew.assignee) == 5


@pytest.mark.parametrize(
    ("arguments", "field"),
    [({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"cursor": "%%%"}, "cursor")],
)
def test_bad_list_arguments_are_invalid_input(
    tf: TaskFlow, crew: Crew, arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        tf.notifications.list(crew.assignee, **arguments)  # type: ignore[arg-type]
    assert [error["field"] for error in raised.value.errors] == [field]
