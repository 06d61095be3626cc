"""A mailer that keeps every message in memory, for tests."""

from __future__ import annotations

from collections.abc import Iterable
from email.message import EmailMessage

__all__ = ["RecordingMailer"]


class RecordingMailer:
    """Keeps each accepted message in ``messages``, in order. ``fail_with(*errors)``
    makes the next sends raise those errors, one per send, before accepting again."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.attempts = 0
        self._failures: list[BaseException] = []

    def fail_with(self, *errors: BaseException) -> None:
        self._failures.extend(errors)

    async def send(self, message: EmailMessage) -> None:
        self.attempts += 1
        if self._failures:
            raise self._failures.pop(0)
        self.messages.append(message)

    def to(self, address: str) -> list[EmailMessage]:
        """The messages sent to ``address``."""
        return [m for m in self.messages if address in _addresses(m.get_all("To", []))]

    def clear(self) -> None:
        self.messages.clear()
        self.attempts = 0


def _addresses(values: Iterable[str]) -> set[str]:
    return {str(value).strip().lower() for value in values}
