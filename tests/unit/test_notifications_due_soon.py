"""The task.due_soon job: tasks due tomorrow in the assignee's time zone, announced once
per task and due date however often (and wherever) the job runs."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from crew import Crew
from notifying import deliver, handle_last, subject

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import TASK_DUE_SOON
from taskflow.testing import FakeClock, RecordingMailer

# The clock of these tests: 2024-02-01 10:00 UTC, so "tomorrow" is 2024-02-02 in UTC.
TOMORROW = date(2024, 2, 2)


def test_a_task_due_tomorrow_is_announced_in_app_and_by_mail(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    task = tf.tasks.create(
        crew.owner, crew.team_id, title="ارائه", assignee_id=crew.assignee, due_date=TOMORROW
    )
    assert tf.notifications.run_due_soon() == 1

    event = handle_last(tf, events, TASK_DUE_SOON)
    assert event.payload == {
        "task_id": str(task.id),
        "assignee_id": str(crew.assignee),
        "due_date": "2024-02-02",
    }
    [notification] = [
        n for n in tf.notifications.list(crew.assignee).items if n.type == "task.due_soon"
    ]
    assert notification.text == "تسک ارائه فردا سررسید می\u200cشود"
    tf.notifications.mark_all_read(crew.assignee)
    deliver(tf)
    assert subject(mailer.messages[-1]) == "تسک ارائه فردا سررسید می\u200cشود"


def test_running_the_job_again_announces_nothing_new(
    tf: TaskFlow, events: RecordingEventPublisher, clock: FakeClock, crew: Crew
) -> None:
    tf.tasks.create(
        crew.owner, crew.team_id, title="Once", assignee_id=crew.assignee, due_date=TOMORROW
    )
    assert tf.notifications.run_due_soon() == 1
    for _ in range(3):
        clock.advance(hours=1)
        assert tf.notifications.run_due_soon() == 0
    assert len(events.named(TASK_DUE_SOON)) == 1


def test_jobs_running_at_once_on_several_workers_announce_each_task_once(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    for n in range(5):
        tf.tasks.create(
            crew.owner, crew.team_id, title=f"T{n}", assignee_id=crew.assignee, due_date=TOMORROW
        )
    announced: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def run() -> None:
        start.wait()
        try:
            announced.append(tf.notifications.run_due_soon())
        except BaseException as error:  # reported below, in the test thread
            errors.append(error)

    workers = [threading.Thread(target=run) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert sum(announced) == 5
    assert len(events.named(TASK_DUE_SOON)) == 5


def test_tomorrow_is_read_in_the_assignees_time_zone(
    tf: TaskFlow, events: RecordingEventPublisher, clock: FakeClock, crew: Crew
) -> None:
    tf.notifications.update_preferences(crew.assignee, timezone="Asia/Tehran")  # UTC+03:30
    clock.set(datetime(2024, 2, 1, 21, 0, tzinfo=UTC))  # 2024-02-02 00:30 in Tehran
    tehran_today = tf.tasks.create(
        crew.owner, crew.team_id, title="A", assignee_id=crew.assignee, due_date=date(2024, 2, 2)
    )
    tehran_tomorrow = tf.tasks.create(
        crew.owner, crew.team_id, title="B", assignee_id=crew.assignee, due_date=date(2024, 2, 3)
    )
    utc_tomorrow = tf.tasks.create(
        crew.owner, crew.team_id, title="C", assignee_id=crew.member, due_date=date(2024, 2, 2)
    )
    assert tf.notifications.run_due_soon() == 2
    announced = {e.payload["task_id"] for e in events.named(TASK_DUE_SOON)}
    assert announced == {str(tehran_tomorrow.id), str(utc_tomorrow.id)}
    assert str(tehran_today.id) not in announced


def test_done_deleted_unassigned_and_later_tasks_are_not_announced(
    tf: TaskFlow, clock: FakeClock, crew: Crew
) -> None:
    done = tf.tasks.create(
        crew.owner, crew.team_id, title="Done", assignee_id=crew.assignee, due_date=TOMORROW
    )
    tf.tasks.complete(crew.owner, done.id)
    deleted = tf.tasks.create(
        crew.owner, crew.team_id, title="Gone", assignee_id=crew.assignee, due_date=TOMORROW
    )
    tf.tasks.delete(crew.owner, deleted.id)
    tf.tasks.create(crew.owner, crew.team_id, title="Nobody's", due_date=TOMORROW)
    tf.tasks.create(
        crew.owner, crew.team_id, title="Later", assignee_id=crew.assignee,
        due_date=date(2024, 2, 4),
    )  # fmt: skip
    assert tf.notifications.run_due_soon() == 0

    clock.set(datetime(2024, 2, 3, 9, 0, tzinfo=UTC))
    assert tf.notifications.run_due_soon() == 1  # "Later" is now due tomorrow


def test_a_moved_due_date_is_announced_again_for_the_new_day(
    tf: TaskFlow, events: RecordingEventPublisher, clock: FakeClock, crew: Crew
) -> None:
    task = tf.tasks.create(
        crew.owner, crew.team_id, title="Moved", assignee_id=crew.assignee, due_date=TOMORROW
    )
    assert tf.notifications.run_due_soon() == 1
    tf.tasks.update(crew.owner, task.id, due_date=date(2024, 2, 5))
    clock.set(datetime(2024, 2, 4, 8, 0, tzinfo=UTC))
    assert tf.notifications.run_due_soon() == 1
    assert [e.payload["due_date"] for e in events.named(TASK_DUE_SOON)] == [
        "2024-02-02",
        "2024-02-05",
    ]


def test_an_announcement_that_no_longer_holds_notifies_nobody(
    tf: TaskFlow, events: RecordingEventPublisher, crew: Crew
) -> None:
    done = tf.tasks.create(
        crew.owner, crew.team_id, title="Done", assignee_id=crew.assignee, due_date=TOMORROW
    )
    moved = tf.tasks.create(
        crew.owner, crew.team_id, title="Moved", assignee_id=crew.assignee, due_date=TOMORROW
    )
    given = tf.tasks.create(
        crew.owner, crew.team_id, title="Given", assignee_id=crew.assignee, due_date=TOMORROW
    )
    assert tf.notifications.run_due_soon() == 3
    announced = {e.payload["task_id"]: e for e in events.named(TASK_DUE_SOON)}
    # Before the worker handles the events: done, moved, given to someone else.
    tf.tasks.complete(crew.owner, done.id)
    tf.tasks.update(crew.owner, moved.id, due_date=date(2024, 2, 9))
    tf.tasks.assign(crew.owner, given.id, assignee_id=crew.member)
    for task in (done, moved, given):
        event = announced[str(task.id)]
        tf.notifications.handle_event(event)
        assert tf.notifications.event_deliveries(event.id) == []
    assert [n.type for n in tf.notifications.list(crew.assignee).items] == []
