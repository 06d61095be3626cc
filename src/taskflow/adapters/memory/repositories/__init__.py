"""In-memory repositories over an ``InMemoryStore``, one module per area: ``auth`` (users,
login failures, one-time tokens), ``teams`` (teams, memberships, invites), ``tasks``
(tasks, comments, activity) and ``notifications``."""

from taskflow.adapters.memory.repositories.auth import (
    InMemoryLoginFailureRepository,
    InMemoryOneTimeTokenRepository,
    InMemoryUserRepository,
)
from taskflow.adapters.memory.repositories.notifications import (
    InMemoryDeliveryRepository,
    InMemoryDueSoonRepository,
    InMemoryNotificationRepository,
    InMemoryPreferenceRepository,
    InMemoryPushSubscriptionRepository,
)
from taskflow.adapters.memory.repositories.tasks import (
    InMemoryActivityRepository,
    InMemoryCommentRepository,
    InMemoryTaskRepository,
)
from taskflow.adapters.memory.repositories.teams import (
    InMemoryInviteRepository,
    InMemoryMembershipRepository,
    InMemoryTeamRepository,
)

__all__ = [
    "InMemoryActivityRepository",
    "InMemoryCommentRepository",
    "InMemoryDeliveryRepository",
    "InMemoryDueSoonRepository",
    "InMemoryInviteRepository",
    "InMemoryLoginFailureRepository",
    "InMemoryMembershipRepository",
    "InMemoryNotificationRepository",
    "InMemoryOneTimeTokenRepository",
    "InMemoryPreferenceRepository",
    "InMemoryPushSubscriptionRepository",
    "InMemoryTaskRepository",
    "InMemoryTeamRepository",
    "InMemoryUserRepository",
]
