"""In-memory repositories over an ``InMemoryStore``, one module per area: ``auth`` (users,
login failures, one-time tokens), ``teams`` (teams, memberships, invites), ``tasks``
(tasks, comments, activity), ``notifications`` and ``exports`` (data export requests)."""

from taskflow.adapters.memory.repositories.auth import (
    InMemoryEmailChangeRepository,
    InMemoryLoginFailureRepository,
    InMemoryOneTimeTokenRepository,
    InMemoryUserRepository,
)
from taskflow.adapters.memory.repositories.exports import InMemoryDataExportRepository
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
    "InMemoryDataExportRepository",
    "InMemoryDeliveryRepository",
    "InMemoryDueSoonRepository",
    "InMemoryEmailChangeRepository",
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
