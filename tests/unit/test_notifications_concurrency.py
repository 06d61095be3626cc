"""Several workers at the same moment: the same event handled twice at once, and mail
claimed by concurrent delivery passes. Each mail exists once and goes once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from crew import Crew

from taskflow import TaskFlow
from taskflow.adapters.memory import RecordingEventPublisher
from taskflow.events import TASK_ASSIGNED
from taskflow.testing import RecordingMailer


def at_once(count: int, work: Callable[[], object]) -> list[object]:
    """Run ``work`` in ``count`` threads released together; returns results, raises
    the first error."""
    results: list[object] = []
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run() -> None:
        start.wait()
        try:
            results.append(work())
        except BaseException as error:  # reported below, in the test thread
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_one_event_handled_by_four_workers_at_once_is_written_once(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    tf.tasks.create(crew.owner, crew.team_id, title="Race", assignee_id=crew.assignee)
    event = events.named(TASK_ASSIGNED)[-1]

    at_once(4, lambda: tf.notifications.handle_event(event))

    assert len(tf.notifications.event_deliveries(event.id)) == 2  # email + in-app
    assert tf.notifications.unread_count(crew.assignee) == 1
    assert asyncio.run(tf.notifications.deliver_due()) == 1
    assert len(mailer.messages) == 1


def test_concurrent_delivery_passes_send_each_mail_once(
    tf: TaskFlow, events: RecordingEventPublisher, mailer: RecordingMailer, crew: Crew
) -> None:
    for n in range(12):
        tf.tasks.create(crew.owner, crew.team_id, title=f"T{n}", assignee_id=crew.assignee)
        tf.notifications.handle_event(events.named(TASK_ASSIGNED)[-1])

    sent = at_once(3, lambda: asyncio.run(tf.notifications.deliver_due(limit=5)))
    sent += [asyncio.run(tf.notifications.deliver_due())]

    assert sum(n for n in sent if isinstance(n, int)) == 12
    ids = [m["X-Taskflow-Delivery"] for m in mailer.messages]
    assert len(ids) == len(set(ids)) == 12
