"""The ``task.due_soon`` job: tell each assignee, the day before, about their tasks due
tomorrow, once per task and due date.

"Tomorrow" is read in the assignee's time zone (their preferences; UTC by default). The
job may run as often as you like and on several workers at once: each (task, due date)
is marked in storage, unique, in the same transaction that writes the ``task.due_soon``
event to the outbox, so exactly one run announces it. Moving the due date to another day
announces the task again for that day.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from taskflow.domain.notifications import DEFAULT_TIMEZONE
from taskflow.events import TASK_DUE_SOON, make_event
from taskflow.notifications.schedule import zone
from taskflow.ports.services import Clock
from taskflow.ports.unit_of_work import UnitOfWorkFactory

__all__ = ["DueSoonJob"]

logger = logging.getLogger(__name__)


class DueSoonJob:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    def run(self, now: datetime | None = None) -> int:
        """Emit ``task.due_soon`` for every task due tomorrow not yet announced; returns
        how many were announced by this run."""
        now = now or self._clock.now()
        utc_today = now.date()
        announced = 0
        with self._uow() as uow:
            # Every time zone's "tomorrow" lies within UTC's today .. today + 2 days.
            tasks = uow.due_soon.tasks_due_between(utc_today, utc_today + timedelta(days=2))
            assignee_ids = list({t.assignee_id for t in tasks if t.assignee_id is not None})
            preferences = uow.preferences.get_many(assignee_ids)
            for task in tasks:
                if task.assignee_id is None or task.due_date is None:
                    continue
                prefs = preferences.get(task.assignee_id)
                timezone = prefs.timezone if prefs is not None else DEFAULT_TIMEZONE
                tomorrow = now.astimezone(zone(timezone)).date() + timedelta(days=1)
                if task.due_date != tomorrow:
                    continue
                if not uow.due_soon.mark(task.id, task.due_date, now):
                    continue  # announced already, by an earlier run or another worker
                uow.emit(
                    make_event(
                        TASK_DUE_SOON,
                        {
                            "task_id": str(task.id),
                            "assignee_id": str(task.assignee_id),
                            "due_date": task.due_date.isoformat(),
                        },
                        now,
                    )
                )
                announced += 1
            uow.commit()
        if announced:
            logger.info("announced %d task(s) due tomorrow", announced)
        return announced
