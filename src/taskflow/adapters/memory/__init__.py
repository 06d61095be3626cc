"""In-memory adapters for every port: for tests, demos and single-process experiments."""

from taskflow.adapters.memory.events import RecordingEventPublisher
from taskflow.adapters.memory.mailer import RecordingMailer
from taskflow.adapters.memory.outbox import InMemoryOutboxRepository
from taskflow.adapters.memory.queue import InProcessQueue
from taskflow.adapters.memory.store import InMemoryStore
from taskflow.adapters.memory.token_store import InMemoryTokenStore
from taskflow.adapters.memory.unit_of_work import InMemoryUnitOfWork, InMemoryUnitOfWorkFactory

__all__ = [
    "InMemoryOutboxRepository",
    "InMemoryStore",
    "InMemoryTokenStore",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
    "InProcessQueue",
    "RecordingEventPublisher",
    "RecordingMailer",
]
