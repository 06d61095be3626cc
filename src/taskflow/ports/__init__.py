"""Ports: the typed protocols the core depends on. Adapters implement them."""

from taskflow.ports.messaging import Message, OutboxRepository, Queue
from taskflow.ports.repositories import (
    ActivityRepository,
    CommentRepository,
    InviteRepository,
    LoginFailureRepository,
    MembershipRepository,
    OneTimeTokenRepository,
    TaskRepository,
    TeamRepository,
    UserRepository,
)
from taskflow.ports.services import (
    AccessProfileReader,
    Clock,
    EventPublisher,
    PasswordHasher,
    TokenStore,
)
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AccessProfileReader",
    "ActivityRepository",
    "Clock",
    "CommentRepository",
    "EventPublisher",
    "InviteRepository",
    "LoginFailureRepository",
    "MembershipRepository",
    "Message",
    "OneTimeTokenRepository",
    "OutboxRepository",
    "PasswordHasher",
    "Queue",
    "TaskRepository",
    "TeamRepository",
    "TokenStore",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
]
