"""In-process delivery of committed events through blinker, one namespace per publisher.

Each ``TaskFlow`` owns one ``BlinkerEventPublisher`` (``tf.events``): its receivers hear
the events of that ``TaskFlow`` only, so two instances in one process never wake or feed
each other. Host code subscribes with::

    @tf.events.receiver("task.completed")
    def on_completed(event: Event) -> None: ...

    tf.events.connect("task.assigned", lambda event: print(event.payload))
    tf.events.disconnect("task.completed", on_completed)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

from blinker import Namespace

from taskflow.domain.models import Event
from taskflow.ports.services import EventReceiver

__all__ = ["BlinkerEventPublisher"]

logger = logging.getLogger(__name__)

ReceiverT = TypeVar("ReceiverT", bound=EventReceiver)


class BlinkerEventPublisher:
    """Sends each committed event to the receivers connected to its name, one signal per
    name in this publisher's own blinker namespace. Receivers are held strongly (a
    lambda keeps working) until disconnected. A failing receiver is logged, never raised,
    and does not keep the other receivers from the event: the change they react to is
    already committed."""

    def __init__(self) -> None:
        self._signals = Namespace()

    def connect(self, name: str, receiver: ReceiverT) -> ReceiverT:
        self._signals.signal(name).connect(receiver, weak=False)
        return receiver

    def disconnect(self, name: str, receiver: EventReceiver) -> None:
        self._signals.signal(name).disconnect(receiver)

    def receiver(self, name: str) -> Callable[[ReceiverT], ReceiverT]:
        def decorate(receiver: ReceiverT) -> ReceiverT:
            return self.connect(name, receiver)

        return decorate

    def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            signal = self._signals.get(event.name)
            if signal is None or not signal.receivers:
                continue
            # One receiver at a time (not Signal.send), so that one failing receiver
            # does not hide the event from the receivers after it.
            for receiver in signal.receivers_for(self):
                try:
                    receiver(event)
                except Exception:
                    logger.exception("a receiver of %s failed (event %s)", event.name, event.id)
