"""The in-process queue, what only it does: its dead letters are kept in memory with the
last error. (What every queue does is in tests/contract/test_queue_contract.py.)"""

from __future__ import annotations

from datetime import UTC, datetime

from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.events import TASK_CREATED, make_event

NOW = datetime(2024, 2, 1, tzinfo=UTC)


def test_a_dead_letter_keeps_the_message_and_its_last_error() -> None:
    queue = InProcessQueue(max_attempts=2, retry_delay=0.01)
    event = make_event(TASK_CREATED, {}, NOW)
    queue.publish([event])
    for _ in range(2):
        (message,) = queue.receive(max_messages=1, timeout=2)
        queue.retry(message, "still broken")
    (dead,) = queue.dead_letters
    assert (dead.message.event, dead.message.attempt) == (event, 2)
    assert dead.error == "still broken"
    assert queue.pending() == 0
