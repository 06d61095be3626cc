"""The rules of a task change, as methods of the domain ``Task``: plain values in, a new
``Task`` out, no storage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from taskflow.domain.models import Priority, Task, TaskStatus

CREATED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
LATER = CREATED + timedelta(hours=2)


def _task(status: TaskStatus = TaskStatus.TODO) -> Task:
    return Task(
        id=uuid4(),
        team_id=uuid4(),
        title="Write the report",
        description=None,
        status=status,
        priority=Priority.MEDIUM,
        assignee_id=None,
        created_by=uuid4(),
        due_date=None,
        completed_at=None,
        created_at=CREATED,
        updated_at=CREATED,
    )


def test_equal_values_change_nothing() -> None:
    task = _task()
    assert task.with_changes({"title": task.title, "status": TaskStatus.TODO}, LATER) is task
    assert task.differing({"title": task.title}) == {}


def test_a_change_makes_a_new_version() -> None:
    task = _task()
    after = task.with_changes({"title": "Send the report", "due_date": date(2025, 3, 9)}, LATER)
    assert (after.title, after.due_date) == ("Send the report", date(2025, 3, 9))
    assert (after.version, after.updated_at) == (2, LATER)
    assert (task.title, task.version) == ("Write the report", 1)


def test_done_sets_completed_at_and_leaving_done_clears_it() -> None:
    done = _task().with_changes({"status": TaskStatus.DONE}, LATER)
    assert done.completed_at == LATER
    reopened = done.with_changes({"status": TaskStatus.IN_PROGRESS}, LATER + timedelta(1))
    assert reopened.completed_at is None
    assert done.is_reopened_by({"status": TaskStatus.TODO})
    assert not done.is_reopened_by({"title": "x"})
    assert not _task().is_reopened_by({"status": TaskStatus.IN_PROGRESS})


def test_reopen_only_reopens_a_done_task() -> None:
    assert _task(TaskStatus.DONE).reopened_status() is TaskStatus.TODO
    assert _task(TaskStatus.IN_PROGRESS).reopened_status() is TaskStatus.IN_PROGRESS


def test_delete_and_restore() -> None:
    deleted = _task().deleted(LATER)
    assert (deleted.deleted_at, deleted.version, deleted.updated_at) == (LATER, 2, LATER)
    restored = deleted.restored(LATER + timedelta(1))
    assert (restored.deleted_at, restored.version) == (None, 3)
    assert restored.restored(LATER) is restored
