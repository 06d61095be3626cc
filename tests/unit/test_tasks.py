"""The task service: create, update, complete, reopen, delete, restore, assign, events."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import attrs
import pytest
from crew import Crew

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.domain.models import Priority, TaskStatus, UserRef
from taskflow.errors import (
    Conflict,
    InvalidInput,
    NotTeamMember,
    PermissionDenied,
    TaskNotFound,
    TeamNotFound,
    VersionConflict,
)
from taskflow.services.read_models import TASK_VIEW_FIELDS, TaskView
from taskflow.testing import FakeClock


def crew_task(tf: TaskFlow, crew: Crew, **fields: Any) -> TaskView:
    """A task made by the crew's creator and assigned to the crew's assignee."""
    fields.setdefault("title", "Design the home page")
    fields.setdefault("assignee_id", crew.assignee)
    return tf.tasks.create(crew.creator, crew.team_id, **fields)


def fields_of(error: InvalidInput) -> set[str]:
    return {e["field"] for e in error.errors}


# --- create ----------------------------------------------------------------------------


def test_create_returns_the_seed_response_shape(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    task = tf.tasks.create(
        crew.creator,
        crew.team_id,
        title="طراحی صفحه اصلی",
        description="طراحی UI صفحه اصلی با فیگما",
        priority="high",
        assignee_id=crew.assignee,
        due_date="2024-02-15",
    )
    assert task.title == "طراحی صفحه اصلی"
    assert task.description == "طراحی UI صفحه اصلی با فیگما"
    assert task.status is TaskStatus.TODO
    assert task.priority is Priority.HIGH
    assert task.assignee == UserRef(id=crew.assignee, name="Assignee")
    assert task.assignee_id == crew.assignee
    assert task.due_date == date(2024, 2, 15)
    assert task.created_at == task.updated_at == clock.now()
    assert task.created_by == crew.creator
    assert task.team_id == crew.team_id
    assert task.completed_at is None
    assert task.version == 1
    assert tf.tasks.get(crew.member, task.id) == task


def test_a_view_carries_every_field_of_the_stored_task_in_its_own_place(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    """Views read their fields through to the stored task: each field must come from its
    own attribute. Every field here has a value no other field of its type has."""
    task = crew_task(tf, crew, description="d", priority="low", due_date="2024-05-06")
    clock.advance(timedelta(minutes=5))
    task = tf.tasks.complete(crew.assignee, task.id)
    assert task.created_at != task.updated_at == task.completed_at
    with tf.uow_factory(read_only=True) as uow:
        stored = uow.tasks.get(task.id)
    assert stored is not None
    assert repr(task).startswith(f"TaskView(id={task.id!r}, team_id=")
    assert "idempotency" not in repr(task)
    for view in (task, tf.tasks.get(crew.member, task.id), *_pages(tf, crew)):
        for name in TASK_VIEW_FIELDS:
            if name == "assignee":
                assert view.assignee == UserRef(id=crew.assignee, name="Assignee")
            else:
                assert getattr(view, name) == getattr(stored, name), name


def _pages(tf: TaskFlow, crew: Crew) -> list[TaskView]:
    return list(tf.tasks.list_team(crew.member, crew.team_id).items)


def test_create_defaults(tf: TaskFlow, crew: Crew) -> None:
    task = tf.tasks.create(crew.member, crew.team_id, title="Plain")
    assert task.priority is Priority.MEDIUM
    assert task.status is TaskStatus.TODO
    assert task.assignee is None
    assert task.assignee_id is None
    assert task.description is None
    assert task.due_date is None


@pytest.mark.parametrize("role", ["owner", "admin", "member"])
def test_every_role_may_create(tf: TaskFlow, crew: Crew, role: str) -> None:
    actor = getattr(crew, role)
    assert tf.tasks.create(actor, crew.team_id, title="x").created_by == actor


def test_a_non_member_cannot_create(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    events.clear()
    with pytest.raises(NotTeamMember):
        tf.tasks.create(crew.outsider, crew.team_id, title="x")
    assert events.events == []


def test_create_in_a_missing_team_is_not_found(tf: TaskFlow, crew: Crew) -> None:
    with pytest.raises(TeamNotFound):
        tf.tasks.create(crew.owner, uuid4(), title="x")


def test_title_is_trimmed_and_kept_otherwise(tf: TaskFlow, crew: Crew) -> None:
    assert crew_task(tf, crew, title="  Fix <script>alert(1)</script> 🐛  ").title == (
        "Fix <script>alert(1)</script> 🐛"
    )


@pytest.mark.parametrize("title", ["", "   ", "x" * 256, " " + "x" * 256])
def test_bad_titles_are_refused(tf: TaskFlow, crew: Crew, title: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        crew_task(tf, crew, title=title)
    assert fields_of(caught.value) == {"title"}


def test_title_of_255_characters_is_fine(tf: TaskFlow, crew: Crew) -> None:
    assert crew_task(tf, crew, title="ت" * 255).title == "ت" * 255


def test_description_is_stored_as_given_and_capped(tf: TaskFlow, crew: Crew) -> None:
    text = "  line one\n\n  <b>دو</b>  "
    assert crew_task(tf, crew, description=text).description == text
    assert crew_task(tf, crew, description="d" * 10_000).description == "d" * 10_000
    with pytest.raises(InvalidInput) as caught:
        crew_task(tf, crew, description="d" * 10_001)
    assert fields_of(caught.value) == {"description"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("status", "finished"),
        ("status", "DONE"),
        ("priority", "urgent"),
        ("priority", 2),
        ("assignee_id", "not-a-uuid"),
        ("idempotency_key", ""),
        ("idempotency_key", "k" * 256),
    ],
)
def test_bad_values_are_refused_naming_the_field(
    tf: TaskFlow, crew: Crew, field: str, value: Any
) -> None:
    with pytest.raises(InvalidInput) as caught:
        crew_task(tf, crew, **{field: value})
    assert fields_of(caught.value) == {field}


@pytest.mark.parametrize("status", ["todo", "in_progress", TaskStatus.DONE])
def test_every_status_may_be_given(tf: TaskFlow, crew: Crew, status: Any) -> None:
    assert crew_task(tf, crew, status=status).status == TaskStatus(status)


def test_a_task_created_done_is_completed_at_once(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    assert crew_task(tf, crew, status="done").completed_at == clock.now()
    assert crew_task(tf, crew, status="in_progress").completed_at is None


@pytest.mark.parametrize("due", [date(2024, 2, 29), "2024-02-29"])
def test_due_date_takes_a_date_or_an_iso_string(tf: TaskFlow, crew: Crew, due: Any) -> None:
    assert crew_task(tf, crew, due_date=due).due_date == date(2024, 2, 29)


@pytest.mark.parametrize(
    "due",
    [
        "2023-02-29",
        "15/02/2024",
        "2024-2-15",
        "20240215",
        "2024-W07-4",
        "tomorrow",
        20240215,
        datetime(2024, 2, 15, tzinfo=UTC),
    ],
)
def test_bad_due_dates_are_refused(tf: TaskFlow, crew: Crew, due: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        crew_task(tf, crew, due_date=due)
    assert fields_of(caught.value) == {"due_date"}


def test_the_assignee_must_be_a_member_of_the_team(tf: TaskFlow, crew: Crew) -> None:
    for stranger in (crew.outsider, uuid4()):
        with pytest.raises(InvalidInput) as caught:
            crew_task(tf, crew, assignee_id=stranger)
        assert fields_of(caught.value) == {"assignee_id"}


def test_create_emits_created_and_assigned(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    events.clear()
    task = crew_task(tf, crew)
    assert [e.name for e in events.events] == ["task.created", "task.assigned"]
    created, assigned = events.events
    assert created.payload == {
        "task_id": str(task.id),
        "team_id": str(crew.team_id),
        "created_by": str(crew.creator),
        "assignee_id": str(crew.assignee),
    }
    assert assigned.payload == {
        "task_id": str(task.id),
        "assignee_id": str(crew.assignee),
        "assigned_by": str(crew.creator),
    }


def test_an_unassigned_create_emits_only_created(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    events.clear()
    crew_task(tf, crew, assignee_id=None)
    assert [e.name for e in events.events] == ["task.created"]
    assert events.events[0].payload["assignee_id"] is None


def test_a_failed_create_stores_and_publishes_nothing(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    events.clear()
    with pytest.raises(InvalidInput):
        crew_task(tf, crew, assignee_id=crew.outsider)
    assert events.events == []
    assert tf.tasks.list_team(crew.owner, crew.team_id, with_total=True).total == 0


# --- idempotency -----------------------------------------------------------------------


def test_a_retried_create_returns_the_first_task(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher, clock: FakeClock
) -> None:
    first = crew_task(tf, crew, idempotency_key="req-1")
    events.clear()
    clock.advance(seconds=5)
    again = crew_task(tf, crew, idempotency_key="req-1", title="A different title")
    assert again == first
    assert events.events == []
    assert tf.tasks.list_team(crew.owner, crew.team_id, with_total=True).total == 1


def test_idempotency_keys_are_per_user_and_per_team(tf: TaskFlow, crew: Crew) -> None:
    first = crew_task(tf, crew, idempotency_key="k")
    by_someone_else = tf.tasks.create(crew.member, crew.team_id, title="t", idempotency_key="k")
    second_team = tf.teams.create(crew.creator, name="Second").id
    in_another_team = tf.tasks.create(crew.creator, second_team, title="t", idempotency_key="k")
    without_key = crew_task(tf, crew)
    assert len({first.id, by_someone_else.id, in_another_team.id, without_key.id}) == 4


def test_a_retry_after_the_first_task_was_deleted_makes_no_duplicate(
    tf: TaskFlow, crew: Crew
) -> None:
    """Issue 12, point 10: the retry answered 201 with the deleted task."""
    first = crew_task(tf, crew, idempotency_key="k")
    tf.tasks.delete(crew.creator, first.id)
    with pytest.raises(Conflict, match="deleted"):
        crew_task(tf, crew, idempotency_key="k")
    assert tf.tasks.list_team(crew.owner, crew.team_id, with_total=True).total == 0


# --- get -------------------------------------------------------------------------------


def test_get_missing_task_is_not_found(tf: TaskFlow, crew: Crew) -> None:
    with pytest.raises(TaskNotFound):
        tf.tasks.get(crew.owner, uuid4())


def test_an_outsider_cannot_read_a_task_by_guessing_its_id(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    with pytest.raises(NotTeamMember):
        tf.tasks.get(crew.outsider, task.id)


# --- update ----------------------------------------------------------------------------


def test_update_changes_only_the_given_fields(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    task = crew_task(tf, crew, description="keep me", priority="low", due_date="2024-03-01")
    clock.advance(minutes=1)
    updated = tf.tasks.update(crew.creator, task.id, title="  New title ", status="in_progress")
    assert updated.title == "New title"
    assert updated.status is TaskStatus.IN_PROGRESS
    assert (updated.description, updated.priority, updated.due_date, updated.assignee_id) == (
        "keep me",
        Priority.LOW,
        date(2024, 3, 1),
        crew.assignee,
    )
    assert updated.version == task.version + 1
    assert updated.updated_at == clock.now() > task.updated_at
    assert updated.created_at == task.created_at
    assert tf.tasks.get(crew.member, task.id) == updated


def test_none_clears_the_clearable_fields(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew, description="d", due_date="2024-03-01")
    cleared = tf.tasks.update(
        crew.creator, task.id, description=None, assignee_id=None, due_date=None
    )
    assert (cleared.description, cleared.assignee_id, cleared.assignee, cleared.due_date) == (
        None,
        None,
        None,
        None,
    )


@pytest.mark.parametrize("field", ["title", "status", "priority"])
def test_required_fields_cannot_be_cleared(tf: TaskFlow, crew: Crew, field: str) -> None:
    task = crew_task(tf, crew)
    clear: dict[str, Any] = {field: None}
    with pytest.raises(InvalidInput) as caught:
        tf.tasks.update(crew.creator, task.id, **clear)
    assert fields_of(caught.value) == {field}


def test_update_validates_like_create(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    bad: list[dict[str, Any]] = [
        {"title": " "},
        {"status": "closed"},
        {"priority": "urgent"},
        {"due_date": "2024-13-01"},
        {"description": "d" * 10_001},
        {"assignee_id": crew.outsider},
        {"expected_version": 0},
    ]
    for change in bad:
        with pytest.raises(InvalidInput) as caught:
            tf.tasks.update(crew.creator, task.id, **change)
        assert fields_of(caught.value) == set(change)
    assert tf.tasks.get(crew.creator, task.id) == task


def test_an_update_that_changes_nothing_keeps_the_version(
    tf: TaskFlow, crew: Crew, clock: FakeClock
) -> None:
    task = crew_task(tf, crew, priority="high")
    clock.advance(minutes=1)
    same = tf.tasks.update(crew.creator, task.id, title=task.title, priority="high")
    assert same == task


@pytest.mark.parametrize("role", ["creator", "assignee", "admin", "owner"])
def test_who_may_update(tf: TaskFlow, crew: Crew, role: str) -> None:
    task = crew_task(tf, crew)
    assert tf.tasks.update(getattr(crew, role), task.id, priority="low").priority is Priority.LOW


def test_a_plain_member_may_not_update_someone_elses_task(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    with pytest.raises(PermissionDenied) as caught:
        tf.tasks.update(crew.member, task.id, title="mine now")
    assert not isinstance(caught.value, NotTeamMember)
    with pytest.raises(NotTeamMember):
        tf.tasks.update(crew.outsider, task.id, title="mine now")
    assert tf.tasks.get(crew.owner, task.id) == task


def test_a_stale_version_is_a_conflict_and_changes_nothing(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    task = crew_task(tf, crew)
    read_version = task.version
    tf.tasks.update(crew.assignee, task.id, status="in_progress")  # someone else changed it
    current = tf.tasks.get(crew.owner, task.id)
    activity_before = tf.tasks.activity(crew.owner, task.id).items
    events.clear()
    with pytest.raises(VersionConflict):
        tf.tasks.update(
            crew.creator,
            task.id,
            expected_version=read_version,
            title="Lost update",
            status="done",
            assignee_id=crew.member,
        )
    assert tf.tasks.get(crew.owner, task.id) == current
    assert tf.tasks.activity(crew.owner, task.id).items == activity_before
    assert events.events == []


def test_a_stale_version_conflicts_even_if_nothing_would_change(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    tf.tasks.update(crew.creator, task.id, title="v2")
    with pytest.raises(VersionConflict):
        tf.tasks.update(crew.creator, task.id, expected_version=1, title="v2")


def test_the_current_version_is_accepted(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    v2 = tf.tasks.update(crew.creator, task.id, expected_version=1, title="v2")
    v3 = tf.tasks.update(crew.creator, task.id, expected_version=v2.version, title="v3")
    assert (v2.version, v3.version) == (2, 3)


def test_updating_to_done_completes_and_away_from_done_reopens(
    tf: TaskFlow, crew: Crew, clock: FakeClock, events: RecordingEventPublisher
) -> None:
    task = crew_task(tf, crew)
    clock.advance(hours=1)
    events.clear()
    done = tf.tasks.update(crew.assignee, task.id, status="done")
    assert done.completed_at == clock.now()
    assert [e.name for e in events.events] == ["task.completed"]
    assert events.events[0].payload == {
        "task_id": str(task.id),
        "completed_by": str(crew.assignee),
        "created_by": str(crew.creator),
    }
    clock.advance(hours=1)
    back = tf.tasks.update(crew.assignee, task.id, status="in_progress")
    assert back.completed_at is None
    assert back.status is TaskStatus.IN_PROGRESS


def test_updating_the_assignee_emits_assigned(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    task = crew_task(tf, crew)
    events.clear()
    updated = tf.tasks.update(crew.creator, task.id, assignee_id=crew.member)
    assert updated.assignee == UserRef(id=crew.member, name="Member")
    assert [e.payload for e in events.named("task.assigned")] == [
        {"task_id": str(task.id), "assignee_id": str(crew.member), "assigned_by": str(crew.creator)}
    ]


def test_a_missing_or_deleted_task_cannot_be_updated(tf: TaskFlow, crew: Crew) -> None:
    with pytest.raises(TaskNotFound):
        tf.tasks.update(crew.owner, uuid4(), title="x")
    task = crew_task(tf, crew)
    tf.tasks.delete(crew.creator, task.id)
    with pytest.raises(TaskNotFound):
        tf.tasks.update(crew.owner, task.id, title="x")


# --- complete and reopen ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["creator", "assignee", "admin", "owner"])
def test_who_may_complete(
    tf: TaskFlow, crew: Crew, clock: FakeClock, events: RecordingEventPublisher, role: str
) -> None:
    task = crew_task(tf, crew)
    clock.advance(minutes=3)
    events.clear()
    done = tf.tasks.complete(getattr(crew, role), task.id)
    assert done.status is TaskStatus.DONE
    assert done.completed_at == clock.now()
    assert done.version == task.version + 1
    assert [e.payload for e in events.events] == [
        {
            "task_id": str(task.id),
            "completed_by": str(getattr(crew, role)),
            "created_by": str(crew.creator),
        }
    ]


def test_a_plain_member_may_not_complete_or_reopen(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    with pytest.raises(PermissionDenied):
        tf.tasks.complete(crew.member, task.id)
    tf.tasks.complete(crew.creator, task.id)
    with pytest.raises(PermissionDenied):
        tf.tasks.reopen(crew.member, task.id)


def test_completing_a_done_task_changes_nothing(
    tf: TaskFlow, crew: Crew, clock: FakeClock, events: RecordingEventPublisher
) -> None:
    task = crew_task(tf, crew)
    done = tf.tasks.complete(crew.assignee, task.id)
    clock.advance(hours=2)
    events.clear()
    assert tf.tasks.complete(crew.owner, task.id) == done
    assert events.events == []


def test_reopen_sets_a_done_task_back_to_todo(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    task = crew_task(tf, crew)
    tf.tasks.complete(crew.assignee, task.id)
    clock.advance(minutes=1)
    reopened = tf.tasks.reopen(crew.assignee, task.id)
    assert reopened.status is TaskStatus.TODO
    assert reopened.completed_at is None
    assert reopened.version == 3
    assert reopened.updated_at == clock.now()


def test_reopening_an_open_task_changes_nothing(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew, status="in_progress")
    assert tf.tasks.reopen(crew.creator, task.id) == task


# --- delete and restore ----------------------------------------------------------------


@pytest.mark.parametrize("role", ["creator", "admin", "owner"])
def test_who_may_delete_and_restore(tf: TaskFlow, crew: Crew, role: str) -> None:
    actor = getattr(crew, role)
    task = crew_task(tf, crew)
    tf.tasks.delete(actor, task.id)
    with pytest.raises(TaskNotFound):
        tf.tasks.get(crew.owner, task.id)
    restored = tf.tasks.restore(actor, task.id)
    assert restored.id == task.id
    assert restored.title == task.title
    assert restored.version == task.version + 2
    assert tf.tasks.get(crew.member, task.id) == restored


@pytest.mark.parametrize("role", ["assignee", "member"])
def test_an_assignee_or_plain_member_may_not_delete_or_restore(
    tf: TaskFlow, crew: Crew, role: str
) -> None:
    task = crew_task(tf, crew)
    with pytest.raises(PermissionDenied):
        tf.tasks.delete(getattr(crew, role), task.id)
    assert tf.tasks.get(crew.owner, task.id) == task
    tf.tasks.delete(crew.creator, task.id)
    with pytest.raises(PermissionDenied):
        tf.tasks.restore(getattr(crew, role), task.id)


def test_deleted_tasks_vanish_from_lists(tf: TaskFlow, crew: Crew) -> None:
    kept, deleted = crew_task(tf, crew, title="kept"), crew_task(tf, crew, title="gone")
    tf.tasks.delete(crew.owner, deleted.id)
    assert [t.id for t in tf.tasks.list_team(crew.owner, crew.team_id).items] == [kept.id]
    assert [t.id for t in tf.tasks.list_mine(crew.assignee).items] == [kept.id]


def test_a_deleted_task_cannot_be_deleted_completed_or_assigned_again(
    tf: TaskFlow, crew: Crew
) -> None:
    task = crew_task(tf, crew)
    tf.tasks.delete(crew.owner, task.id)
    for action in (
        lambda: tf.tasks.delete(crew.owner, task.id),
        lambda: tf.tasks.complete(crew.owner, task.id),
        lambda: tf.tasks.reopen(crew.owner, task.id),
        lambda: tf.tasks.assign(crew.owner, task.id, assignee_id=crew.member),
    ):
        with pytest.raises(TaskNotFound):
            action()


def test_restoring_a_live_task_changes_nothing(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    assert tf.tasks.restore(crew.owner, task.id) == task


def test_restore_of_a_missing_task_is_not_found_and_an_outsider_is_refused(
    tf: TaskFlow, crew: Crew
) -> None:
    with pytest.raises(TaskNotFound):
        tf.tasks.restore(crew.owner, uuid4())
    task = crew_task(tf, crew)
    tf.tasks.delete(crew.owner, task.id)
    with pytest.raises(NotTeamMember):
        tf.tasks.restore(crew.outsider, task.id)


# --- assign ----------------------------------------------------------------------------


def test_assign_reassign_unassign(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    task = crew_task(tf, crew, assignee_id=None)
    events.clear()
    assigned = tf.tasks.assign(crew.creator, task.id, assignee_id=crew.member)
    assert assigned.assignee == UserRef(id=crew.member, name="Member")
    reassigned = tf.tasks.assign(crew.member, task.id, assignee_id=crew.admin)
    assert reassigned.assignee == UserRef(id=crew.admin, name="Admin")
    unassigned = tf.tasks.assign(crew.owner, task.id, assignee_id=None)
    assert unassigned.assignee is None
    assert unassigned.version == task.version + 3
    assert [e.payload for e in events.events] == [
        {
            "task_id": str(task.id),
            "assignee_id": str(crew.member),
            "assigned_by": str(crew.creator),
        },
        {"task_id": str(task.id), "assignee_id": str(crew.admin), "assigned_by": str(crew.member)},
    ]


def test_assigning_the_same_person_again_changes_nothing(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    task = crew_task(tf, crew)
    events.clear()
    assert tf.tasks.assign(crew.owner, task.id, assignee_id=crew.assignee) == task
    assert events.events == []


def test_only_team_members_can_be_assigned(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    with pytest.raises(InvalidInput) as caught:
        tf.tasks.assign(crew.owner, task.id, assignee_id=crew.outsider)
    assert fields_of(caught.value) == {"assignee_id"}


def test_a_plain_member_may_not_assign(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    with pytest.raises(PermissionDenied):
        tf.tasks.assign(crew.member, task.id, assignee_id=crew.member)
    with pytest.raises(NotTeamMember):
        tf.tasks.assign(crew.outsider, task.id, assignee_id=None)


def test_the_assignee_may_hand_the_task_on_and_then_loses_the_right(
    tf: TaskFlow, crew: Crew
) -> None:
    task = crew_task(tf, crew)
    tf.tasks.assign(crew.assignee, task.id, assignee_id=crew.member)
    with pytest.raises(PermissionDenied):
        tf.tasks.update(crew.assignee, task.id, title="no longer mine")


def test_an_admin_who_left_loses_access(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    tf.teams.leave(crew.admin, crew.team_id)
    with pytest.raises(NotTeamMember):
        tf.tasks.update(crew.admin, task.id, title="x")


def test_time_moves_updated_at_only(tf: TaskFlow, crew: Crew, clock: FakeClock) -> None:
    task = crew_task(tf, crew)
    clock.advance(timedelta(days=1))
    changed = tf.tasks.assign(crew.owner, task.id, assignee_id=crew.member)
    assert changed.created_at == task.created_at
    assert changed.updated_at == task.updated_at + timedelta(days=1)


def test_an_unknown_argument_is_a_type_error_not_a_silent_no_op(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    with pytest.raises(TypeError):
        tf.tasks.update(crew.owner, task.id, titel="typo")  # type: ignore[call-arg]


def test_of_concurrent_updates_from_one_version_exactly_one_wins(tf: TaskFlow, crew: Crew) -> None:
    task = crew_task(tf, crew)
    barrier = threading.Barrier(8)

    def edit(n: int) -> str:
        barrier.wait()
        try:
            tf.tasks.update(crew.owner, task.id, expected_version=task.version, title=f"edit {n}")
        except VersionConflict:
            return "conflict"
        return "won"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(edit, range(8)))
    assert sorted(results) == ["conflict"] * 7 + ["won"]
    final = tf.tasks.get(crew.owner, task.id)
    assert final.version == task.version + 1
    assert len([a for a in tf.tasks.activity(crew.owner, task.id).items if a.field == "title"]) == 1


def test_concurrent_changes_without_a_version_check_all_apply(tf: TaskFlow, crew: Crew) -> None:
    """Issue 12, point 11: on a busy task, PATCHes without If-Match got 409s; the client
    asked for no check, so each change applies on the latest version."""
    task = crew_task(tf, crew)
    barrier = threading.Barrier(8)

    def edit(n: int) -> str:
        barrier.wait()
        if n % 4 == 0:
            tf.tasks.assign(crew.owner, task.id, assignee_id=crew.assignee if n else None)
        elif n % 4 == 1:
            tf.tasks.complete(crew.owner, task.id)
        else:
            tf.tasks.update(crew.owner, task.id, title=f"edit {n}", priority="high")
        return "applied"

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(edit, range(8)))
    assert results == ["applied"] * 8
    final = tf.tasks.get(crew.owner, task.id)
    title_changes = [a for a in tf.tasks.activity(crew.owner, task.id).items if a.field == "title"]
    assert len(title_changes) == 4  # every title edit applied, one version after another
    assert final.status is TaskStatus.DONE


def test_members_of_one_team_cannot_touch_another_teams_task(tf: TaskFlow, crew: Crew) -> None:
    theirs = tf.tasks.create(crew.outsider, crew.other_team_id, title="Private plans")
    for actor in (crew.owner, crew.admin, crew.member):
        for action in (
            lambda a=actor: tf.tasks.get(a, theirs.id),
            lambda a=actor: tf.tasks.update(a, theirs.id, title="pwned"),
            lambda a=actor: tf.tasks.assign(a, theirs.id, assignee_id=a),
            lambda a=actor: tf.tasks.complete(a, theirs.id),
            lambda a=actor: tf.tasks.delete(a, theirs.id),
            lambda a=actor: tf.tasks.restore(a, theirs.id),
            lambda a=actor: tf.tasks.activity(a, theirs.id),
            lambda a=actor: tf.comments.add(a, theirs.id, content="hi"),
            lambda a=actor: tf.comments.list(a, theirs.id),
            lambda a=actor: tf.tasks.list_team(a, crew.other_team_id),
            lambda a=actor: tf.tasks.create(a, crew.other_team_id, title="x"),
        ):
            with pytest.raises(NotTeamMember):
                action()
    assert tf.tasks.get(crew.outsider, theirs.id) == theirs
    assert all(t.id != theirs.id for t in tf.tasks.list_mine(crew.owner).items)


def test_concurrent_retries_with_one_key_make_one_task(
    tf: TaskFlow, crew: Crew, events: RecordingEventPublisher
) -> None:
    barrier = threading.Barrier(6)
    events.clear()

    def create(_: int) -> UUID:
        barrier.wait()
        # Issue 12, point 10: a loser of the race on a database got a 409; every caller
        # now gets the one task.
        return crew_task(tf, crew, idempotency_key="same-request").id

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(create, range(6)))
    page = tf.tasks.list_team(crew.owner, crew.team_id, with_total=True)
    assert page.total == 1
    assert set(results) == {page.items[0].id}
    assert len(events.named("task.created")) == 1
    assert crew_task(tf, crew, idempotency_key="same-request").id == page.items[0].id


def test_a_view_is_immutable_equal_by_its_public_fields_and_hides_the_rest(
    tf: TaskFlow, crew: Crew
) -> None:
    task = crew_task(tf, crew, idempotency_key="key-of-the-creator")
    again = tf.tasks.get(crew.member, task.id)
    assert again == task
    assert hash(again) == hash(task)
    assert again != tf.tasks.update(crew.creator, task.id, title="Renamed")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.title = "changed"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.assignee = None  # type: ignore[misc]
    assert not attrs.has(TaskView)  # so attrs.asdict cannot reach the stored task
    assert "key-of-the-creator" not in repr(task)
