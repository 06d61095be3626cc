"""Ports: the typed protocols the core depends on. Adapters implement them."""

from taskflow.ports.messaging import Message, OutboxRepository, Queue
from taskflow.ports.repositories import (
    ActivityRepository,
    CommentRepository,
    EmailChangeRepository,
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
    EventBus,
    EventPublisher,
    EventReceiver,
    EventSubscriptions,
    PasswordHasher,
    TokenStore,
)
from taskflow.ports.storage import Storage
from taskflow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "AccessProfileReader",
    "ActivityRepository",
    "Clock",
    "CommentRepository",
    "EmailChangeRepository",
    "EventBus",
    "EventPublisher",
    "EventReceiver",
    "EventSubscriptions",
    "InviteRepository",
    "LoginFailureRepository",
    "MembershipRepository",
    "Message",
    "OneTimeTokenRepository",
    "OutboxRepository",
    "PasswordHasher",
    "Queue",
    "Storage",
    "TaskRepository",
    "TeamRepository",
    "TokenStore",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
]
