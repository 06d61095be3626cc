"""A task never ends up open and assigned to someone outside its team: not when a done
task is reopened after its assignee left, not when a deleted task is restored."""

from __future__ import annotations

from crew import Crew

from taskflow import TaskFlow
from taskflow.domain.models import ActivityKind


def _done_task_of_departed_assignee(tf: TaskFlow, crew: Crew) -> object:
    task = tf.tasks.create(crew.owner, crew.team_id, title="Ship it", assignee_id=crew.assignee)
    tf.tasks.complete(crew.assignee, task.id)
    tf.teams.remove_member(crew.owner, crew.team_id, crew.assignee)
    return task.id


def test_a_done_task_keeps_the_assignee_who_did_it(tf: TaskFlow, crew: Crew) -> None:
    task_id = _done_task_of_departed_assignee(tf, crew)
    task = tf.tasks.get(crew.owner, task_id)  # type: ignore[arg-type]
    assert task.assignee is not None
    assert task.assignee.id == crew.assignee


def test_reopening_unassigns_an_assignee_who_left_the_team(tf: TaskFlow, crew: Crew) -> None:
    task_id = _done_task_of_departed_assignee(tf, crew)
    reopened = tf.tasks.reopen(crew.owner, task_id)  # type: ignore[arg-type]
    assert reopened.status.value == "todo"
    assert reopened.assignee is None
    kinds = [a.kind for a in tf.tasks.activity(crew.owner, task_id).items]  # type: ignore[arg-type]
    assert kinds[-1] is ActivityKind.UNASSIGNED


def test_an_update_away_from_done_unassigns_an_assignee_who_left(tf: TaskFlow, crew: Crew) -> None:
    task_id = _done_task_of_departed_assignee(tf, crew)
    updated = tf.tasks.update(crew.owner, task_id, status="in_progress")  # type: ignore[arg-type]
    assert updated.assignee is None


def test_reopening_keeps_an_assignee_who_is_still_a_member(tf: TaskFlow, crew: Crew) -> None:
    task = tf.tasks.create(crew.owner, crew.team_id, title="Again", assignee_id=crew.assignee)
    tf.tasks.complete(crew.assignee, task.id)
    reopened = tf.tasks.reopen(crew.owner, task.id)
    assert reopened.assignee is not None
    assert reopened.assignee.id == crew.assignee


def test_a_deleted_task_of_a_departing_member_comes_back_unassigned(
    tf: TaskFlow, crew: Crew
) -> None:
    task = tf.tasks.create(crew.owner, crew.team_id, title="Later", assignee_id=crew.assignee)
    tf.tasks.delete(crew.owner, task.id)
    tf.teams.remove_member(crew.owner, crew.team_id, crew.assignee)
    restored = tf.tasks.restore(crew.owner, task.id)
    assert restored.assignee is None
