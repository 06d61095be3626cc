"""Someone no longer in a task's team is not told about it: no task title of a team they
left (or were removed from) reaches their inbox or mailbox.

Paths that used to leak: a done task keeps its assignee when the assignee is removed
(only OPEN tasks are unassigned), so reopening it makes an open task of an ex-member and
the due-soon job mails them; the creator of a task, removed from the team, was still told
when it was completed; an assignment event handled after the assignee left still
notified them."""

from __future__ import annotations

from datetime import date

from crew import Crew
from notifying import deliver, handle_last

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import TASK_ASSIGNED, TASK_COMPLETED, TASK_DUE_SOON
from taskflow.testing import RecordingMailer

TOMORROW = date(2024, 2, 2)  # the FakeClock's today is 2024-02-01


def test_a_reopened_task_of_a_removed_assignee_is_not_announced_to_them(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    task = tf.tasks.create(
        crew.owner, crew.team_id, title="Secret plan", assignee_id=crew.assignee,
        due_date=TOMORROW,
    )  # fmt: skip
    tf.tasks.complete(crew.owner, task.id)
    tf.teams.remove_member(crew.owner, crew.team_id, crew.assignee)
    tf.tasks.reopen(crew.owner, task.id)

    tf.notifications.run_due_soon()
    if events.named(TASK_DUE_SOON):
        handle_last(tf, events, TASK_DUE_SOON)
    deliver(tf)
    assert [n for n in tf.notifications.list(crew.assignee).items if "Secret" in n.text] == []
    assert all("Secret" not in str(m["Subject"]) for m in mailer.messages)


def test_a_removed_creator_is_not_told_their_old_task_was_completed(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="Secret plan")
    tf.teams.remove_member(crew.owner, crew.team_id, crew.creator)
    tf.tasks.complete(crew.owner, task.id)
    handle_last(tf, events, TASK_COMPLETED)
    assert tf.notifications.list(crew.creator).items == []


def test_an_assignment_handled_after_the_assignee_left_notifies_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.tasks.create(crew.owner, crew.team_id, title="Secret plan", assignee_id=crew.assignee)
    tf.teams.leave(crew.assignee, crew.team_id)  # before the worker handles the event
    event = handle_last(tf, events, TASK_ASSIGNED)
    assert tf.notifications.event_deliveries(event.id) == []
    assert deliver(tf) == 0
    assert tf.notifications.list(crew.assignee).items == []


def test_a_current_member_is_still_told(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    task = tf.tasks.create(crew.creator, crew.team_id, title="Plan")
    tf.tasks.complete(crew.owner, task.id)
    handle_last(tf, events, TASK_COMPLETED)
    assert len(tf.notifications.list(crew.creator).items) == 1
