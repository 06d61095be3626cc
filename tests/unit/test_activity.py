"""Task activity: every change recorded with actor and time, in the change's unit of work."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from crew import Crew

from taskflow import TaskFlow
from taskflow.domain.models import ActivityKind, TaskActivity
from taskflow.errors import (
    InvalidInput,
    NotTeamMember,
    PermissionDenied,
    TaskNotFound,
    VersionConflict,
)
from taskflow.testing import FakeClock


def summary(rows: Any) -> list[tuple[Any, ...]]:
    return [(a.kind.value, a.field, a.old_value, a.new_value) for a in rows]


def history(tf: TaskFlow, crew: Crew, task_id: Any) -> list[TaskActivity]:
    return list(tf.tasks.activity(crew.member, task_id, limit=100).items)


def test_the_whole_life_of_a_task_is_recorded_oldest_first(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    start = clock.now()
    task = tf.tasks.create(crew.creator, crew.team_id, title="Draft", assignee_id=crew.assignee)
    clock.advance(minutes=1)
    tf.tasks.update(
        crew.creator,
        task.id,
        title="Final",
        description="text",
        priority="high",
        due_date="2024-03-01",
        status="in_progress",
    )
    clock.advance(minutes=1)
    tf.tasks.assign(crew.admin, task.id, assignee_id=crew.member)
    tf.tasks.assign(crew.admin, task.id, assignee_id=None)
    clock.advance(minutes=1)
    tf.tasks.complete(crew.owner, task.id)
    tf.tasks.reopen(crew.owner, task.id)
    tf.comments.add(crew.member, task.id, content="Looks good")
    tf.tasks.delete(crew.creator, task.id)
    tf.tasks.restore(crew.creator, task.id)

    rows = history(tf, crew, task.id)
    assert summary(rows) == [
        ("created", None, None, None),
        ("assigned", "assignee_id", None, str(crew.assignee)),
        ("changed", "title", "Draft", "Final"),
        ("changed", "description", None, "text"),
        ("changed", "priority", "medium", "high"),
        ("changed", "due_date", None, "2024-03-01"),
        ("changed", "status", "todo", "in_progress"),
        ("assigned", "assignee_id", str(crew.assignee), str(crew.member)),
        ("unassigned", "assignee_id", str(crew.member), None),
        ("completed", "status", "in_progress", "done"),
        ("reopened", "status", "done", "todo"),
        ("commented", None, None, None),
        ("deleted", None, None, None),
        ("restored", None, None, None),
    ]
    actors = [a.actor_id for a in rows]
    assert actors == [crew.creator] * 7 + [crew.admin] * 2 + [crew.owner] * 2 + [
        crew.member,
        crew.creator,
        crew.creator,
    ]
    assert [a.created_at for a in rows][:2] == [start, start]
    assert rows[2].created_at == start.replace(minute=1)
    assert rows[-1].created_at == start.replace(minute=3)
    assert all(a.task_id == task.id for a in rows)


def test_status_changes_through_update_are_completions_and_reopenings(
    tf: TaskFlow, crew: Crew
) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="t")
    tf.tasks.update(crew.creator, task.id, status="done")
    tf.tasks.update(crew.creator, task.id, status="in_progress")
    assert summary(history(tf, crew, task.id))[1:] == [
        ("completed", "status", "todo", "done"),
        ("reopened", "status", "done", "in_progress"),
    ]


def test_cleared_fields_record_the_old_value(tf: TaskFlow, crew: Crew) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="t", due_date="2024-05-05")
    tf.tasks.update(crew.creator, task.id, due_date=None)
    assert summary(history(tf, crew, task.id))[-1] == ("changed", "due_date", "2024-05-05", None)


def test_changes_that_change_nothing_record_nothing(tf: TaskFlow, crew: Crew) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="t", assignee_id=crew.assignee)
    tf.tasks.update(crew.creator, task.id, title="t", priority="medium")
    tf.tasks.assign(crew.creator, task.id, assignee_id=crew.assignee)
    tf.tasks.reopen(crew.creator, task.id)
    tf.tasks.restore(crew.creator, task.id)
    tf.tasks.complete(crew.creator, task.id)
    tf.tasks.complete(crew.creator, task.id)
    assert [a.kind for a in history(tf, crew, task.id)] == [
        ActivityKind.CREATED,
        ActivityKind.ASSIGNED,
        ActivityKind.COMPLETED,
    ]


def test_failed_changes_record_nothing(tf: TaskFlow, crew: Crew) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="t")
    before = history(tf, crew, task.id)
    with pytest.raises(VersionConflict):
        tf.tasks.update(crew.creator, task.id, expected_version=7, title="x")
    with pytest.raises(PermissionDenied):
        tf.tasks.update(crew.member, task.id, title="x")
    with pytest.raises(InvalidInput):
        tf.tasks.update(crew.creator, task.id, title="x", assignee_id=crew.outsider)
    with pytest.raises(PermissionDenied):
        tf.tasks.delete(crew.member, task.id)
    assert history(tf, crew, task.id) == before


def test_departing_members_unassignment_is_recorded(tf: TaskFlow, crew: Crew) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="t", assignee_id=crew.assignee)
    tf.teams.remove_member(crew.owner, crew.team_id, crew.assignee)
    assert summary(history(tf, crew, task.id))[-1] == (
        "unassigned",
        "assignee_id",
        str(crew.assignee),
        None,
    )
    assert tf.tasks.get(crew.owner, task.id).assignee_id is None


def test_activity_pages_oldest_first(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="v0")
    for i in range(1, 8):
        if i % 3:
            clock.advance(seconds=1)  # some rows share a timestamp: the id breaks the tie
        tf.tasks.update(crew.creator, task.id, title=f"v{i}")
    seen: list[TaskActivity] = []
    cursor = None
    while True:
        page = tf.tasks.activity(crew.member, task.id, limit=3, cursor=cursor)
        assert len(page.items) <= 3
        seen.extend(page.items)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [a.new_value for a in seen] == [None] + [f"v{i}" for i in range(1, 8)]
    assert seen == history(tf, crew, task.id)


@pytest.mark.parametrize("bad", [{"limit": 0}, {"limit": 101}, {"cursor": "%%%"}])
def test_bad_activity_page_requests(tf: TaskFlow, crew: Crew, bad: dict[str, Any]) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="t")
    with pytest.raises(InvalidInput):
        tf.tasks.activity(crew.member, task.id, **bad)


def test_only_members_read_the_activity(tf: TaskFlow, crew: Crew) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="t")
    with pytest.raises(NotTeamMember):
        tf.tasks.activity(crew.outsider, task.id)
    with pytest.raises(TaskNotFound):
        tf.tasks.activity(crew.member, uuid4())
    tf.tasks.delete(crew.creator, task.id)
    with pytest.raises(TaskNotFound):
        tf.tasks.activity(crew.member, task.id)
