"""Domain event names, their constructor, and in-process delivery through blinker.

Every event is a signal in ONE blinker namespace, ``taskflow.events.signals``; the signal
is sent only after the unit of work that caused the event has committed. Hook one with::

    from taskflow.events import signal

    @signal("task.completed").connect
    def on_completed(sender: object, event: Event) -> None: ...
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from blinker import NamedSignal, Namespace

from taskflow.domain.models import Event
from taskflow.ids import new_id

__all__ = [
    "EVENT_NAMES",
    "INVITE_CREATED",
    "TASK_ASSIGNED",
    "TASK_COMPLETED",
    "TASK_CREATED",
    "TASK_DUE_SOON",
    "USER_PASSWORD_RESET",
    "USER_SIGNUP",
    "USER_VERIFY_EMAIL",
    "BlinkerEventPublisher",
    "make_event",
    "signal",
    "signals",
]

logger = logging.getLogger(__name__)

TASK_CREATED: Final = "task.created"
TASK_COMPLETED: Final = "task.completed"
TASK_ASSIGNED: Final = "task.assigned"
TASK_DUE_SOON: Final = "task.due_soon"
USER_SIGNUP: Final = "user.signup"
USER_VERIFY_EMAIL: Final = "user.verify_email"
USER_PASSWORD_RESET: Final = "user.password_reset"  # noqa: S105 - an event name
INVITE_CREATED: Final = "invite.created"

EVENT_NAMES: Final = frozenset(
    {
        TASK_CREATED,
        TASK_COMPLETED,
        TASK_ASSIGNED,
        TASK_DUE_SOON,
        USER_SIGNUP,
        USER_VERIFY_EMAIL,
        USER_PASSWORD_RESET,
        INVITE_CREATED,
    }
)

signals = Namespace()
"""The one namespace of taskflow's signals, one per event name."""


def signal(name: str) -> NamedSignal:
    """The blinker signal of an event name (``"task.created"``...)."""
    return signals.signal(name)


def make_event(name: str, payload: dict[str, Any], occurred_at: datetime) -> Event:
    """A new event with a unique, time-ordered id (UUIDv7: the outbox relays events in
    id order). Payload values must be JSON-friendly (str, int, bool, None, lists, dicts)."""
    return Event(id=new_id(), name=name, payload=payload, occurred_at=occurred_at)


class BlinkerEventPublisher:
    """Sends each committed event on its signal. A failing receiver is logged, never
    raised, and does not keep the other receivers from the event: the change they react
    to is already committed."""

    def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            event_signal = signal(event.name)
            if not event_signal.receivers:
                continue
            # One receiver at a time (not Signal.send), so that one failing receiver
            # does not hide the event from the receivers after it.
            for receiver in event_signal.receivers_for(self):
                try:
                    receiver(self, event=event)
                except Exception:
                    logger.exception("a receiver of %s failed (event %s)", event.name, event.id)
