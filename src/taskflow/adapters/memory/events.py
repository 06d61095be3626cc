"""An event publisher that remembers what it published, for tests."""

from __future__ import annotations

from collections.abc import Sequence

from taskflow.adapters.blinker import BlinkerEventPublisher
from taskflow.domain.models import Event

__all__ = ["RecordingEventPublisher"]


class RecordingEventPublisher(BlinkerEventPublisher):
    """Keeps every published event in ``events``, in order (``named(name)`` filters),
    and still hands them to the receivers connected to it (``tf.events.connect``)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []

    def publish(self, events: Sequence[Event]) -> None:
        self.events.extend(events)
        super().publish(events)

    def named(self, name: str) -> list[Event]:
        return [e for e in self.events if e.name == name]

    def clear(self) -> None:
        self.events.clear()
